/**
 * Fuzz drill: 100,000 random experiment documents (50,000 warm instances seeing two each), driven through the
 * real engine and `createFaultWrapper` with the in-memory adapter. Whatever the document, user code sees only its
 * own result or a deliberately injected fault, the handler runs at most once (or `times` when a `duplicate` fault
 * fired), and no fault entry that the runtime parser skipped ever injects.
 *
 * Fault attributes are generated from each type's own schema (so new fault types are fuzzed without touching this
 * file), mixing valid values with out-of-range numbers, wrong types, unknown enum members and unknown keys.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  builtinFaultTypes,
  type ConfigSource,
  createFaultEngine,
  createFaultRegistry,
  type FaultlineEvent,
  type FaultRegistry,
  type FaultType,
  isInjectedFault,
} from '@faultline/core';
import { createFaultWrapper } from '@faultline/core/adapter-kit';
import {
  createFakeClock,
  createInMemoryAdapter,
  createMemorySink,
  createSeededRandom,
  type InMemoryRequest,
  immediateSleep,
} from '@faultline/core/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import { parseExperimentForRuntime } from '../../src/experiment/validate.js';

/** Fault types whose effects reach outside the invocation (sockets, disk, process.env): fuzzed separately. */
const processLevelTypes = new Set(['blackhole', 'dependency', 'diskfill', 'config']);

const nowMs = Date.parse('2026-11-29T12:00:00Z');
const iso = (offsetMs: number) => new Date(nowMs + offsetMs).toISOString();

/** A minimal view of the JSON Schema each fault type publishes for its attributes. */
interface AttributeSchema {
  readonly type?: string;
  readonly enum?: readonly unknown[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly maxLength?: number;
  readonly examples?: readonly unknown[];
  readonly items?: AttributeSchema;
  readonly properties?: Readonly<Record<string, AttributeSchema>>;
  readonly additionalProperties?: AttributeSchema | boolean;
  readonly anyOf?: readonly AttributeSchema[];
  readonly required?: readonly string[];
  /** Sandboxing: only the listed values, never a random one (a random directory or size is not safe to write). */
  readonly strict?: boolean;
}

const anyScalar = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 12 }),
  fc.boolean(),
  fc.constant(null),
  fc.constant([]),
  fc.constant({}),
);

/** Values that fit `schema` most of the time, and break it (type, range, enum, length) otherwise. */
function valueFor(schema: AttributeSchema, depth = 0): fc.Arbitrary<unknown> {
  if (schema.strict === true && schema.enum !== undefined) return fc.constantFrom(...schema.enum);
  return fc.oneof(
    { weight: 15, arbitrary: plausibleValueFor(schema, depth) },
    { weight: 1, arbitrary: anyScalar },
  );
}

function plausibleValueFor(schema: AttributeSchema, depth: number): fc.Arbitrary<unknown> {
  if (schema.enum !== undefined) {
    return fc.oneof(
      { weight: 5, arbitrary: fc.constantFrom(...schema.enum) },
      { weight: 1, arbitrary: fc.constantFrom('bogus', 'REFUSE', '') },
    );
  }
  if (schema.anyOf !== undefined) return fc.oneof(...schema.anyOf.map((option) => valueFor(option, depth)));
  switch (schema.type) {
    case 'number':
    case 'integer': {
      const minimum = schema.minimum ?? -1000;
      // Delays, sizes and counts stay small so the drill stays fast; the edges are still probed.
      const maximum = Math.min(schema.maximum ?? 1000, minimum + 1000);
      return fc.oneof(
        { weight: 6, arbitrary: fc.integer({ min: minimum, max: maximum }) },
        {
          weight: 1,
          arbitrary: fc.constantFrom(
            minimum,
            maximum,
            minimum - 1,
            (schema.maximum ?? maximum) + 1,
            0.5,
            -0,
            1e308,
          ),
        },
      );
    }
    case 'string':
      return fc.oneof(
        { weight: 3, arbitrary: fc.string({ minLength: 1, maxLength: 16 }) },
        {
          weight: 3,
          arbitrary: schema.examples === undefined ? fc.constant('x') : fc.constantFrom(...schema.examples),
        },
        { weight: 1, arbitrary: fc.constantFrom('', 'y'.repeat((schema.maxLength ?? 64) + 1)) },
      );
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(schema.items === undefined ? anyScalar : valueFor(schema.items, depth + 1), {
        maxLength: 4,
      });
    case 'object': {
      if (depth > 2) return fc.constant({});
      const additional =
        typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined;
      return fc.dictionary(
        fc.constantFrom('access-control-allow-origin', 'retry-after', 'X_FUZZ', 'a b', ''),
        additional === undefined ? anyScalar : valueFor(additional, depth + 1),
        { maxKeys: 3 },
      );
    }
    default:
      return anyScalar;
  }
}

