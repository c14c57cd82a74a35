import {
  builtinFaultRegistry,
  createFaultEngine,
  createInlineSource,
  type Invocation,
  type MatchCondition,
  validateExperiment,
} from '@faultline/core';
import { createFaultWrapper, type NativeFieldReader } from '@faultline/core/adapter-kit';
import {
  createInMemoryAdapter,
  createMemorySink,
  createSeededRandom,
  type InMemoryContext,
  type InMemoryRequest,
  type InMemoryResponse,
} from '@faultline/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileExperiment } from '../../src/engine/compile.js';
import { createNativeReads } from '../../src/engine/conditions.js';
import { decide } from '../../src/engine/decide.js';
import { nothingCanFire } from '../../src/engine/native-decision.js';
import { holdProcessWideFault } from '../../src/engine/process-wide-faults.js';

const adapter = createInMemoryAdapter();
const reader = adapter.loadNativeFields?.() as NativeFieldReader<InMemoryRequest, InMemoryContext>;

const text = fc.constantFrom(
  'GET',
  'get',
  'DELETE',
  '/orders/42',
  '/admin',
  '/admin/users',
  'acme',
  'ACME',
  'dev',
  'prod',
  '',
  '5',
  'orders',
);
const condition: fc.Arbitrary<MatchCondition> = fc.oneof(
  fc.record({
    field: fc.constantFrom(
      'http.method',
      'http.path',
      'http.header.x-tenant',
      'http.header.constructor',
      'http.query.page',
      'trigger',
      'stage',
      'function',
      'cloud',
      'region',
      'requestId',
      'event.type',
      'event.source',
      'raw.path',
    ),
    op: fc.constantFrom('eq', 'neq', 'prefix', 'suffix', 'glob', 'gte', 'lte'),
    value: fc.oneof(text, fc.constantFrom(5, 0, true)),
  }),
  fc.record({
    field: fc.constantFrom('http.method', 'http.path', 'http.header.x-tenant', 'trigger'),
    op: fc.constant('in' as const),
    value: fc.array(text, { minLength: 1, maxLength: 3 }),
  }),
  fc.record({
    field: fc.constantFrom('http.header.x-tenant', 'http.query.page', 'event.type', 'region'),
    op: fc.constant('exists' as const),
    value: fc.boolean(),
  }),
) as fc.Arbitrary<MatchCondition>;

const target = fc.oneof(
  fc.constant(undefined),
  fc.record(
    {
      clouds: fc.constantFrom(['local'], ['aws']),
      functions: fc.constantFrom(['orders'], ['bill*'], ['ord*', 'x']),
      stages: fc.constantFrom(['dev'], ['PROD*'], ['prod', 'dev']),
    },
    { requiredKeys: [] },
  ),
);
const experiment = fc.record({
  target,
  faults: fc.array(fc.array(condition, { maxLength: 3 }), { minLength: 1, maxLength: 4 }),
  shared: fc.array(condition, { maxLength: 1 }),
  allowProduction: fc.boolean(),
  mode: fc.constantFrom('enforce', 'dry-run'),
});

type ExperimentShape = typeof experiment extends fc.Arbitrary<infer Shape> ? Shape : never;

/** The experiment a generated shape describes (one `status` fault per list of conditions), as validated. */
function validatedShape(shape: ExperimentShape, id: string) {
  return validateExperiment({
    schemaVersion: 1,
    id,
    mode: shape.mode,
    guard: { allowProduction: shape.allowProduction },
    ...(shape.target === undefined ? {} : { target: shape.target }),
    faults: shape.faults.map((match, index) => ({
      id: `f-${index}`,
      type: 'status',
      status: 503,
      probability: 1,
      match: [...shape.shared, ...match],
    })),
  });
}

const request: fc.Arbitrary<InMemoryRequest> = fc.record(
  {
    requestId: fc.constantFrom('r-1', '5'),
    trigger: fc.constantFrom('http', 'queue', 'event'),
    method: fc.constantFrom('GET', 'get', 'DELETE', 'ß'),
    path: fc.constantFrom('/orders/42', '/admin/users', '/'),
    headers: fc.dictionary(
      fc.constantFrom('x-tenant', 'X-Tenant', 'accept'),
      fc.constantFrom('acme', 'ACME', '5'),
    ),
    query: fc.dictionary(fc.constantFrom('page', 'constructor'), fc.constantFrom('1', '5')),
    eventType: fc.constantFrom('orders.created', 'acme'),
    eventSource: fc.constantFrom('shop'),
  },
  { requiredKeys: ['requestId'] },
);
const context: fc.Arbitrary<InMemoryContext> = fc.record(
  { functionName: fc.constantFrom('orders', 'billing'), stage: fc.constantFrom('dev', 'prod', 'Production') },
  { requiredKeys: [] },
);

