import {
  builtinFaultTypes,
  type ConfigSource,
  createFaultEngine,
  createFaultRegistry,
  createInlineSource,
  defineFaultType,
  type FaultEffect,
  isInjectedFault,
  resetSharedFaultEngines,
  s,
} from '@faultline/core';
import { createFaultWrapper, type FaultAdapter } from '@faultline/core/adapter-kit';
import {
  createInMemoryAdapter,
  createMemorySink,
  type InMemoryContext,
  type InMemoryRequest,
  type InMemoryResponse,
} from '@faultline/core/testing';
import { afterEach, describe, expect, it } from 'vitest';

type Adapter = FaultAdapter<InMemoryRequest, InMemoryContext, InMemoryResponse | undefined>;

/** A registry with one test fault type whose effect the test supplies. */
function registryWith(effect: FaultEffect, phase: 'before' | 'around' | 'after' = 'around') {
  return createFaultRegistry([
    ...builtinFaultTypes,
    defineFaultType({
      type: 'custom',
      summary: 'test',
      phase,
      attributes: s.object({}),
      create: () => effect,
    }),
  ]);
}

function setup(options: {
  effect?: FaultEffect;
  faults?: object[];
  adapter?: Adapter;
  handler?: () => Promise<InMemoryResponse>;
}) {
  const sink = createMemorySink();
  let handlerCalls = 0;
  const engine = createFaultEngine({
    source: createInlineSource({
      schemaVersion: 1,
      id: 'safety',
      faults: options.faults ?? [{ id: 'custom', type: 'custom', probability: 1 }],
    }),
    ...(options.effect === undefined ? {} : { registry: registryWith(options.effect) }),
    onEvent: sink,
    logLevel: 'debug',
    environment: {},
  });
  const wrapped = createFaultWrapper(
    options.adapter ?? createInMemoryAdapter(),
    async () => {
      handlerCalls++;
      return options.handler === undefined ? { status: 200, body: 'from handler' } : options.handler();
    },
    { engine, environment: {} },
  );
  return { wrapped, sink, handlerCalls: () => handlerCalls, engine };
}

afterEach(() => resetSharedFaultEngines());