/**
 * Attribute sets that validate, per built-in type: without them most random entries would be skipped and the
 * effects themselves would hardly run. Types not listed here are fuzzed from their schema only.
 */
const validAttributes: Readonly<Record<string, fc.Arbitrary<Record<string, unknown>>>> = {
  latency: fc.oneof(
    fc.record({ delayMs: fc.integer({ min: 0, max: 900_000 }) }),
    fc.record({ delayMs: fc.integer({ min: 0, max: 500 }), jitterMs: fc.integer({ min: 0, max: 500 }) }),
    fc
      .tuple(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 0, max: 500 }))
      .map(([a, b]) => ({ minDelayMs: Math.min(a, b), maxDelayMs: Math.max(a, b) })),
  ),
  exception: fc.record(
    { message: fc.string({ minLength: 1 }), errorName: fc.constantFrom('E', 'TimeoutError') },
    { requiredKeys: [] },
  ),
  status: fc.record(
    {
      status: fc.integer({ min: 100, max: 599 }),
      headers: fc.dictionary(fc.constantFrom('retry-after', 'x-a'), fc.string()),
      body: fc.oneof(fc.string(), fc.object({ maxDepth: 1 })),
    },
    { requiredKeys: ['status'] },
  ),
  timeout: fc.record(
    { bufferMs: fc.nat(200), afterWait: fc.constantFrom('fail', 'continue') },
    { requiredKeys: [] },
  ),
  corrupt: fc.record(
    {
      mode: fc.constantFrom('replace', 'truncate', 'mangle'),
      body: fc.string(),
      status: fc.integer({ min: 100, max: 599 }),
    },
    { requiredKeys: [] },
  ),
  concurrency: fc.record({ maxInFlight: fc.nat(3) }),
  coldstart: fc.record(
    { delayMs: fc.nat(1_000), invocations: fc.integer({ min: 1, max: 3 }) },
    { requiredKeys: ['delayMs'] },
  ),
  cors: fc.oneof(
    fc.constant({ mode: 'remove' }),
    fc.record({
      mode: fc.constant('override'),
      headers: fc.constant({ 'Access-Control-Allow-Origin': 'https://evil.example' }),
    }),
  ),
  duplicate: fc.record({ times: fc.integer({ min: 2, max: 10 }) }, { requiredKeys: [] }),
  blackhole: fc.record(
    {
      hosts: fc.constant(['127.0.0.2']),
      behavior: fc.constantFrom('refuse', 'reset', 'timeout', 'dns'),
      ports: fc.constant([9]),
    },
    { requiredKeys: ['hosts'] },
  ),
  dependency: fc.record({
    hosts: fc.constant(['localhost']),
    effect: fc.constantFrom('latency', 'status', 'throttle', 'access-denied', 'reset'),
  }),
  // Only CHAOS_FUZZ_* names: the config fault really sets and restores process.env (FAULTLINE_* are refused).
  // `scope: process` is required on config and diskfill (they act on the whole instance).
  config: fc.constantFrom(
    { scope: 'process', env: { CHAOS_FUZZ_A: '1' } },
    { scope: 'process', unset: ['CHAOS_FUZZ_B'] },
    { scope: 'process', env: { CHAOS_FUZZ_A: 'x' }, unset: ['CHAOS_FUZZ_B'] },
  ),
  // diskfill: only its sandboxed schema (see sandboxType) generates attributes.
};