describe('deciding from native arguments (nothingCanFire)', () => {
  it('says "nothing fires" only when deciding on the built invocation injects, would inject and books nothing (property)', () => {
    let certain = 0;
    let runs = 0;
    fc.assert(
      fc.property(experiment, request, context, (shape, sample, sampleContext) => {
        const definition = validatedShape(shape, 'native');
        if (!definition.ok) return; // a generated value the schema rejects (e.g. a number for prefix)
        const { compiled } = compileExperiment(definition.experiment, { registry: builtinFaultRegistry });
        runs++;
        // Through the experiment: with the reads it keeps and its target check.
        if (!compiled.nothingMatches(reader, sample, sampleContext)) return;
        certain++;
        const plan = decide(compiled, adapter.toInvocation(sample, sampleContext), 0, createSeededRandom(1));
        expect(plan.inject).toEqual([]);
        expect(plan.wouldInject).toEqual([]);
        expect(plan.budgetLimited).toEqual([]);
        expect(plan.outcome).not.toBe('production-refused');
      }),
      { numRuns: 4000 },
    );
    // The shortcut must actually apply to a good share of the generated cases, or this proves nothing.
    expect(certain).toBeGreaterThan(runs / 5);
  });

  it('decides the same with the reads it keeps between conditions, over many invocations of one experiment (property)', () => {
    fc.assert(
      fc.property(
        experiment,
        fc.array(fc.tuple(request, context), { minLength: 2, maxLength: 8 }),
        (shape, samples) => {
          const definition = validatedShape(shape, 'native-reads');
          if (!definition.ok) return;
          const { compiled } = compileExperiment(definition.experiment, { registry: builtinFaultRegistry });
          for (const [sample, sampleContext] of samples) {
            // The reused experiment keeps its reads across invocations; a fresh one has read nothing yet.
            const fresh = compileExperiment(definition.experiment, {
              registry: builtinFaultRegistry,
            }).compiled;
            expect(compiled.nothingMatches(reader, sample, sampleContext)).toBe(
              fresh.nothingMatches(reader, sample, sampleContext),
            );
          }
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('decides the same through the plan as fault by fault, with targets and the production guard (property)', () => {
    fc.assert(
      fc.property(experiment, request, context, (shape, sample, sampleContext) => {
        const definition = validatedShape(shape, 'native-plan');
        if (!definition.ok) return;
        const { compiled } = compileExperiment(definition.experiment, { registry: builtinFaultRegistry });
        // Given reads of its own, nothingCanFire checks every fault's conditions one by one (the shared ones first).
        const targets = compiled.targets;
        const reads = createNativeReads(
          compiled.sharedConditions,
          compiled.faults.map((fault) => fault.conditions),
          targets === undefined
            ? undefined
            : (cloud, functionName, stage) =>
                targets({ cloud, function: functionName, stage } as unknown as Invocation),
        );
        expect(compiled.nothingMatches(reader, sample, sampleContext)).toBe(
          nothingCanFire(compiled, reader, sample, sampleContext, reads),
        );
      }),
      { numRuns: 3000 },
    );
  });

  it('reads a field once per invocation however many conditions compare it', () => {
    const definition = validateExperiment({
      schemaVersion: 1,
      id: 'ten-paths',
      faults: Array.from({ length: 10 }, (_, index) => ({
        id: `f-${index}`,
        type: 'status',
        status: 503,
        probability: 1,
        match: [
          { field: 'http.path', op: 'prefix', value: `/admin-${index}` },
          { field: 'http.header.x-tenant', op: 'eq', value: `tenant-${index}` },
        ],
      })),
    });
    if (!definition.ok) throw new Error(JSON.stringify(definition.issues));
    const { compiled } = compileExperiment(definition.experiment, { registry: builtinFaultRegistry });
    const reads: string[] = [];
    const counting: NativeFieldReader<InMemoryRequest, InMemoryContext> = {
      begin: (first, second) => reader.begin(first, second),
      read: (field, name) => {
        reads.push(field);
        return reader.read(field, name);
      },
      end: () => reader.end(),
    };
    for (let invocation = 0; invocation < 2; invocation++) {
      reads.length = 0;
      expect(
        compiled.nothingMatches(
          counting,
          { requestId: 'r', method: 'GET', path: '/orders/42' },
          { stage: 'dev' },
        ),
      ).toBe(true);
      expect(reads.filter((field) => field === 'http.path')).toHaveLength(1);
    }
  });

  it('never decides from native fields while a process-wide fault acts (neighbour events need the invocation)', async () => {
    const { compiled } = compileExperiment(
      validateOrThrow([{ field: 'http.method', op: 'eq', value: 'DELETE' }]),
      { registry: builtinFaultRegistry },
    );
    const sample = { requestId: 'r-1', method: 'GET' };
    expect(nothingCanFire(compiled, reader, sample, {})).toBe(true);
    const release = holdProcessWideFault({
      experimentId: 'other',
      faultId: 'cpu',
      faultType: 'cpu',
      requestId: 'r-0',
    } as Parameters<typeof holdProcessWideFault>[0]);
    try {
      expect(nothingCanFire(compiled, reader, sample, {})).toBe(false);
    } finally {
      release();
    }
  });
});

function validateOrThrow(match: MatchCondition[], extra: object = {}) {
  const result = validateExperiment({
    schemaVersion: 1,
    id: 'native',
    faults: [{ id: 'deletes', type: 'status', status: 503, probability: 1, match }],
    ...extra,
  });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.experiment;
}

describe('the wrapper with an armed experiment whose faults do not match', () => {
  async function setUp(extra: object = {}, faults?: object[]) {
    const sink = createMemorySink();
    const engine = createFaultEngine({
      source: createInlineSource({
        schemaVersion: 1,
        id: 'armed',
        faults: faults ?? [
          {
            id: 'deletes',
            type: 'status',
            status: 503,
            probability: 1,
            match: [{ field: 'http.method', op: 'eq', value: 'DELETE' }],
          },
        ],
        ...extra,
      }),
      environment: {},
      onEvent: sink,
    });
    await engine.ready();
    const built: InMemoryRequest[] = [];
    const base = createInMemoryAdapter();
    const counting = {
      ...base,
      toInvocation(request: InMemoryRequest, context: InMemoryContext) {
        built.push(request);
        return base.toInvocation(request, context);
      },
    };
    const response: Promise<InMemoryResponse | undefined> = Promise.resolve({ status: 200 });
    const wrapped = createFaultWrapper(counting, () => response, { engine, environment: {} });
    // The wrapper takes up the adapter's reader right after creation, asynchronously.
    await new Promise((resolve) => setImmediate(resolve));
    return { wrapped, built, response, sink, engine };
  }

  it('calls the handler without building the invocation, and builds it when a fault matches', async () => {
    const { wrapped, built, response, engine } = await setUp();
    for (let index = 0; index < 5; index++) {
      expect(wrapped({ requestId: `r-${index}`, method: 'GET' }, { stage: 'dev' })).toBe(response);
    }
    expect(built).toEqual([]);
    const answer = await wrapped({ requestId: 'r-delete', method: 'DELETE' }, { stage: 'dev' });
    expect(answer?.status).toBe(503);
    expect(built.map((request) => request.requestId)).toEqual(['r-delete']);
    engine.close();
  });

  it('still reports the production guard once (the full path), then decides natively', async () => {
    const { wrapped, built, sink, engine } = await setUp();
    for (let index = 0; index < 3; index++)
      await wrapped({ requestId: `r-${index}`, method: 'GET' }, { stage: 'prod' });
    expect(sink.events.filter((event) => event.type === 'production-refused')).toHaveLength(1);
    expect(built.map((request) => request.requestId)).toEqual(['r-0']);
    engine.close();
  });

  it('has the reader after the first invocation of a cold instance, even when the reader loads later than the store', async () => {
    const built: InMemoryRequest[] = [];
    const base = createInMemoryAdapter();
    const counting = {
      ...base,
      // Like a dynamic import that finishes on a later turn of the event loop than the store's first read.
      loadNativeFields: () =>
        new Promise<NativeFieldReader<InMemoryRequest, InMemoryContext>>((resolve) =>
          setTimeout(
            () => resolve(base.loadNativeFields?.() as NativeFieldReader<InMemoryRequest, InMemoryContext>),
            50,
          ),
        ),
      toInvocation(request: InMemoryRequest, context: InMemoryContext) {
        built.push(request);
        return base.toInvocation(request, context);
      },
    };
    const response: Promise<InMemoryResponse | undefined> = Promise.resolve({ status: 200 });
    const wrapped = createFaultWrapper(counting, () => response, {
      source: createInlineSource({
        schemaVersion: 1,
        id: 'armed',
        faults: [
          {
            id: 'deletes',
            type: 'status',
            status: 503,
            probability: 1,
            match: [{ field: 'http.method', op: 'eq', value: 'DELETE' }],
          },
        ],
      }),
      environment: {},
      onEvent: createMemorySink(),
    });
    // The first invocation waits for the engine; afterwards no invocation of this instance builds what it need not.
    expect((await wrapped({ requestId: 'r-first', method: 'GET' }, { stage: 'dev' }))?.status).toBe(200);
    expect(wrapped({ requestId: 'r-second', method: 'GET' }, { stage: 'dev' })).toBe(response);
    expect(built.map((request) => request.requestId)).toEqual(['r-first']);
  });
});
