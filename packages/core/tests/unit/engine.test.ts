import { type ConfigSource, createFaultEngine, createInlineSource, type FaultEngine } from '@faultline/core';
import { createFaultWrapper } from '@faultline/core/adapter-kit';
import {
  createFakeClock,
  createInMemoryAdapter,
  createMemorySink,
  createRecordingSleep,
  createSeededRandom,
  createTestInvocation,
  type FakeClock,
  type MemorySink,
} from '@faultline/core/testing';
import { describe, expect, it } from 'vitest';
import type { CompiledExperiment } from '../../src/engine/compile.js';

const noon = Date.parse('2026-11-29T12:00:00Z');

/** A store whose document the test changes; each change is a new version. */
function createMutableSource(initial: object | string) {
  let document = initial;
  let version = 1;
  let loads = 0;
  const source: ConfigSource = {
    name: 'test:mutable',
    async load({ previousVersion }) {
      loads++;
      if (previousVersion === String(version)) return { kind: 'unchanged' };
      return { kind: 'document', document, version: String(version) };
    },
  };
  return {
    source,
    get loads() {
      return loads;
    },
    set(next: object | string) {
      document = next;
      version++;
    },
  };
}

function engineFor(
  source: ConfigSource,
  clock: FakeClock,
  sink: MemorySink,
  extra: object = {},
): FaultEngine {
  return createFaultEngine({
    source,
    clock,
    onEvent: sink,
    logLevel: 'debug',
    random: createSeededRandom(1),
    sleep: createRecordingSleep(clock),
    // Time jumps by hours in these tests; the max stale age has its own tests in the cached config.
    cache: { ttlMs: 1_000, jitterRatio: 0, maxStaleMs: 7 * 24 * 3_600_000 },
    environment: {},
    ...extra,
  });
}

function experiment(
  extra: object = {},
  faults: object[] = [{ id: 'down', type: 'status', probability: 1, status: 503 }],
) {
  return { schemaVersion: 1, id: 'engine-test', faults, ...extra };
}

async function loadedState(engine: FaultEngine) {
  await engine.ready();
  return engine.current();
}