/** Random attributes for one fault type, from its schema: any subset of its keys, sometimes an unknown one. */
function attributesFor(faultType: FaultType): fc.Arbitrary<Record<string, unknown>> {
  const random = randomAttributesFor(faultType);
  const valid = validAttributes[faultType.type];
  return valid === undefined
    ? random
    : fc.oneof({ weight: 2, arbitrary: valid }, { weight: 1, arbitrary: random });
}

function randomAttributesFor(faultType: FaultType): fc.Arbitrary<Record<string, unknown>> {
  const schema = faultType.attributes.toJsonSchema() as AttributeSchema;
  const properties = schema.properties ?? {};
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [key, propertySchema] of Object.entries(properties)) model[key] = valueFor(propertySchema);
  const keys = Object.keys(model);
  return fc
    .tuple(
      fc.record(model, { requiredKeys: [] }),
      fc.subarray(keys),
      fc.oneof(
        { weight: 12, arbitrary: fc.constant(null) },
        { weight: 1, arbitrary: fc.constantFrom('delay', 'percentage', 'hosts ') },
      ),
    )
    .map(([values, required, unknownKey]) => {
      const attributes: Record<string, unknown> = { ...values };
      // Required keys usually present: otherwise most entries would be skipped and the valid path under-tested.
      for (const key of schema.required ?? []) if (!(key in attributes)) attributes[key] = values[key] ?? 1;
      for (const key of required) if (!(key in attributes)) attributes[key] = 1;
      if (unknownKey !== null) attributes[unknownKey] = true;
      return attributes;
    });
}

const fieldArbitrary = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.constantFrom(
      'cloud',
      'function',
      'stage',
      'region',
      'trigger',
      'requestId',
      'http.method',
      'http.path',
      'http.header.x-user',
      'http.header.X-User',
      'http.query.tenant',
      'event.type',
      'event.source',
      'raw.path',
      'raw.headers.x-user',
      'raw.a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q',
    ),
  },
  { weight: 1, arbitrary: fc.constantFrom('http.header.', 'raw.', 'nope', 'raw.a..b', 'http.header.x y') },
  { weight: 1, arbitrary: fc.string({ maxLength: 10 }) },
);

const matchValue = fc.oneof(
  fc.constantFrom('/orders', '/orders/*', 'GET', 'acme', 'dev', 'http', '*'),
  fc.string({ maxLength: 8 }),
  fc.integer({ min: -5, max: 5 }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.oneof(fc.string({ maxLength: 4 }), fc.integer()), { maxLength: 4 }),
);

/** Conditions that validate, so the matching code itself is exercised, not only the validator. */
const validConditionArbitrary = fc.oneof(
  fc.record({
    field: fieldArbitrary,
    op: fc.constantFrom('eq', 'neq', 'prefix', 'suffix', 'glob'),
    value: fc.constantFrom('/orders', '/orders/*', 'GET', 'acme', 'dev', 'http', '*', '', 'a*a*a*b'),
  }),
  fc.record({ field: fieldArbitrary, op: fc.constant('exists') }),
  fc.record({
    field: fieldArbitrary,
    op: fc.constant('in'),
    value: fc.array(fc.constantFrom('GET', 'POST', 'dev', 'prod', 'acme'), { minLength: 1, maxLength: 3 }),
  }),
  fc.record({
    field: fieldArbitrary,
    op: fc.constantFrom('gte', 'lte'),
    value: fc.integer({ min: -5, max: 5 }),
  }),
);

