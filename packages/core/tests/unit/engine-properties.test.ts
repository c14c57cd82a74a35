import { createFaultEngine, createInlineSource, isInjectedFault } from '@faultline/core';
import { createFaultWrapper } from '@faultline/core/adapter-kit';
import {
  createFakeClock,
  createInMemoryAdapter,
  createMemorySink,
  createRecordingSleep,
  createSeededRandom,
} from '@faultline/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

/** Mostly `good`, sometimes any scalar: documents stay plausible but are often wrong in one place. */
const anyValue = fc.oneof(fc.integer(), fc.double(), fc.string(), fc.boolean(), fc.constant(null));
const mostly = <T>(good: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 24, arbitrary: good }, { weight: 1, arbitrary: anyValue });

const matchArbitrary = fc.oneof(
  { weight: 3, arbitrary: fc.constant([{ field: 'http.path', op: 'prefix', value: '/orders' }]) },
  {
    weight: 1,
    arbitrary: fc.array(
      fc.record({
        field: fc.constantFrom('http.path', 'http.method', 'http.header.x-user', 'raw.path', 'nope'),
        op: fc.constantFrom('eq', 'neq', 'in', 'exists', 'prefix', 'suffix', 'glob', 'gte', 'lte', 'regex'),
        value: fc.oneof(
          fc.constantFrom('/orders', 'GET', 'a'),
          fc.integer(),
          fc.array(fc.string(), { maxLength: 3 }),
        ),
      }),
      { maxLength: 2 },
    ),
  },
);
const common = {
  id: mostly(fc.constantFrom('a', 'b', 'c')),
  probability: mostly(fc.constantFrom(1, 1, 1, 0.5, 0.001, 0, 5)),
  enabled: mostly(fc.constantFrom(true, true, true, false)),
  sampleBy: mostly(
    fc.constantFrom(
      'requestId',
      'http.header.x-user',
      'raw.nope',
      'requestId',
      'http.header.x-user',
      'bogus',
    ),
  ),
  match: mostly(matchArbitrary),
};

const faultArbitrary = fc.oneof(
  fc.record(
    {
      ...common,
      type: fc.constant('latency'),
      delayMs: mostly(fc.integer({ min: -5, max: 500 })),
      jitterMs: fc.nat(50),
    },
    { requiredKeys: ['id', 'type', 'probability', 'delayMs'] },
  ),
  fc.record(
    {
      ...common,
      type: fc.constant('exception'),
      message: mostly(fc.string({ minLength: 1 })),
      errorName: mostly(fc.constantFrom('E', 'bad name')),
    },
    { requiredKeys: ['id', 'type', 'probability'] },
  ),
  fc.record(
    {
      ...common,
      type: fc.constant('status'),
      status: mostly(fc.integer({ min: 50, max: 650 })),
      headers: mostly(fc.dictionary(fc.string({ minLength: 1, maxLength: 5 }), fc.string())),
      body: mostly(fc.oneof(fc.string(), fc.object())),
    },
    { requiredKeys: ['id', 'type', 'probability', 'status'] },
  ),
  fc.record(
    {
      ...common,
      type: fc.constant('timeout'),
      bufferMs: mostly(fc.nat(100)),
      afterWait: mostly(fc.constantFrom('fail', 'continue')),
    },
    { requiredKeys: ['id', 'type', 'probability'] },
  ),
  fc.record(
    {
      ...common,
      type: fc.constant('corrupt'),
      mode: mostly(fc.constantFrom('replace', 'truncate', 'mangle')),
      body: mostly(fc.string()),
      status: mostly(fc.integer({ min: 100, max: 599 })),
    },
    { requiredKeys: ['id', 'type', 'probability'] },
  ),
  fc.record({ ...common, type: anyValue }, { requiredKeys: ['id', 'type', 'probability'] }),
);

const documentArbitrary = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record(
      {
        schemaVersion: mostly(fc.constant(1)),
        id: mostly(fc.constant('prop')),
        enabled: mostly(fc.constantFrom(true, true, true, false)),
        mode: mostly(fc.constantFrom('enforce', 'dry-run')),
        seed: mostly(fc.string({ minLength: 1, maxLength: 8 })),
        window: mostly(
          fc.record({ start: fc.constant('2026-11-29T11:00:00Z'), end: fc.constant('2026-11-29T13:00:00Z') }),
        ),
        guard: mostly(
          fc.record({
            allowProduction: fc.boolean(),
            maxInjectionsPerMinute: fc.integer({ min: 1, max: 3 }),
          }),
        ),
        faults: mostly(
          fc
            .array(faultArbitrary, { minLength: 1, maxLength: 4 })
            .map((faults) =>
              faults.map((fault, index) =>
                typeof fault.id === 'string' ? { ...fault, id: `${fault.id}${index}` } : fault,
              ),
            ),
        ),
      },
      { requiredKeys: ['schemaVersion', 'id', 'enabled', 'faults'] },
    ),
  },
  {
    weight: 1,
    arbitrary: fc
      .jsonValue()
      .filter((value) => typeof value === 'object' && value !== null)
      .map((value) => value as object),
  },
);

describe('engine safety properties', () => {
  it('whatever the document, an invocation returns the handler result or an injected outcome, never our error', async () => {
    let runsWithInjections = 0;
    await fc.assert(
      fc.asyncProperty(documentArbitrary, fc.string({ maxLength: 6 }), async (document, user) => {
        const clock = createFakeClock(Date.parse('2026-11-29T12:00:00Z'));
        const sink = createMemorySink();
        const engine = createFaultEngine({
          source: createInlineSource(document as object),
          clock,
          sleep: createRecordingSleep(clock),
          random: createSeededRandom(user),
          onEvent: sink,
          logLevel: 'debug',
          environment: {},
        });
        let handlerCalls = 0;
        const wrapped = createFaultWrapper(
          createInMemoryAdapter(),
          async () => {
            handlerCalls++;
            return { status: 200, headers: { 'content-type': 'application/json' }, body: '{"ok":true}' };
          },
          { engine, environment: {} },
        );
        for (const trigger of ['http', 'queue'] as const) {
          handlerCalls = 0;
          try {
            const response = await wrapped(
              { requestId: `r-${trigger}`, trigger, path: '/orders/1', headers: { 'x-user': user } },
              {},
            );
            if (trigger === 'http') expect(response?.status).toBeTypeOf('number');
          } catch (error) {
            expect(isInjectedFault(error)).toBe(true);
          }
          expect(handlerCalls).toBeLessThanOrEqual(1);
        }
        expect(sink.ofType('internal-error')).toEqual([]);
        if (sink.ofType('inject').length > 0) runsWithInjections++;
        engine.close();
      }),
      { numRuns: 400 },
    );
    // The property must not hold vacuously: plenty of generated documents are valid and inject.
    expect(runsWithInjections).toBeGreaterThan(10);
  });
});
