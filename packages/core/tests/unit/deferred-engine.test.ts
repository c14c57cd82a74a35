import {
  type ConfigSource,
  createFaultWrapper,
  resetSharedFaultEngines,
  resolveFaultEngine,
  systemClock,
  systemRandom,
  systemSleep,
} from '@faultline/core';
import { createInMemoryAdapter, createMemorySink, type InMemoryResponse } from '@faultline/core/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createDeferredFaultEngine } from '../../src/engine/deferred-engine.js';

// Wrappers hold an engine from the moment they are created, but its code (cached config, decision, execution)
// loads on the first invocation. These tests pin what is decided when wrapping and what happens on first use.

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
    expect(JSON.parse(logged[0] as string)).toMatchObject({
      source: 'faultline',
      type: 'internal-error',
      errorMessage: expect.stringContaining('fetchBudgetMs'),
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
