import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readAborted, throwIfReadAborted } from '../../src/config/read-request.js';
import { systemClock } from '../../src/engine/ports.js';
import { createCachedConfig, createEnvironmentSource, createInlineSource } from '../../src/index.js';
import { createScriptedSource, document } from './config-fakes.js';
import { runModuleScript } from './module-script.js';

/**
 * With the system clock (nothing injected), `peek` does not read the clock while the cache is fresh; an unref'd
 * timer marks when a refresh or the stale deadline is due. Real time, short durations, generous bounds.
 */
const settle = (durationMs: number) => new Promise((resolve) => setTimeout(resolve, durationMs));

describe('createCachedConfig with the system clock', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('does not read the clock on peek while the cache is fresh', async () => {
    const { source } = createScriptedSource([document('v1')]);
    const config = createCachedConfig(source, { parse: (value) => value, ttlMs: 60_000 });
    await config.get();
    const now = vi.spyOn(Date, 'now');

    for (let index = 0; index < 1_000; index += 1) config.peek();

    expect(now).not.toHaveBeenCalled();
    config.close();
  });

  it('treats the system clock passed explicitly like the default', async () => {
    const { source } = createScriptedSource([document('v1')]);
    const config = createCachedConfig(source, { parse: (value) => value, ttlMs: 60_000, clock: systemClock });
    await config.get();
    const now = vi.spyOn(Date, 'now');

    for (let index = 0; index < 1_000; index += 1) config.peek();

    expect(now).not.toHaveBeenCalled();
    config.close();
  });

  it('refreshes once the TTL has passed', async () => {
    const { source } = createScriptedSource([document('v1'), document('v2')]);
    const config = createCachedConfig(source, { parse: (value) => value, ttlMs: 30, jitterRatio: 0 });
    await config.get();

    await settle(120);
    config.peek();
    await settle(20);

    expect(source.loads).toBe(2);
    expect(config.peek()?.version).toBe('v2');
    config.close();
  });

  it('switches a stale value off once maxStaleMs has passed without a successful read', async () => {
    const { source, script } = createScriptedSource([document('v1', 'good')]);
    const config = createCachedConfig(source, {
      parse: (value) => value,
      ttlMs: 20,
      jitterRatio: 0,
      errorBackoffMs: 10_000,
      maxStaleMs: 80,
    });
    await config.get();
    script([new Error('down')]);
    await settle(40);
    config.peek();

    await settle(150);
    config.peek();

    expect(config.peek()?.value).toBeUndefined();
    config.close();
  });

  it('never keeps the process alive with its timers', async () => {
    const configModule = fileURLToPath(new URL('../../src/index.ts', import.meta.url));
    const script = `
      const { createCachedConfig, createInlineSource } = await import(${JSON.stringify(configModule)});
      const config = createCachedConfig(createInlineSource({ id: 'x' }), { parse: (d) => d, ttlMs: 600000 });
      await config.get();
      config.peek();
      console.log('loaded');
    `;
    const startedAt = performance.now();

    const output = await runModuleScript(script);

    expect(output.trim()).toBe('loaded');
    expect(performance.now() - startedAt).toBeLessThan(15_000);
  });

  it('reads an inline or environment experiment without making an AbortController', async () => {
    // The first AbortController of a process costs a cold instance about half a millisecond.
    const made = vi.spyOn(globalThis, 'AbortController');
    const inline = createCachedConfig(createInlineSource({ id: 'x' }), { parse: (value) => value });
    const environment = createCachedConfig(
      createEnvironmentSource({ environment: { FAULTLINE_CONFIG: '{"id":"y"}' } }),
      { parse: (value) => value },
    );

    expect((await inline.get())?.value).toEqual({ id: 'x' });
    expect((await environment.get())?.value).toBe('{"id":"y"}');
    await inline.refresh();

    expect(made).not.toHaveBeenCalled();
    inline.close();
    environment.close();
  });

  it('aborts a read that overruns the fetch budget, with a timeout reason the source sees', async () => {
    let seen: AbortSignal | undefined;
    const config = createCachedConfig(
      {
        name: 'hanging',
        load: (request) =>
          new Promise((_resolve, reject) => {
            seen = request.signal;
            request.signal.addEventListener('abort', () => reject(request.signal.reason), { once: true });
          }),
      },
      { parse: (value) => value, fetchBudgetMs: 30 },
    );
    const startedAt = performance.now();

    expect((await config.get())?.value).toBeUndefined();

    expect(performance.now() - startedAt).toBeLessThan(1_000);
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toMatchObject({ code: 'CONFIG_FETCH_TIMEOUT' });
    config.close();
  });

  it('gives a source that reads the signal only after the budget ran out an aborted signal', async () => {
    let late: AbortSignal | undefined;
    let release: (() => void) | undefined;
    const config = createCachedConfig(
      {
        name: 'slow-then-reads',
        load: async (request) => {
          await new Promise<void>((resolve) => {
            release = resolve;
          });
          late = request.signal;
          late.throwIfAborted();
          return { kind: 'missing' };
        },
      },
      { parse: (value) => value, fetchBudgetMs: 20 },
    );
    await config.get();
    release?.();
    await settle(10);

    expect(late?.aborted).toBe(true);
    expect(late?.reason).toMatchObject({ code: 'CONFIG_FETCH_TIMEOUT' });
    config.close();
  });
});

describe('throwIfReadAborted', () => {
  it("reads a cached wrapper's mark, not its signal, while nothing aborted the read", () => {
    const request = {
      [readAborted]: false,
      previousVersion: undefined,
      get signal(): AbortSignal {
        throw new Error('the signal was made');
      },
    };

    expect(() => throwIfReadAborted(request)).not.toThrow();
  });

  it('throws the reason of an aborted read, marked or not', () => {
    const controller = new AbortController();
    controller.abort(new Error('gone'));

    expect(() =>
      throwIfReadAborted({
        [readAborted]: true,
        signal: controller.signal,
        previousVersion: undefined,
      } as never),
    ).toThrow('gone');
    expect(() => throwIfReadAborted({ signal: controller.signal, previousVersion: undefined })).toThrow(
      'gone',
    );
  });

  it('passes a plain request whose signal is live', () => {
    expect(() =>
      throwIfReadAborted({ signal: new AbortController().signal, previousVersion: undefined }),
    ).not.toThrow();
  });
});