describe('createFaultEngine', () => {
  it('is loading before the first read and idle without a source', async () => {
    const sink = createMemorySink();
    const engine = engineFor(createInlineSource(experiment()), createFakeClock(noon), sink);
    expect(engine.current()).toBe('loading');
    expect(typeof (await loadedState(engine))).toBe('object');

    const withoutSource = createFaultEngine({ onEvent: sink, environment: {} });
    expect(withoutSource.current()).toBe('idle');
    expect(sink.ofType('config-missing')).toEqual([expect.objectContaining({ level: 'info' })]);
  });

  it('reports one config-load event per version, naming the experiment and the version', async () => {
    const sink = createMemorySink();
    const engine = engineFor(createInlineSource(experiment()), createFakeClock(noon), sink);
    await engine.ready();
    expect(sink.ofType('config-load')).toEqual([
      expect.objectContaining({
        experimentId: 'engine-test',
        configVersion: expect.any(String),
        configSource: 'inline',
      }),
    ]);
  });

  it('is idle when nothing can fire (experiment disabled, no armed fault)', async () => {
    const sink = createMemorySink();
    const disabled = engineFor(
      createInlineSource(experiment({ enabled: false })),
      createFakeClock(noon),
      sink,
    );
    expect(await loadedState(disabled)).toBe('idle');
    const unarmed = engineFor(
      createInlineSource(experiment({}, [{ id: 'off', type: 'latency', probability: 0, delayMs: 5 }])),
      createFakeClock(noon),
      sink,
    );
    expect(await loadedState(unarmed)).toBe('idle');
  });

  it('switches off when the window ends and reports expired once', async () => {
    const sink = createMemorySink();
    const clock = createFakeClock(noon);
    const engine = engineFor(
      createInlineSource(
        experiment({ window: { start: '2026-11-29T11:00:00Z', end: '2026-11-29T12:30:00Z' } }),
      ),
      clock,
      sink,
    );
    expect(typeof (await loadedState(engine))).toBe('object');
    clock.advance(30 * 60_000);
    expect(engine.current()).toBe('idle');
    expect(engine.current()).toBe('idle');
    expect(sink.ofType('expired')).toHaveLength(1);
    expect(sink.ofType('expired')[0]).toMatchObject({ experimentId: 'engine-test' });
  });

  it('does not inject before the window starts', async () => {
    const sink = createMemorySink();
    const clock = createFakeClock(noon);
    const engine = engineFor(
      createInlineSource(experiment({ window: { start: '2026-11-29T13:00:00Z' } })),
      clock,
      sink,
    );
    expect(await loadedState(engine)).toBe('idle');
    clock.advance(60 * 60_000);
    expect(typeof engine.current()).toBe('object');
    expect(sink.ofType('expired')).toHaveLength(0);
  });

  it('refuses production stages with one production-refused event per config version', async () => {
    const sink = createMemorySink();
    const engine = engineFor(createInlineSource(experiment()), createFakeClock(noon), sink);
    expect(typeof (await loadedState(engine))).toBe('object');
    for (let index = 0; index < 3; index++) {
      const run = engine.plan(createTestInvocation({ stage: 'prod', requestId: `r-${index}` }));
      expect(run).toBeUndefined();
    }
    expect(sink.ofType('production-refused')).toHaveLength(1);
  });

  it('enforces maxInjectionsPerMinute per instance and reports exhaustion once per minute', async () => {
    const sink = createMemorySink();
    const clock = createFakeClock(noon);
    const engine = engineFor(
      createInlineSource(experiment({ guard: { maxInjectionsPerMinute: 2 } })),
      clock,
      sink,
    );
    expect(typeof (await loadedState(engine))).toBe('object');
    const injected = () => engine.plan(createTestInvocation())?.faults.length ?? 0;
    expect([injected(), injected(), injected(), injected()]).toEqual([1, 1, 0, 0]);
    expect(sink.ofType('budget-exhausted')).toHaveLength(1);
    clock.advance(60_000);
    expect([injected(), injected(), injected()]).toEqual([1, 1, 0]);
    expect(sink.ofType('budget-exhausted')).toHaveLength(2);
  });

  it('skips invalid fault entries with one fault-skipped event per version while valid ones apply', async () => {
    const sink = createMemorySink();
    const clock = createFakeClock(noon);
    const store = createMutableSource(
      experiment({}, [
        { id: 'ok', type: 'status', probability: 1, status: 503 },
        { id: 'typo', type: 'latency', probability: 1, delayMS: 5 },
      ]),
    );
    const engine = engineFor(store.source, clock, sink);
    const state = (await loadedState(engine)) as CompiledExperiment;
    expect(state.faults.map((fault) => fault.id)).toEqual(['ok']);
    for (let index = 0; index < 5; index++) {
      clock.advance(100);
      engine.current();
    }
    expect(sink.ofType('fault-skipped')).toEqual([
      expect.objectContaining({ faultId: 'typo', configVersion: '1' }),
    ]);
    // Positions and kinds only: the unknown key is document content, the suggestion a schema name.
    const issues = String(sink.ofType('fault-skipped')[0]?.details?.issues);
    expect(issues).toContain('faults[1][…]: is not a known key — did you mean delayMs?');
    expect(issues).not.toContain('delayMS');
  });

  it('picks up a new config version after the TTL and keeps the last good one on an invalid document', async () => {
    const sink = createMemorySink();
    const clock = createFakeClock(noon);
    const store = createMutableSource(experiment());
    const engine = engineFor(store.source, clock, sink);
    expect(typeof (await loadedState(engine))).toBe('object');

    store.set(experiment({ enabled: false }));
    clock.advance(1_001);
    engine.current();
    await engine.refresh();
    expect(engine.current()).toBe('idle');

    store.set('schemaVersion: 1\nid: [broken');
    clock.advance(1_001);
    await engine.refresh();
    expect(engine.current()).toBe('idle');
    expect(sink.ofType('config-error').length).toBeGreaterThan(0);
  });

  it('rejects a document that is not an experiment: nothing is injected and a config-error names the field', async () => {
    const sink = createMemorySink();
    const engine = engineFor(
      createInlineSource({ schemaVersion: 1, faults: [] }),
      createFakeClock(noon),
      sink,
    );
    expect(await loadedState(engine)).toBe('idle');
    expect(JSON.stringify(sink.ofType('config-error'))).toContain('id');
  });

  it('reads FAULTLINE_LOG_LEVEL once at creation', async () => {
    const sink = createMemorySink();
    const environment: Record<string, string> = { FAULTLINE_LOG_LEVEL: 'warn' };
    const engine = createFaultEngine({
      source: createInlineSource(experiment()),
      onEvent: sink,
      environment,
      clock: createFakeClock(noon),
    });
    environment.FAULTLINE_LOG_LEVEL = 'debug';
    await engine.ready();
    expect(sink.ofType('config-load')).toHaveLength(0);
    engine.emit('inject', 'info-level event');
    expect(sink.ofType('inject')).toHaveLength(0);
    engine.emit('cleanup-error', 'error-level event');
    expect(sink.ofType('cleanup-error')).toHaveLength(1);
  });

  it('reports a renamed variable once, as a deprecation event naming both names', async () => {
    const sink = createMemorySink();
    const engine = createFaultEngine({
      source: createInlineSource(experiment()),
      onEvent: sink,
      environment: { FAULTLINE_APPCONFIG_KEY: 'faultline:orders' },
      clock: createFakeClock(noon),
    });
    await engine.ready();
    await engine.refresh();
    await engine.refresh();
    const both = createMemorySink();
    createFaultEngine({
      source: createInlineSource(experiment()),
      onEvent: both,
      environment: { FAULTLINE_APPCONFIG_KEY: 'old', FAULTLINE_AZURE_APPCONFIG_KEY: 'new' },
    }).close();

    expect(both.ofType('deprecation').map((event) => event.message)).toEqual([
      'FAULTLINE_APPCONFIG_KEY is deprecated and ignored because FAULTLINE_AZURE_APPCONFIG_KEY is also set; remove FAULTLINE_APPCONFIG_KEY.',
    ]);
    expect(sink.ofType('deprecation')).toEqual([
      expect.objectContaining({
        level: 'warn',
        message: expect.stringContaining('rename it to FAULTLINE_AZURE_APPCONFIG_KEY'),
        details: { variable: 'FAULTLINE_APPCONFIG_KEY', replacement: 'FAULTLINE_AZURE_APPCONFIG_KEY' },
      }),
    ]);
    expect(JSON.stringify(sink.events)).not.toContain('faultline:orders');
    const aws = createMemorySink();
    createFaultEngine({
      source: createInlineSource(experiment()),
      onEvent: aws,
      environment: { FAULTLINE_APPCONFIG_APPLICATION: 'orders', FAULTLINE_APPCONFIG_PROFILE: 'faultline' },
    }).close();
    expect(aws.ofType('deprecation')).toEqual([]);
  });

  it('survives a sink that throws', async () => {
    const engine = createFaultEngine({
      source: createInlineSource(experiment()),
      onEvent: () => {
        throw new Error('sink broke');
      },
      environment: {},
    });
    const wrapped = createFaultWrapper(createInMemoryAdapter(), async () => ({ status: 200 }), {
      engine,
      environment: {},
    });
    await expect(wrapped({ requestId: 'r-1' }, {})).resolves.toMatchObject({ status: 503 });
  });
});