describe('fail open', () => {
  it('runs the handler untouched when building the invocation fails', async () => {
    const adapter: Adapter = {
      ...createInMemoryAdapter(),
      toInvocation: () => {
        throw new TypeError('unexpected event shape');
      },
    };
    const { wrapped, sink, handlerCalls } = setup({
      adapter,
      faults: [{ id: 'down', type: 'status', probability: 1, status: 503 }],
    });
    await expect(wrapped({ requestId: 'r-1' }, {})).resolves.toMatchObject({
      status: 200,
      body: 'from handler',
    });
    expect(handlerCalls()).toBe(1);
    expect(sink.ofType('internal-error')).toEqual([
      expect.objectContaining({ details: expect.objectContaining({ errorName: 'TypeError' }) }),
    ]);
  });

  it('runs the handler untouched when the adapter cannot shape an injected response', async () => {
    const base = createInMemoryAdapter();
    const adapter: Adapter = {
      ...base,
      createDriver: (request, context, invocation, handler) => ({
        ...base.createDriver(request, context, invocation, handler),
        respond: () => {
          throw new Error('adapter bug');
        },
      }),
    };
    const { wrapped, sink, handlerCalls } = setup({
      adapter,
      faults: [{ id: 'down', type: 'status', probability: 1, status: 503 }],
    });
    await expect(wrapped({ requestId: 'r-1' }, {})).resolves.toMatchObject({
      status: 200,
      body: 'from handler',
    });
    expect(handlerCalls()).toBe(1);
    expect(sink.ofType('internal-error')).toEqual([
      expect.objectContaining({ experimentId: 'safety', faultId: 'down', requestId: 'r-1' }),
    ]);
  });

  it('runs the handler once when an around effect fails before calling it', async () => {
    const { wrapped, sink, handlerCalls } = setup({
      effect: {
        around: async () => {
          throw new Error('bug before next');
        },
      },
    });
    await expect(wrapped({ requestId: 'r-1' }, {})).resolves.toMatchObject({ status: 200 });
    expect(handlerCalls()).toBe(1);
    expect(sink.ofType('internal-error')).toHaveLength(1);
  });

  it('keeps the handler result (and never calls it again) when an around effect fails after it', async () => {
    const { wrapped, handlerCalls } = setup({
      effect: {
        around: async (_context, next) => {
          await next();
          throw new Error('bug after next');
        },
      },
    });
    await expect(wrapped({ requestId: 'r-1' }, {})).resolves.toMatchObject({
      status: 200,
      body: 'from handler',
    });
    expect(handlerCalls()).toBe(1);
  });

  it('returns the original response when an after effect fails', async () => {
    const { wrapped, sink } = setup({
      effect: {
        after: () => {
          throw new Error('bug in after');
        },
      },
    });
    await expect(wrapped({ requestId: 'r-1' }, {})).resolves.toMatchObject({
      status: 200,
      body: 'from handler',
    });
    expect(sink.ofType('internal-error')).toHaveLength(1);
  });

  it('reports a failing cleanup as cleanup-error and still returns the result', async () => {
    const { wrapped, sink } = setup({
      effect: {
        around: (context, next) => {
          context.defer(() => {
            throw new Error('cleanup broke');
          });
          return next();
        },
      },
    });
    await expect(wrapped({ requestId: 'r-1' }, {})).resolves.toMatchObject({ status: 200 });
    expect(sink.ofType('cleanup-error')).toEqual([
      expect.objectContaining({ faultId: 'custom', requestId: 'r-1' }),
    ]);
  });

  it('runs cleanups registered before a short-circuit', async () => {
    let cleaned = 0;
    const { wrapped, handlerCalls } = setup({
      effect: {
        before: (context) => {
          context.defer(() => {
            cleaned++;
          });
          return { kind: 'throttle', reason: 'too many requests in flight' };
        },
      },
    });
    await expect(wrapped({ requestId: 'r-1' }, {})).resolves.toMatchObject({ status: 429 });
    expect(cleaned).toBe(1);
    expect(handlerCalls()).toBe(0);
  });

  it('cleans up shortly before the platform deadline when the handler is still running, and only once', async () => {
    let cleanups = 0;
    let cleanedUp: () => void = () => {};
    const cleanedUpSignal = new Promise<void>((resolve) => {
      cleanedUp = resolve;
    });
    let releaseHandler: () => void = () => {};
    const { wrapped, sink } = setup({
      effect: {
        around: (context, next) => {
          context.defer(() => {
            cleanups++;
            cleanedUp();
          });
          return next();
        },
      },
      handler: () =>
        new Promise((resolve) => {
          releaseHandler = () => resolve({ status: 200, body: 'late' });
        }),
    });
    const pending = wrapped({ requestId: 'r-1', deadlineMs: Date.now() + 150 }, {});
    await cleanedUpSignal;
    expect(cleanups).toBe(1);
    expect(sink.ofType('fault-detail')).toEqual([
      expect.objectContaining({ level: 'warn', requestId: 'r-1' }),
    ]);
    releaseHandler();
    await expect(pending).resolves.toMatchObject({ body: 'late' });
    expect(cleanups).toBe(1);
  });

  it('throws a ThrottlingError on triggers without a response', async () => {
    const { wrapped } = setup({ effect: { before: () => ({ kind: 'throttle', reason: 'busy' }) } });
    const failure = await wrapped({ requestId: 'r-1', trigger: 'queue' }, {}).catch(
      (error: unknown) => error,
    );
    expect(isInjectedFault(failure)).toBe(true);
    expect(failure).toMatchObject({ name: 'ThrottlingError', status: 429 });
  });

  it('rethrows the handler error untouched, not wrapped', async () => {
    const original = new RangeError('handler bug');
    const { wrapped } = setup({
      faults: [{ id: 'slow', type: 'latency', probability: 1, delayMs: 0 }],
      handler: async () => {
        throw original;
      },
    });
    await expect(wrapped({ requestId: 'r-1' }, {})).rejects.toBe(original);
  });
});

describe('idle path', () => {
  it('never builds an invocation when nothing can fire', async () => {
    let built = 0;
    const base = createInMemoryAdapter();
    const adapter: Adapter = {
      ...base,
      toInvocation: (request, context) => {
        built++;
        return base.toInvocation(request, context);
      },
    };
    const { wrapped, engine } = setup({
      adapter,
      faults: [{ id: 'off', type: 'status', probability: 0, status: 503 }],
    });
    await engine.ready();
    for (let index = 0; index < 5; index++) await wrapped({ requestId: `r-${index}` }, {});
    expect(built).toBe(0);
  });

  it('reads the kill switch once, when wrapping', async () => {
    const environment: Record<string, string> = {};
    const handler = async () => ({ status: 200 });
    const wrapped = createFaultWrapper(createInMemoryAdapter(), handler, { environment });
    environment.FAULTLINE_DISABLED = '1';
    expect(wrapped).not.toBe(handler);
  });
});