const randomConditionArbitrary = fc.record(
  {
    field: fieldArbitrary,
    op: fc.oneof(
      {
        weight: 9,
        arbitrary: fc.constantFrom('eq', 'neq', 'in', 'exists', 'prefix', 'suffix', 'glob', 'gte', 'lte'),
      },
      { weight: 1, arbitrary: fc.constantFrom('regex', 'EQ', '') },
    ),
    value: matchValue,
  },
  { requiredKeys: ['field', 'op'] },
);

const probabilityArbitrary = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(1, 1, 0.5, 0.001, 0) },
  { weight: 1, arbitrary: fc.oneof(fc.double(), fc.constantFrom(5, -1, '1', null, 100)) },
);

function faultArbitrary(types: readonly FaultType[]): fc.Arbitrary<unknown> {
  const common = {
    id: fc.oneof(
      { weight: 12, arbitrary: fc.constantFrom('a', 'b', 'c', 'd') },
      { weight: 1, arbitrary: anyScalar },
    ),
    enabled: fc.oneof({ weight: 6, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: anyScalar }),
    probability: probabilityArbitrary,
    sampleBy: fieldArbitrary,
    match: fc.oneof(
      { weight: 10, arbitrary: fc.constant([]) },
      { weight: 4, arbitrary: fc.constant([{ field: 'http.path', op: 'prefix', value: '/orders' }]) },
      { weight: 6, arbitrary: fc.array(validConditionArbitrary, { maxLength: 3 }) },
      { weight: 2, arbitrary: fc.array(randomConditionArbitrary, { maxLength: 3 }) },
      { weight: 1, arbitrary: anyScalar },
    ),
  };
  const typed = types.map((faultType) =>
    fc
      .tuple(
        fc.record(common, { requiredKeys: ['id', 'probability'] }),
        fc.oneof({ weight: 15, arbitrary: fc.constant(faultType.type) }, { weight: 1, arbitrary: anyScalar }),
        attributesFor(faultType),
      )
      .map(([base, type, attributes]) => ({ ...attributes, ...base, type })),
  );
  return fc.oneof(
    { weight: 12, arbitrary: fc.oneof(...typed) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  );
}

/** Mostly `good`, sometimes `bad`: each field is wrong in about one document in twenty-five. */
function mostly<T>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<unknown> = anyScalar): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 24, arbitrary: good }, { weight: 1, arbitrary: bad });
}

const windowArbitrary = mostly(
  fc.oneof(
    { weight: 4, arbitrary: fc.constant({ start: iso(-3_600_000), end: iso(3_600_000) }) },
    { weight: 1, arbitrary: fc.constant({ start: iso(3_600_000) }) },
    { weight: 1, arbitrary: fc.constant({ end: iso(-1) }) },
  ),
  fc.oneof(
    fc.constant({ start: 'yesterday' }),
    fc.constant({ start: '2026-13-40T00:00:00Z' }),
    fc.constant({ start: iso(0), end: iso(-3_600_000) }),
    anyScalar,
  ),
);

const targetArbitrary = mostly(
  fc.record(
    {
      clouds: fc.array(fc.constantFrom('local', 'local', 'aws'), { minLength: 1, maxLength: 2 }),
      functions: fc.array(fc.constantFrom('orders', 'ord*', '*', 'billing'), { minLength: 1, maxLength: 2 }),
      stages: fc.array(fc.constantFrom('dev', 'prod', 'st?ging', '*'), { minLength: 1, maxLength: 2 }),
    },
    { requiredKeys: [] },
  ),
  fc.oneof(fc.constant({ clouds: ['mars'] }), fc.constant({ functions: [] }), anyScalar),
);

const guardArbitrary = mostly(
  fc.record(
    {
      allowProduction: fc.boolean(),
      maxInjectionsPerMinute: fc.integer({ min: 1, max: 3 }),
      productionStages: fc.array(fc.constantFrom('prod', 'live', 'p*'), { minLength: 1, maxLength: 2 }),
    },
    { requiredKeys: [] },
  ),
  fc.oneof(fc.constant({ maxInjectionsPerMinute: 0 }), fc.constant({ allowProduction: 'yes' }), anyScalar),
);

