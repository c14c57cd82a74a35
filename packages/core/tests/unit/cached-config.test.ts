import { describe, expect, it } from 'vitest';
import { systemSleep } from '../../src/engine/ports.js';
import type { ConfigLoadResult, ConfigSource } from '../../src/index.js';
import { createCachedConfig, InvalidConfigOptionError } from '../../src/index.js';
import {
  createEventRecorder,
  createFakeTime,
  createScriptedSource,
  document,
  flushMicrotasks,
} from './config-fakes.js';

const identity = (value: string | object) => value;

function setup(
  behaviours: Parameters<typeof createScriptedSource>[0],
  overrides: Partial<Parameters<typeof createCachedConfig<string | object>>[1]> = {},
) {
  const time = createFakeTime();
  const recorder = createEventRecorder();
  const scripted = createScriptedSource(behaviours);
  const config = createCachedConfig(scripted.source, {
    parse: identity,
    clock: time.clock,
    sleep: (durationMs, signal) => time.sleep(durationMs, signal),
    random: () => 0.5,
    onEvent: recorder.sink,
    ...overrides,
  });
  return { time, recorder, config, source: scripted.source, script: scripted.script };
}

describe('createCachedConfig', () => {
  it('loads once on first get and reports the version and source in one config-load event', async () => {
    const { config, source, recorder } = setup([document('v1', { id: 'a' })]);

    const cached = await config.get();

    expect(cached?.value).toEqual({ id: 'a' });
    expect(cached?.version).toBe('v1');
    expect(source.loads).toBe(1);
    expect(recorder.ofType('config-load')).toHaveLength(1);
    expect(recorder.events[0]).toMatchObject({
      configVersion: 'v1',
      configSource: 'test:scripted',
      level: 'info',
    });
  });

  it('reads the store once when 100 callers ask at the same time (single-flight)', async () => {
    const time = createFakeTime();
    const { source } = createScriptedSource([
      async () => {
        await time.sleep(200);
        return document('v1');
      },
    ]);
    const config = createCachedConfig(source, {
      parse: identity,
      clock: time.clock,
      sleep: (durationMs, signal) => time.sleep(durationMs, signal),
    });

    const callers = Array.from({ length: 100 }, () => config.get());
    await time.advance(200);
    const results = await Promise.all(callers);

    expect(source.loads).toBe(1);
    expect(new Set(results).size).toBe(1);
    expect(results[0]?.version).toBe('v1');
  });

  it('returns undefined from peek before the first load and the same object on every later peek', async () => {
    const { config, source } = setup([document('v1')]);

    expect(config.peek()).toBeUndefined();
    await flushMicrotasks();
    const first = config.peek();
    const second = config.peek();

    expect(first?.version).toBe('v1');
    expect(second).toBe(first);
    expect(source.loads).toBe(1);
  });

  it('refreshes in the background after the TTL without making the caller wait', async () => {
    const { config, source, time } = setup([document('v1'), document('v2')], {
      ttlMs: 1_000,
      jitterRatio: 0,
    });
    const first = await config.get();

    await time.advance(999);
    expect(config.peek()).toBe(first);
    expect(source.loads).toBe(1);

    await time.advance(1);
    expect(config.peek()).toBe(first);
    expect(source.loads).toBe(2);
    await flushMicrotasks();

    expect(config.peek()?.version).toBe('v2');
  });

  it('spreads refreshes by ± jitterRatio of the TTL using the injected random source', async () => {
    const early = setup([document('v1')], { ttlMs: 10_000, jitterRatio: 0.1, random: () => 0 });
    await early.config.get();
    await early.time.advance(8_999);
    early.config.peek();
    expect(early.source.loads).toBe(1);
    await early.time.advance(1);
    early.config.peek();
    expect(early.source.loads).toBe(2);

    const late = setup([document('v1')], { ttlMs: 10_000, jitterRatio: 0.1, random: () => 0.999_999 });
    await late.config.get();
    await late.time.advance(10_999);
    late.config.peek();
    expect(late.source.loads).toBe(1);
    await late.time.advance(1);
    late.config.peek();
    expect(late.source.loads).toBe(2);
  });

  it('keeps the same cached object and resets the TTL when the store answers unchanged', async () => {
    const { config, source, time, recorder } = setup([document('v1'), { kind: 'unchanged' }], {
      ttlMs: 1_000,
      jitterRatio: 0,
    });
    const first = await config.get();

    await time.advance(1_000);
    config.peek();
    await flushMicrotasks();
    expect(source.requests[1]?.previousVersion).toBe('v1');
    await time.advance(999);

    expect(config.peek()).toBe(first);
    expect(source.loads).toBe(2);
    expect(recorder.ofType('config-load')).toHaveLength(1);
  });

  it('treats a document with the cached version as unchanged without parsing it again', async () => {
    let parses = 0;
    const { config, time } = setup([document('v1'), document('v1')], {
      ttlMs: 1_000,
      jitterRatio: 0,
      parse: (value) => {
        parses += 1;
        return value;
      },
    });
    const first = await config.get();

    await time.advance(1_000);
    await config.refresh();

    expect(config.peek()).toBe(first);
    expect(parses).toBe(1);
  });

  describe('fetch budget', () => {
    it('lets the first get return within the budget when the store never answers, and aborts the read', async () => {
      const { config, source, time, recorder } = setup(['hang'], { fetchBudgetMs: 1_000 });
      const startedAtMs = time.clock.now();
      let settledAtMs: number | undefined;
      const pending = config.get().then((value) => {
        settledAtMs = time.clock.now();
        return value;
      });

      await time.advance(999);
      expect(settledAtMs).toBeUndefined();
      await time.advance(1);
      const cached = await pending;

      expect(settledAtMs! - startedAtMs).toBe(1_000);
      expect(cached).toEqual({ value: undefined, version: undefined, loadedAtMs: startedAtMs + 1_000 });
      expect(source.requests[0]?.signal.aborted).toBe(true);
      expect(recorder.ofType('config-error')).toHaveLength(1);
      expect(recorder.ofType('config-error')[0]?.details).toMatchObject({ stage: 'timeout' });
    });

    it('never waits longer than a real short budget (generous bound)', async () => {
      const never: ConfigSource = { name: 'test:never', load: () => new Promise<ConfigLoadResult>(() => {}) };
      const config = createCachedConfig(never, { parse: identity, fetchBudgetMs: 50, sleep: systemSleep });

      const startedAtMs = performance.now();
      const cached = await config.get();
      const waitedMs = performance.now() - startedAtMs;

      expect(cached?.value).toBeUndefined();
      expect(waitedMs).toBeGreaterThanOrEqual(40);
      expect(waitedMs).toBeLessThan(1_000);
      config.close();
    });

    it('still uses an answer that arrives after the budget when nothing newer came in', async () => {
      const time = createFakeTime();
      const { source } = createScriptedSource([
        async () => {
          await time.sleep(1_500);
          return document('late');
        },
      ]);
      const config = createCachedConfig(source, {
        parse: identity,
        clock: time.clock,
        sleep: (durationMs, signal) => time.sleep(durationMs, signal),
        fetchBudgetMs: 1_000,
      });

      const pending = config.get();
      await time.advance(1_000);
      expect((await pending)?.value).toBeUndefined();
      await time.advance(500);

      expect(config.peek()?.version).toBe('late');
    });
  });

  describe('failures', () => {
    it('keeps the last good value and reports one config-error per condition, not per invocation', async () => {
      const { config, time, recorder, script } = setup([document('v1', { id: 'good' })], {
        ttlMs: 1_000,
        jitterRatio: 0,
      });
      await config.get();
      script([Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' })]);

      for (let invocation = 0; invocation < 1_000; invocation += 1) {
        await time.advance(100);
        expect(config.peek()?.value).toEqual({ id: 'good' });
      }

      const errors = recorder.ofType('config-error');
      expect(errors).toHaveLength(1);
      expect(errors[0]?.message).toContain('Reading test:scripted failed');
      expect(errors[0]?.message).toContain('ECONNREFUSED');
      expect(errors[0]?.message).toContain('Keeping config version v1; retrying in 5000 ms');
    });

    it('backs off exponentially from errorBackoffMs up to maxBackoffMs between failed reads', async () => {
      const { config, source, time } = setup([new Error('down')], {
        jitterRatio: 0,
        errorBackoffMs: 1_000,
        maxBackoffMs: 8_000,
      });
      await config.get();
      const loadTimes: number[] = [];
      const startMs = time.clock.now();
      let seen = source.loads;
      for (let stepMs = 0; stepMs < 40_000; stepMs += 100) {
        await time.advance(100);
        config.peek();
        if (source.loads !== seen) {
          seen = source.loads;
          loadTimes.push(time.clock.now() - startMs);
        }
      }

      expect(loadTimes.slice(0, 6)).toEqual([1_000, 3_000, 7_000, 15_000, 23_000, 31_000]);
    });

    it('applies jitter to the backoff too', async () => {
      const { config, source, time } = setup([new Error('down')], {
        jitterRatio: 0.5,
        random: () => 0,
        errorBackoffMs: 1_000,
      });
      await config.get();

      await time.advance(499);
      config.peek();
      expect(source.loads).toBe(1);
      await time.advance(1);
      config.peek();
      expect(source.loads).toBe(2);
    });

    it('reports again after a recovery, and says it recovered', async () => {
      const { config, time, recorder, script } = setup([document('v1')], { ttlMs: 1_000, jitterRatio: 0 });
      await config.get();
      script([new Error('down')]);
      await time.advance(1_000);
      await config.refresh();
      script([document('v2')]);
      await time.advance(5_000);
      await config.refresh();
      script([{ kind: 'unchanged' }]);
      for (let step = 0; step < 60; step += 1) {
        await time.advance(1_000);
        await config.refresh();
      }
      script([new Error('down')]);
      await time.advance(1_000);
      await config.refresh();

      expect(recorder.events.map((event) => event.type)).toEqual([
        'config-load',
        'config-error',
        'config-load',
        'config-error',
      ]);
      expect(recorder.events[2]?.details).toMatchObject({
        previousVersion: 'v1',
        recoveredFrom: 'load:Error:',
      });
    });

    it('reports a store that keeps flapping between failing and healthy once, not once per flap', async () => {
      const { config, time, recorder, script } = setup([document('v1')], { ttlMs: 1_000, jitterRatio: 0 });
      await config.get();
      const flaps: Parameters<typeof script>[0] = [];
      for (let index = 0; index < 30; index += 1) flaps.push(new Error('flap'), { kind: 'unchanged' });
      script(flaps);

      for (let step = 0; step < 60; step += 1) {
        await time.advance(5_000);
        await config.refresh();
      }
      script([Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })]);
      await time.advance(5_000);
      await config.refresh();

      const errors = recorder.ofType('config-error');
      expect(errors).toHaveLength(2);
      expect(errors[1]?.details).toMatchObject({ errorCode: 'ECONNREFUSED' });
    });

    it('counts parse failures as config errors and keeps the last good value', async () => {
      const { config, time, recorder } = setup([document('v1', 'good'), document('v2', 'bad')], {
        ttlMs: 1_000,
        jitterRatio: 0,
        parse: (value) => {
          if (value === 'bad') throw new Error('faults[0].type: unknown fault type "lag"');
          return value;
        },
      });
      await config.get();

      await time.advance(1_000);
      await config.refresh();

      expect(config.peek()?.value).toBe('good');
      const [error] = recorder.ofType('config-error');
      expect(error?.message).toContain('is not a valid config');
      expect(error?.message).toContain('unknown fault type "lag"');
      expect(error?.details).toMatchObject({ stage: 'parse', keptVersion: 'v1' });
    });

    it('refuses text documents over maxSizeBytes before parsing them', async () => {
      let parses = 0;
      const oversized = `{"id":"${'é'.repeat(600)}"}`;
      const { config, recorder } = setup([document('v1', oversized)], {
        maxSizeBytes: 1_000,
        parse: (value) => {
          parses += 1;
          return value;
        },
      });

      const cached = await config.get();

      expect(cached?.value).toBeUndefined();
      expect(parses).toBe(0);
      expect(recorder.ofType('config-error')[0]?.details).toMatchObject({
        stage: 'size',
        errorName: 'ConfigTooLargeError',
      });
      expect(recorder.ofType('config-error')[0]?.message).toContain(
        '1209-byte document, over the 1000-byte cap',
      );
    });

    it('rejects garbage results from a misbehaving source as config errors', async () => {
      const garbage = [null, 42, { kind: 'banana' }, { kind: 'document', document: 7, version: 'x' }];
      for (const result of garbage) {
        const { config, recorder } = setup([result as unknown as ConfigLoadResult]);

        const cached = await config.get();

        expect(cached?.value).toBeUndefined();
        expect(recorder.ofType('config-error')).toHaveLength(1);
      }
    });

    it('survives a source whose load throws synchronously', async () => {
      const throwing: ConfigSource = {
        name: 'test:throwing',
        load: () => {
          throw new Error('boom');
        },
      };
      const config = createCachedConfig(throwing, { parse: identity });

      await expect(config.get()).resolves.toMatchObject({ value: undefined });
      expect(() => config.peek()).not.toThrow();
    });

    it('never throws from peek, even with a broken clock', async () => {
      const { source } = createScriptedSource([document('v1')]);
      let broken = false;
      const config = createCachedConfig(source, {
        parse: identity,
        clock: {
          now: () => {
            if (broken) throw new Error('clock broke');
            return 0;
          },
        },
      });
      await config.get();
      broken = true;

      expect(config.peek()?.version).toBe('v1');
    });

    it('ignores an event sink that throws', async () => {
      const { config } = setup([document('v1')], {
        onEvent: () => {
          throw new Error('sink broke');
        },
      });

      await expect(config.get()).resolves.toMatchObject({ version: 'v1' });
    });
  });

  describe('missing config', () => {
    it('serves no value and reports one config-missing per condition', async () => {
      const { config, time, recorder, script } = setup([{ kind: 'missing' }], {
        ttlMs: 1_000,
        jitterRatio: 0,
      });

      const first = await config.get();
      for (let step = 0; step < 5; step += 1) {
        await time.advance(1_000);
        await config.refresh();
      }
      script([document('v1'), { kind: 'missing' }]);
      await time.advance(1_000);
      await config.refresh();
      await time.advance(1_000);
      await config.refresh();

      expect(first).toMatchObject({ value: undefined, version: undefined });
      expect(recorder.events.map((event) => event.type)).toEqual([
        'config-missing',
        'config-load',
        'config-missing',
      ]);
      expect(config.peek()?.value).toBeUndefined();
    });
  });

  describe('max stale age', () => {
    it('switches the value off once after maxStaleMs without a successful read, and back on after one', async () => {
      const { config, time, recorder, script } = setup([document('v1', 'good')], {
        ttlMs: 1_000,
        jitterRatio: 0,
        maxStaleMs: 60_000,
        errorBackoffMs: 1_000,
        maxBackoffMs: 4_000,
      });
      await config.get();
      script([new Error('down')]);

      for (let stepMs = 0; stepMs < 60_000; stepMs += 500) {
        await time.advance(500);
        expect(config.peek()?.value).toBe('good');
      }
      await time.advance(500);
      expect(config.peek()?.value).toBeUndefined();
      for (let step = 0; step < 20; step += 1) {
        await time.advance(500);
        expect(config.peek()?.value).toBeUndefined();
      }
      const staleEvents = recorder.ofType('config-error').filter((event) => event.details?.stage === 'stale');
      expect(staleEvents).toHaveLength(1);
      expect(staleEvents[0]?.message).toContain('switched off');

      script([{ kind: 'unchanged' }]);
      await time.advance(4_000);
      await config.refresh();

      expect(config.peek()?.value).toBe('good');
    });
  });

  describe('flapping store', () => {
    it('never makes a caller wait after the first load and keeps serving the last good value', async () => {
      const { config, time, recorder, script } = setup([document('v1', 'good')], {
        ttlMs: 1_000,
        jitterRatio: 0,
        errorBackoffMs: 1_000,
      });
      await config.get();
      const flaps: Parameters<typeof script>[0] = [];
      for (let index = 0; index < 20; index += 1) flaps.push(new Error('flap'), { kind: 'unchanged' });
      script(flaps);

      for (let step = 0; step < 400; step += 1) {
        await time.advance(100);
        expect(config.peek()?.value).toBe('good');
      }

      // The flapping is one condition: reported once, not once per flap or per invocation.
      expect(recorder.ofType('config-error')).toHaveLength(1);
    });
  });

  describe('push updates', () => {
    it('applies pushed documents immediately and resubscribes with backoff after an error', async () => {
      const time = createFakeTime();
      const listeners: { onResult: (result: ConfigLoadResult) => void; onError: (error: unknown) => void }[] =
        [];
      let unsubscribed = 0;
      const source: ConfigSource = {
        name: 'test:push',
        load: async () => document('v1'),
        subscribe(onResult, onError) {
          listeners.push({ onResult, onError });
          return () => {
            unsubscribed += 1;
          };
        },
      };
      const recorder = createEventRecorder();
      const config = createCachedConfig(source, {
        parse: identity,
        clock: time.clock,
        sleep: (durationMs, signal) => time.sleep(durationMs, signal),
        jitterRatio: 0,
        errorBackoffMs: 1_000,
        onEvent: recorder.sink,
      });
      await config.get();

      listeners[0]?.onResult(document('v2'));
      await flushMicrotasks();
      expect(config.peek()?.version).toBe('v2');

      listeners[0]?.onError(new Error('stream reset'));
      expect(unsubscribed).toBe(1);
      await time.advance(999);
      expect(listeners).toHaveLength(1);
      await time.advance(1);
      expect(listeners).toHaveLength(2);
      listeners[1]?.onResult(document('v3'));
      await flushMicrotasks();
      expect(config.peek()?.version).toBe('v3');

      config.close();
      expect(unsubscribed).toBe(2);
      expect(recorder.ofType('config-error')[0]?.details).toMatchObject({ stage: 'subscribe' });
    });
  });

  it('stops reading after close', async () => {
    const { config, source, time } = setup([document('v1')], { ttlMs: 1_000 });
    await config.get();

    config.close();
    await time.advance(10_000);
    config.peek();
    await config.refresh();

    expect(source.loads).toBe(1);
    expect(time.pendingSleeps).toBe(0);
  });

  it('releases a caller waiting on a hung store and clears its timers when closed', async () => {
    const { config, source, time } = setup(['hang']);
    const pending = config.get();
    await flushMicrotasks();

    config.close();
    const cached = await pending;

    expect(cached).toBeUndefined();
    expect(source.requests[0]?.signal.aborted).toBe(true);
    expect(time.pendingSleeps).toBe(0);
  });

  it('rejects out-of-range options with an error naming the option', () => {
    const { source } = createScriptedSource([document('v1')]);

    expect(() => createCachedConfig(source, { parse: identity, ttlMs: -5 })).toThrow(
      InvalidConfigOptionError,
    );
    expect(() => createCachedConfig(source, { parse: identity, jitterRatio: 2 })).toThrow(/jitterRatio/);
  });
});