describe('shared engines', () => {
  function countingSource(name: string) {
    let loads = 0;
    const source: ConfigSource = {
      name,
      async load() {
        loads++;
        return { kind: 'document', document: { schemaVersion: 1, id: 'shared', faults: [] }, version: '1' };
      },
    };
    return { source, loads: () => loads };
  }

  it('shares one engine (one store read) between wrappers given the same source', async () => {
    const { source, loads } = countingSource('test:shared-object');
    const options = { source, environment: {}, onEvent: createMemorySink() };
    const first = createFaultWrapper(createInMemoryAdapter(), async () => ({ status: 200 }), options);
    const second = createFaultWrapper(createInMemoryAdapter(), async () => ({ status: 201 }), options);
    await Promise.all([first({ requestId: 'a' }, {}), second({ requestId: 'b' }, {})]);
    expect(loads()).toBe(1);
    expect(options.onEvent.ofType('config-error')).toEqual([]);
  });

  it('tells, in one event on the shared engine, which options of a later wrapper do not apply', async () => {
    const { source, loads } = countingSource('test:conflicting-options');
    const firstSink = createMemorySink();
    const laterSink = createMemorySink();
    const first = createFaultWrapper(createInMemoryAdapter(), async () => ({ status: 200 }), {
      source,
      environment: {},
      onEvent: firstSink,
      cache: { ttlMs: 60_000 },
    });
    const later = createFaultWrapper(createInMemoryAdapter(), async () => ({ status: 201 }), {
      source,
      environment: { FAULTLINE_LOG_LEVEL: 'debug' },
      onEvent: laterSink,
      cache: { ttlMs: 60_000 },
    });

    await first({ requestId: 'a' }, {});
    await later({ requestId: 'b' }, {});

    expect(loads()).toBe(1);
    expect(firstSink.ofType('config-error')).toEqual([
      expect.objectContaining({
        level: 'warn',
        configSource: 'test:conflicting-options',
        details: { ignoredOptions: ['onEvent', 'environment'] },
      }),
    ]);
    expect(laterSink.events).toEqual([]);
  });

  it('closes every shared engine on reset, also those shared by source object', async () => {
    let unsubscribed = 0;
    const source: ConfigSource = {
      name: 'test:subscribed',
      async load() {
        return { kind: 'document', document: { schemaVersion: 1, id: 'shared', faults: [] }, version: '1' };
      },
      subscribe: () => () => {
        unsubscribed++;
      },
    };
    const wrapped = createFaultWrapper(createInMemoryAdapter(), async () => ({ status: 200 }), {
      source,
      environment: {},
      onEvent: createMemorySink(),
    });
    await wrapped({ requestId: 'a' }, {});
    expect(unsubscribed).toBe(0);

    resetSharedFaultEngines();

    expect(unsubscribed).toBe(1);
  });

  it("uses the adapter's default source when no source is passed", async () => {
    const { source, loads } = countingSource('test:adapter-default');
    const wrapped = createFaultWrapper(createInMemoryAdapter(), async () => ({ status: 200 }), {
      defaultSource: () => source,
      environment: {},
      onEvent: createMemorySink(),
    });
    await wrapped({ requestId: 'a' }, {});
    expect(loads()).toBe(1);
  });

  it('falls back to FAULTLINE_CONFIG from the environment', async () => {
    const environment = {
      FAULTLINE_CONFIG: JSON.stringify({
        schemaVersion: 1,
        id: 'from-env',
        faults: [{ id: 'down', type: 'status', probability: 1, status: 418 }],
      }),
    };
    const wrapped = createFaultWrapper(createInMemoryAdapter(), async () => ({ status: 200 }), {
      environment,
      onEvent: createMemorySink(),
    });
    await expect(wrapped({ requestId: 'a' }, {})).resolves.toMatchObject({ status: 418 });
  });

  it('never injects without any source and says so once', async () => {
    const sink = createMemorySink();
    const wrapped = createFaultWrapper(createInMemoryAdapter(), async () => ({ status: 200 }), {
      environment: {},
      onEvent: sink,
    });
    createFaultWrapper(createInMemoryAdapter(), async () => ({ status: 200 }), {
      environment: {},
      onEvent: sink,
    });
    await expect(wrapped({ requestId: 'a' }, {})).resolves.toMatchObject({ status: 200 });
    expect(sink.ofType('config-missing')).toHaveLength(1);
  });
});
