import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FaultlineEvent } from '../../src/events/events.js';
import type { ConfigLoadResult, ConfigSource } from '../../src/index.js';
import { createCachedConfig } from '../../src/index.js';
import { createFakeTime, flushMicrotasks } from './config-fakes.js';

type Behaviour =
  | { readonly kind: 'document'; readonly version: string; readonly valid: boolean }
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'missing' }
  | { readonly kind: 'error'; readonly code: string }
  | { readonly kind: 'hang' }
  | { readonly kind: 'throw-sync' }
  | { readonly kind: 'garbage' };

type Step =
  | { readonly kind: 'advance'; readonly durationMs: number }
  | { readonly kind: 'peek' }
  | { readonly kind: 'get' }
  | { readonly kind: 'refresh' }
  | { readonly kind: 'script'; readonly behaviour: Behaviour };

const behaviourArbitrary: fc.Arbitrary<Behaviour> = fc.oneof(
  fc.record({
    kind: fc.constant('document' as const),
    version: fc.constantFrom('v1', 'v2', 'v3'),
    valid: fc.boolean(),
  }),
  fc.constant({ kind: 'unchanged' as const }),
  fc.constant({ kind: 'missing' as const }),
  fc.record({ kind: fc.constant('error' as const), code: fc.constantFrom('ECONNREFUSED', 'ETIMEDOUT') }),
  fc.constant({ kind: 'hang' as const }),
  fc.constant({ kind: 'throw-sync' as const }),
  fc.constant({ kind: 'garbage' as const }),
);

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      durationMs: fc.integer({ min: 0, max: 90_000 }),
    }),
  },
  { weight: 4, arbitrary: fc.constant({ kind: 'peek' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'get' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'refresh' as const }) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('script' as const), behaviour: behaviourArbitrary }),
  },
);

const options = {
  ttlMs: 30_000,
  jitterRatio: 0.1,
  fetchBudgetMs: 1_000,
  errorBackoffMs: 5_000,
  maxBackoffMs: 60_000,
  maxStaleMs: 900_000,
};

describe('createCachedConfig under arbitrary store behaviour (property)', () => {
  it('never throws, never waits past the budget, serves only valid configs, and reads at most once per window', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(stepArbitrary, { minLength: 1, maxLength: 60 }),
        fc.integer(),
        async (steps, seed) => {
          const time = createFakeTime();
          let behaviour: Behaviour = { kind: 'document', version: 'v1', valid: true };
          const loadTimesMs: number[] = [];
          const source: ConfigSource = {
            name: 'test:property',
            load: ({ previousVersion }) => {
              loadTimesMs.push(time.clock.now());
              switch (behaviour.kind) {
                case 'document':
                  return Promise.resolve({
                    kind: 'document',
                    document: { body: behaviour.valid ? `good-${behaviour.version}` : 'bad' },
                    version: behaviour.valid ? behaviour.version : `${behaviour.version}-bad`,
                  });
                case 'unchanged':
                  return Promise.resolve(
                    previousVersion === undefined
                      ? { kind: 'missing' }
                      : ({ kind: 'unchanged' } as ConfigLoadResult),
                  );
                case 'missing':
                  return Promise.resolve({ kind: 'missing' });
                case 'error':
                  return Promise.reject(Object.assign(new Error('store error'), { code: behaviour.code }));
                case 'hang':
                  return new Promise<ConfigLoadResult>(() => {});
                case 'throw-sync':
                  throw new Error('sync failure');
                default:
                  return Promise.resolve({ kind: 'banana' } as unknown as ConfigLoadResult);
              }
            },
          };
          const events: FaultlineEvent[] = [];
          let random = seed >>> 0;
          const config = createCachedConfig(source, {
            ...options,
            parse: (document) => {
              const body = (document as { body: string }).body;
              if (body === 'bad') throw new Error('invalid experiment');
              return body;
            },
            clock: time.clock,
            sleep: (durationMs, signal) => time.sleep(durationMs, signal),
            random: () => {
              random = (Math.imul(random, 1_664_525) + 1_013_904_223) >>> 0;
              return random / 2 ** 32;
            },
            onEvent: (event) => events.push(event),
          });

          let everLoaded = false;
          const refreshLoads = new Set<number>();
          for (const step of steps) {
            if (step.kind === 'advance') {
              await time.advance(step.durationMs);
            } else if (step.kind === 'script') {
              behaviour = step.behaviour;
            } else if (step.kind === 'peek') {
              let cached: ReturnType<typeof config.peek>;
              expect(() => {
                cached = config.peek();
              }).not.toThrow();
              await flushMicrotasks(3);
              if (everLoaded) expect(cached).toBeDefined();
            } else {
              const loadsBefore = loadTimesMs.length;
              const startedAtMs = time.clock.now();
              let settledAtMs: number | undefined;
              const pending = (step.kind === 'get' ? config.get() : config.refresh()).then(() => {
                settledAtMs = time.clock.now();
              });
              await time.advance(options.fetchBudgetMs);
              await pending;
              expect(settledAtMs).toBeDefined();
              expect(settledAtMs! - startedAtMs).toBeLessThanOrEqual(options.fetchBudgetMs);
              if (step.kind === 'refresh') {
                for (let index = loadsBefore; index < loadTimesMs.length; index++) refreshLoads.add(index);
              }
            }
            const current = config.peek();
            if (current !== undefined) everLoaded = true;
            if (current?.value !== undefined) expect(current.value).toMatch(/^good-v[123]$/);
          }

          // Outside explicit refresh() calls, reads are spaced by at least the shortest jittered TTL or backoff.
          const minimumGapMs =
            Math.min(options.ttlMs, options.errorBackoffMs) * (1 - options.jitterRatio) - 1;
          for (let index = 1; index < loadTimesMs.length; index++) {
            if (refreshLoads.has(index)) continue;
            expect(loadTimesMs[index]! - loadTimesMs[index - 1]!).toBeGreaterThanOrEqual(minimumGapMs);
          }
          // Events follow conditions: never more error events than failed or stale reads could justify.
          const errorEvents = events.filter((event) => event.type === 'config-error').length;
          expect(errorEvents).toBeLessThanOrEqual(loadTimesMs.length + 1);
          for (const event of events) expect(event.configSource).toBe('test:property');
          config.close();
        },
      ),
      { numRuns: 150 },
    );
  });
});