function documentArbitrary(types: readonly FaultType[]): fc.Arbitrary<unknown> {
  const plausible = fc.record(
    {
      schemaVersion: mostly(fc.constant(1)),
      id: mostly(fc.constant('fuzz'), fc.constantFrom('Not A Slug', '', 7)),
      enabled: mostly(fc.constantFrom(true, true, true, false)),
      mode: mostly(fc.constantFrom('enforce', 'enforce', 'dry-run'), fc.constantFrom('chaos', 'DRY-RUN')),
      seed: mostly(fc.string({ minLength: 1, maxLength: 6 }), fc.constantFrom('', 3)),
      window: windowArbitrary,
      target: targetArbitrary,
      guard: guardArbitrary,
      faults: mostly(fc.array(faultArbitrary(types), { minLength: 1, maxLength: 5 })),
    },
    { requiredKeys: ['schemaVersion', 'id', 'faults'] },
  );
  return fc.oneof(
    { weight: 24, arbitrary: plausible },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
    { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
    { weight: 1, arbitrary: yamlShapedText },
  );
}

/**
 * YAML-shaped text as a store could hold it (hand-written, or pushed by an old CLI): the shapes that stalled or
 * exhausted functions when they parsed YAML (deep lists, unclosed flow collections, huge mappings), and random
 * text made of YAML's indicators. Functions read JSON only, so each must be refused without injecting.
 */
const yamlShapedText = fc.oneof(
  fc.integer({ min: 1, max: 3_000 }).map((depth) => `${'- '.repeat(depth)}x`),
  fc.integer({ min: 1, max: 5_000 }).map((depth) => '['.repeat(depth)),
  fc
    .integer({ min: 1, max: 3_000 })
    .map((keys) => Array.from({ length: keys }, (_, i) => `k${i}: 1`).join('\n')),
  fc
    .array(
      fc.constantFrom(
        '- ',
        '  ',
        ': ',
        '\n',
        '[',
        ']',
        '{',
        '}',
        'a',
        '1',
        '#',
        '&x',
        '*x',
        '!t',
        '"',
        "'",
        '|',
        '>',
        '? ',
        ',',
      ),
      {
        maxLength: 80,
      },
    )
    .map((parts) => parts.join('')),
);

const invocationArbitrary = fc.record({
  trigger: fc.constantFrom('http', 'http', 'queue', 'schedule'),
  method: fc.constantFrom('GET', 'POST', 'delete'),
  path: fc.constantFrom('/orders/1', '/health', '', '/orders/a*b'),
  user: fc.string({ maxLength: 6 }),
  stage: fc.oneof(
    { weight: 8, arbitrary: fc.constant('dev') },
    { weight: 1, arbitrary: fc.constantFrom('staging', 'prod', 'production', 'prod-eu') },
  ),
  deadlineOffsetMs: fc.option(fc.integer({ min: -100, max: 5_000 })),
});

interface DrillTotals {
  runs: number;
  documents: number;
  invocations: number;
  injections: number;
  skippedEntries: number;
  /** Documents handed over as text that is not JSON (YAML-shaped): each must be refused. */
  yamlDocuments: number;
  /** Injections (or honest skips, for faults that cannot act here) per fault type, to show every type was sampled. */
  injectedTypes: Record<string, number>;
}

/**
 * Builds the property: one engine (a warm instance) sees a sequence of documents, as when an operator edits the
 * experiment in the store, and a few invocations after each. Fresh engines per run cover the first load.
 */
function fuzzProperty(registry: FaultRegistry, types: readonly FaultType[], totals: DrillTotals) {
  const stepArbitrary = fc.record({
    document: documentArbitrary(types),
    // Stores hand over text (SSM, App Configuration) or objects (Firestore): both paths are fuzzed, and text in
    // YAML, which functions refuse (the CLI stores JSON).
    delivery: fc.oneof(
      { weight: 9, arbitrary: fc.constant('object' as const) },
      { weight: 9, arbitrary: fc.constant('json' as const) },
      { weight: 2, arbitrary: fc.constant('yaml' as const) },
    ),
    invocations: fc.array(invocationArbitrary, { minLength: 1, maxLength: 3 }),
  });
  return fc.asyncProperty(fc.array(stepArbitrary, { minLength: 2, maxLength: 2 }), async (steps) => {
    totals.runs++;
    const clock = createFakeClock(nowMs);
    const sink = createMemorySink();
    let current: unknown;
    let version = 0;
    const source: ConfigSource = {
      name: 'fuzz',
      async load() {
        version++;
        return { kind: 'document', document: current as object | string, version: String(version) };
      },
    };
    const engine = createFaultEngine({
      source,
      registry,
      clock,
      sleep: immediateSleep,
      random: createSeededRandom(totals.runs),
      onEvent: sink,
      logLevel: 'debug',
      environment: {},
    });
    let handlerCalls = 0;
    // A document the engine rejects leaves the last good one in force (by design), so injections are checked
    // against the document in force, as the engine's config-load events say, and parsed independently here.
    let inForce: unknown;
    const wrapped = createFaultWrapper(
      createInMemoryAdapter(),
      async () => {
        handlerCalls++;
        return {
          status: 200,
          headers: { 'content-type': 'application/json', 'access-control-allow-origin': '*' },
          body: '{"ok":true}',
        };
      },
      { engine, environment: {} },
    );
    try {
      for (const [stepIndex, step] of steps.entries()) {
        totals.documents++;
        current =
          typeof step.document !== 'object' || step.document === null || step.delivery === 'object'
            ? step.document
            : step.delivery === 'json'
              ? JSON.stringify(step.document)
              : toYaml(step.document);
        // Text that is not JSON (YAML) is refused: it must never become the document in force.
        const refusedText = typeof current === 'string' && !isJson(current);
        const eventsBeforeDocument = sink.events.length;
        const documentInForce = () => {
          for (let position = eventsBeforeDocument; position < sink.events.length; position++) {
            if (sink.events[position]?.type === 'config-load') return step.document;
          }
          return inForce;
        };
        // A new minute per document, so one document's injection budget does not mute the next one.
        if (stepIndex > 0) clock.advance(61_000);
        if (stepIndex > 0) await engine.refresh();
        for (const [index, invocation] of step.invocations.entries()) {
          totals.invocations++;
          handlerCalls = 0;
          const eventsBefore = sink.events.length;
          const request: InMemoryRequest = {
            requestId: `r-${totals.runs}-${stepIndex}-${index}`,
            trigger: invocation.trigger as InMemoryRequest['trigger'] & string,
            method: invocation.method,
            path: invocation.path,
            headers: { 'X-User': invocation.user },
            query: { tenant: invocation.user },
            ...(invocation.deadlineOffsetMs === null
              ? {}
              : { deadlineMs: clock.now() + invocation.deadlineOffsetMs }),
          };
          try {
            const response = await wrapped(request, { stage: invocation.stage });
            if (invocation.trigger === 'http' && typeof response?.status !== 'number') {
              throw new Error(`an HTTP invocation answered without a status: ${JSON.stringify(response)}`);
            }
          } catch (error) {
            if (!isInjectedFault(error)) {
              throw new Error(`a non-injected error reached user code: ${String(error)}`, { cause: error });
            }
          }
          const duplicates: string[] = [];
          for (let position = eventsBefore; position < sink.events.length; position++) {
            const event = sink.events[position];
            if (event?.type === 'inject' && event.faultType === 'duplicate')
              duplicates.push(event.faultId ?? '');
          }
          const allowedCalls =
            duplicates.length === 0 ? 1 : duplicateDeliveries(documentInForce(), duplicates, registry);
          if (handlerCalls > allowedCalls) {
            throw new Error(
              `the handler ran ${handlerCalls} times in one invocation (allowed ${allowedCalls})`,
            );
          }
        }
        if (refusedText) {
          totals.yamlDocuments++;
          if (sink.events.slice(eventsBeforeDocument).some((event) => event.type === 'config-load')) {
            throw new Error(`text that is not JSON was loaded: ${String(current).slice(0, 80)}`);
          }
        }
        inForce = refusedText ? inForce : documentInForce();
        checkInjections(inForce, sink.events.slice(eventsBeforeDocument), registry, totals);
      }
    } finally {
      engine.close();
    }
    const internalErrors = sink.ofType('internal-error');
    if (internalErrors.length > 0) throw new Error(`internal error: ${internalErrors[0]?.message}`);
  });
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * How many deliveries the fired duplicate faults of `document` allow together: the largest `times`, since nested
 * duplicate faults do not multiply (the outermost delivers).
 */
function duplicateDeliveries(
  document: unknown,
  faultIds: readonly string[],
  registry: FaultRegistry,
): number {
  const faults = parseExperimentForRuntime(document, { registry }).experiment?.faults ?? [];
  let deliveries = 1;
  for (const faultId of faultIds) {
    const times = faults.find((fault) => fault.id === faultId)?.times;
    deliveries = Math.max(deliveries, typeof times === 'number' ? times : 2);
  }
  return deliveries;
}

/** Every injection while `document` was in force must come from one of its valid entries. */
function checkInjections(
  document: unknown,
  events: readonly FaultlineEvent[],
  registry: FaultRegistry,
  totals: DrillTotals,
): void {
  // A sampled fault is reported as injected, or as skipped when it cannot act here (a partialBatch without a batch):
  // either way it must come from a valid entry.
  const injections = events.filter((event) => event.type === 'inject' || event.type === 'skipped');
  totals.injections += injections.length;
  for (const event of injections) {
    const type = event.faultType ?? '?';
    totals.injectedTypes[type] = (totals.injectedTypes[type] ?? 0) + 1;
  }
  totals.skippedEntries += events.filter((event) => event.type === 'fault-skipped').length;
  if (injections.length === 0) return;
  // The oracle is computed only when something was injected: it is the slow part of a run.
  const runtime = parseExperimentForRuntime(document, { registry });
  if (runtime.experiment === undefined) {
    throw new Error(`injected from a rejected document: ${injections[0]?.message}`);
  }
  const validIds = new Set(runtime.experiment.faults.map((fault) => fault.id));
  const skippedIds = new Set(runtime.skippedFaults.map((skipped) => skipped.id));
  for (const event of injections) {
    // An id shared by a valid entry and a skipped duplicate belongs to the valid one.
    if (event.faultId === undefined || !validIds.has(event.faultId)) {
      const what = skippedIds.has(event.faultId) ? 'the skipped (invalid) entry' : 'an unknown entry';
      throw new Error(`injected ${what} ${event.faultId}: ${event.message}`);
    }
  }
}

describe('fuzzing experiment documents through the real engine and wrapper', () => {
  it('100,000 random documents (50,000 warm instances × 2 documents each, as text or objects) without process-level faults: only injected faults reach user code, never from an invalid entry', async () => {
    const types = builtinFaultTypes.filter((faultType) => !processLevelTypes.has(faultType.type));
    const registry = createFaultRegistry(types);
    const totals: DrillTotals = {
      runs: 0,
      documents: 0,
      invocations: 0,
      injections: 0,
      skippedEntries: 0,
      yamlDocuments: 0,
      injectedTypes: {},
    };

    // FAULTLINE_FUZZ_RUNS / FAULTLINE_FUZZ_SEED: a shorter local run, or replaying a reported failure.
    const runs = Number(process.env.FAULTLINE_FUZZ_RUNS || 50_000);
    await fc.assert(fuzzProperty(registry, types, totals), {
      numRuns: runs,
      seed: Number(process.env.FAULTLINE_FUZZ_SEED || 20261129),
    });

    // The drill must not pass vacuously: many documents are valid and inject, many entries are skipped.
    expect(totals.documents).toBeGreaterThanOrEqual(2 * runs);
    expect(totals.injections).toBeGreaterThan(totals.documents / 20);
    expect(totals.skippedEntries).toBeGreaterThan(totals.documents / 10);
    expect(totals.yamlDocuments).toBeGreaterThan(totals.documents / 20);
    expect(Object.keys(totals.injectedTypes).sort()).toEqual(types.map((faultType) => faultType.type).sort());
    console.info('fuzz drill:', totals);
  }, 600_000);

  describe('with the process-level fault types, sandboxed', () => {
    let sandbox = '';
    beforeAll(async () => {
      sandbox = await mkdtemp(join(tmpdir(), 'faultline-fuzz-'));
    });
    afterAll(async () => {
      await rm(sandbox, { recursive: true, force: true });
    });

    it('2,000 documents with blackhole, dependency, diskfill and config faults leave the process as they found it', async () => {
      // Sandboxing: hosts are loopback names only, the disk fill writes ≤ 2 MB into a private directory and never
      // uses leaveFreeMb (which would fill this machine's disk), env overrides only touch CHAOS_FUZZ_* names.
      const sandboxed = builtinFaultTypes.map((faultType) =>
        processLevelTypes.has(faultType.type) ? sandboxType(faultType, sandbox) : faultType,
      );
      const registry = createFaultRegistry(builtinFaultTypes);
      const totals: DrillTotals = {
        runs: 0,
        documents: 0,
        invocations: 0,
        injections: 0,
        skippedEntries: 0,
        yamlDocuments: 0,
        injectedTypes: {},
      };
      const environmentBefore = { ...process.env };

      await fc.assert(fuzzProperty(registry, sandboxed, totals), { numRuns: 2_000, seed: 4242 });

      expect(totals.injections).toBeGreaterThan(200);
      console.info('sandboxed fuzz drill:', totals);
      for (const type of processLevelTypes) expect(totals.injectedTypes[type] ?? 0).toBeGreaterThan(0);
      expect(await readdir(sandbox)).toEqual([]);
      expect(process.env).toEqual(environmentBefore);
    }, 300_000);
  });
});

/** A view of a process-level type whose generated attributes stay inside the sandbox (the real type still runs). */
function sandboxType(faultType: FaultType, sandbox: string): FaultType {
  const schema = faultType.attributes.toJsonSchema() as AttributeSchema;
  const properties: Record<string, AttributeSchema> = { ...schema.properties };
  const loopbackHosts: AttributeSchema = {
    type: 'array',
    items: { enum: ['localhost', '127.0.0.1', '127.0.0.*', '[::1]', '*.localhost'], strict: true },
  };
  if (faultType.type === 'blackhole' || faultType.type === 'dependency') properties.hosts = loopbackHosts;
  // Not one of the type's own attributes, but required (or refused) by validation: generated like one, so entries
  // with and without it are both fuzzed.
  if (faultType.reach === 'process') properties.scope = { enum: ['process', 'invocation'], strict: true };
  if (faultType.type === 'diskfill') {
    delete properties.leaveFreeMb;
    properties.sizeMb = { enum: [1, 2, 0, -1], strict: true };
    properties.directory = { enum: [sandbox], strict: true };
  }
  if (faultType.type === 'config') {
    properties.env = {
      enum: [{ CHAOS_FUZZ_A: '1' }, { CHAOS_FUZZ_B: 'x', 'bad name': 'y' }, { CHAOS_FUZZ_A: 7 }],
      strict: true,
    };
    properties.unset = {
      enum: [['CHAOS_FUZZ_A'], ['CHAOS_FUZZ_B', '1bad'], []],
      strict: true,
    };
  }
  const sandboxedSchema = { ...schema, properties };
  return {
    ...faultType,
    attributes: { ...faultType.attributes, toJsonSchema: () => sandboxedSchema },
  } as FaultType;
}
