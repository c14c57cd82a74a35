import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { type ConfigSource, resetSharedFaultEngines } from '@faultline/core';
import {
  createFaultWrapper,
  resolveFaultEngine,
  systemClock,
  systemRandom,
  systemSleep,
} from '@faultline/core/adapter-kit';
import { createInMemoryAdapter, createMemorySink, type InMemoryResponse } from '@faultline/core/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createDeferredFaultEngine } from '../../src/engine/deferred-engine.js';

const execFileAsync = promisify(execFile);

// Wrappers hold an engine from the moment they are created; its code (cached config, decision, execution) loads
// in the background and the first invocation awaits it. These tests pin what is decided when wrapping and what
// happens on first use.

function countingSource(document: object): ConfigSource & { loads(): number } {
  let loads = 0;
  return {
    name: `counting:${Math.random()}`,
    async load() {
      loads++;
      return { kind: 'document', document, version: String(loads) };
    },
    loads: () => loads,
  };
}

const adminDown = {
  schemaVersion: 1,
  id: 'deferred',
  faults: [
    {
      id: 'admin-down',
      type: 'status',
      probability: 1,
      status: 503,
      match: [{ field: 'http.path', op: 'prefix', value: '/admin' }],
    },
  ],
};

const okHandler = async (): Promise<InMemoryResponse> => ({ status: 200, headers: {}, body: 'ok' });

afterEach(() => {
  resetSharedFaultEngines();
  vi.restoreAllMocks();
});

describe('the engine a wrapper holds', () => {
  it('reads nothing from the store until the first invocation asks for it', async () => {
    const source = countingSource(adminDown);
    const engine = resolveFaultEngine({ source, environment: {} }, {});

    expect(engine.current()).toBe('loading');
    expect(source.loads()).toBe(0);

    await engine.ready();

    expect(source.loads()).toBe(1);
    expect(engine.current()).toMatchObject({ experimentId: 'deferred' });
    expect(engine.registry?.get('status')).toBeDefined();
  });

  it('injects from the first invocation on, once its runtime has loaded', async () => {
    const sink = createMemorySink();
    const wrapped = createFaultWrapper(createInMemoryAdapter(), okHandler, {
      source: countingSource(adminDown),
      onEvent: sink,
      environment: {},
    });

    await expect(wrapped({ requestId: 'a', path: '/admin/users' }, {})).resolves.toMatchObject({
      status: 503,
    });
    await expect(wrapped({ requestId: 'b', path: '/orders/1' }, {})).resolves.toMatchObject({ status: 200 });
    expect(sink.ofType('inject')).toHaveLength(1);
  });

  it('keeps the FAULTLINE_* settings of when the function was wrapped', async () => {
    const environment: Record<string, string> = { FAULTLINE_LOG_LEVEL: 'debug' };
    const sink = createMemorySink();
    const wrapped = createFaultWrapper(createInMemoryAdapter(), okHandler, {
      source: countingSource(adminDown),
      onEvent: sink,
      environment,
    });
    environment.FAULTLINE_LOG_LEVEL = 'silent';

    await wrapped({ requestId: 'a', path: '/orders/1' }, {});

    expect(sink.ofType('config-load')).toHaveLength(1);
  });

  it('refuses a bad cache option when wrapping, with one log line, and runs the handler as is', () => {
    const logged: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((line: string) => {
      logged.push(line);
    });

    const wrapped = createFaultWrapper(createInMemoryAdapter(), okHandler, {
      source: countingSource(adminDown),
      cache: { fetchBudgetMs: -1 },
      environment: {},
    });

    expect(wrapped).toBe(okHandler);
    expect(logged).toHaveLength(1);
    // The same shape as every other internal-error event.
    expect(JSON.parse(logged[0] as string)).toMatchObject({
      source: 'faultline',
      type: 'internal-error',
      level: 'error',
      time: expect.any(String),
      message: expect.stringContaining('could not be set up'),
      details: {
        errorName: 'InvalidConfigOptionError',
        errorMessage: expect.stringContaining('fetchBudgetMs'),
        errorCode: 'INVALID_OPTION',
      },
    });
  });

  it('reports one internal-error and stays idle when the engine cannot be created; invocations run untouched', async () => {
    const sink = createMemorySink();
    let attempts = 0;
    const engine = createDeferredFaultEngine({
      sourceName: 'broken',
      registry: undefined,
      clock: systemClock,
      random: systemRandom,
      sleep: systemSleep,
      onEvent: sink,
      create: () => {
        attempts++;
        throw new Error('cannot create');
      },
    });
    const handler = vi.fn(okHandler);
    const wrapped = createFaultWrapper(createInMemoryAdapter(), handler, { engine, environment: {} });

    for (let index = 0; index < 5; index++) {
      await expect(wrapped({ requestId: `r-${index}`, path: '/admin' }, {})).resolves.toMatchObject({
        status: 200,
      });
    }

    expect(handler).toHaveBeenCalledTimes(5);
    expect(attempts).toBe(1);
    expect(engine.current()).toBe('idle');
    expect(sink.ofType('internal-error')).toEqual([
      expect.objectContaining({
        level: 'error',
        configSource: 'broken',
        details: expect.objectContaining({ errorMessage: 'cannot create' }),
      }),
    ]);
  });

  it('closed before its first use, never loads and stays idle', async () => {
    const source = countingSource(adminDown);
    const engine = resolveFaultEngine({ source, environment: {} }, {});

    engine.close();
    await engine.ready();

    expect(engine.current()).toBe('idle');
    expect(source.loads()).toBe(0);
  });
});

describe('loading the runtime while the function initialises', () => {
  it('starts once the wrapping module has run, before the first invocation, without reading the store', async () => {
    // A fresh process: in this one other tests have long loaded the runtime.
    const loader = new URL('../../src/engine/fault-runtime-loader.ts', import.meta.url).href;
    const core = new URL('../../src/adapter-kit.ts', import.meta.url).href;
    const testing = new URL('../../src/testing/index.ts', import.meta.url).href;
    const script = `
      const { loadedFaultRuntime } = await import(${JSON.stringify(loader)});
      const { createFaultWrapper } = await import(${JSON.stringify(core)});
      const { createInMemoryAdapter } = await import(${JSON.stringify(testing)});
      let reads = 0;
      const source = { name: 'counting', async load() { reads++; return { kind: 'missing' }; } };
      createFaultWrapper(createInMemoryAdapter(), async () => ({ status: 200 }), { source, environment: {}, onEvent: () => {} });
      const atWrap = loadedFaultRuntime() !== undefined;
      for (let turn = 0; turn < 50 && loadedFaultRuntime() === undefined; turn++) await new Promise((resolve) => setTimeout(resolve, 10));
      console.log(JSON.stringify({ atWrap, beforeFirstInvocation: loadedFaultRuntime() !== undefined, reads }));
    `;
    const { stdout } = await execFileAsync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      {
        timeout: 30_000,
        env: { PATH: process.env.PATH ?? '' },
      },
    );

    expect(JSON.parse(stdout.trim().split('\n').at(-1) as string)).toEqual({
      atWrap: false,
      beforeFirstInvocation: true,
      reads: 0,
    });
  });
});
