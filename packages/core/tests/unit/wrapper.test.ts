import {
  builtinFaultTypes,
  createFaultEngine,
  createFaultRegistry,
  createInlineSource,
  defineFaultType,
  type FaultEngineOptions,
  InjectedFaultError,
  isInjectedFault,
  s,
} from '@faultline/core';
import { createFaultWrapper } from '@faultline/core/adapter-kit';
import {
  createFakeClock,
  createInMemoryAdapter,
  createMemorySink,
  createRecordingSleep,
  createSeededRandom,
  type InMemoryResponse,
} from '@faultline/core/testing';
import { describe, expect, it } from 'vitest';

function experiment(faults: object[], extra: object = {}) {
  return { schemaVersion: 1, id: 'wrapper-test', faults, ...extra };
}

function setup(document: object | undefined, options: Partial<FaultEngineOptions> = {}) {
  const clock = createFakeClock(Date.parse('2026-11-29T12:00:00Z'));
  const sleep = createRecordingSleep(clock);
  const sink = createMemorySink();
  const calls: string[] = [];
  const handler = async (request: { requestId: string }): Promise<InMemoryResponse | undefined> => {
    calls.push(request.requestId);
    return { status: 200, headers: { 'content-type': 'application/json' }, body: '{"ok":true}' };
  };
  const engineOptions: FaultEngineOptions = {
    ...(document === undefined ? {} : { source: createInlineSource(document) }),
    onEvent: sink,
    logLevel: 'debug',
    clock,
    sleep,
    random: createSeededRandom(7),
    environment: {},
    ...options,
  };
  const engine = createFaultEngine(engineOptions);
  const wrapped = createFaultWrapper(createInMemoryAdapter(), handler, { engine, environment: {} });
  return { clock, sleep, sink, calls, handler, wrapped, engine };
}

describe('createFaultWrapper', () => {
  it('returns the handler itself when FAULTLINE_DISABLED=1', () => {
    const handler = async () => ({ status: 200 });
    const wrapped = createFaultWrapper(createInMemoryAdapter(), handler, {
      environment: { FAULTLINE_DISABLED: '1' },
    });
    expect(wrapped).toBe(handler);
  });

  it('passes invocations through untouched when no experiment is configured', async () => {
    const { wrapped, calls, sink } = setup(undefined);
    const response = await wrapped({ requestId: 'r-1' }, {});
    expect(response).toEqual({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: '{"ok":true}',
    });
    expect(calls).toEqual(['r-1']);
    expect(sink.ofType('inject')).toHaveLength(0);
  });

  it('answers with the injected status and never calls the handler', async () => {
    const { wrapped, calls, sink } = setup(
      experiment([{ id: 'down', type: 'status', probability: 1, status: 503 }]),
    );
    const response = await wrapped({ requestId: 'r-1' }, {});
    expect(response?.status).toBe(503);
    expect(calls).toEqual([]);
    const [event] = sink.ofType('inject');
    expect(event).toMatchObject({
      experimentId: 'wrapper-test',
      faultId: 'down',
      faultType: 'status',
      requestId: 'r-1',
    });
    expect(event?.configVersion).toBeTypeOf('string');
  });

  it('throws an InjectedFaultError carrying the status on triggers without a response', async () => {
    const { wrapped, calls } = setup(
      experiment([{ id: 'down', type: 'status', probability: 1, status: 503 }]),
    );
    const failure = await wrapped({ requestId: 'r-1', trigger: 'queue' }, {}).catch(
      (error: unknown) => error,
    );
    expect(isInjectedFault(failure)).toBe(true);
    expect((failure as InjectedFaultError).status).toBe(503);
    expect(calls).toEqual([]);
  });

  it('delays by the latency fault, then runs the handler once', async () => {
    const { wrapped, calls, sleep } = setup(
      experiment([{ id: 'slow', type: 'latency', probability: 1, delayMs: 250 }]),
    );
    const response = await wrapped({ requestId: 'r-1' }, {});
    expect(response?.status).toBe(200);
    expect(sleep.calls).toEqual([250]);
    expect(calls).toEqual(['r-1']);
  });

  it('throws the exception fault with its name and message', async () => {
    const { wrapped, calls } = setup(
      experiment([
        { id: 'boom', type: 'exception', probability: 1, message: 'db lost', errorName: 'ConnectionError' },
      ]),
    );
    const failure = await wrapped({ requestId: 'r-1' }, {}).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(InjectedFaultError);
    expect(failure).toMatchObject({
      name: 'ConnectionError',
      message: 'db lost',
      faultline: true,
      faultId: 'boom',
    });
    expect(calls).toEqual([]);
  });

  it('mangles the response after the handler ran', async () => {
    const { wrapped, calls } = setup(
      experiment([{ id: 'broken', type: 'corrupt', probability: 1, mode: 'mangle' }]),
    );
    const response = await wrapped({ requestId: 'r-1' }, {});
    expect(calls).toEqual(['r-1']);
    expect(() => JSON.parse(response?.body ?? '')).toThrow();
  });

  it('only reports would-inject in dry-run mode', async () => {
    const { wrapped, calls, sink } = setup(
      experiment([{ id: 'down', type: 'status', probability: 1, status: 503 }], { mode: 'dry-run' }),
    );
    const response = await wrapped({ requestId: 'r-1' }, {});
    expect(response?.status).toBe(200);
    expect(calls).toEqual(['r-1']);
    expect(sink.ofType('would-inject')).toHaveLength(1);
    expect(sink.ofType('inject')).toHaveLength(0);
  });

  it('runs deferred cleanups in reverse order even when the handler throws, and rethrows the handler error', async () => {
    const order: string[] = [];
    const probe = defineFaultType({
      type: 'probe',
      summary: 'test',
      phase: 'around',
      attributes: s.object({ label: s.required(s.string()) }),
      create: (attributes) => ({
        around: (context, next) => {
          context.defer(() => {
            order.push(attributes.label);
          });
          return next();
        },
      }),
    });
    const registry = createFaultRegistry([...builtinFaultTypes, probe]);
    const clock = createFakeClock();
    const engine = createFaultEngine({
      source: createInlineSource(
        experiment([
          { id: 'a', type: 'probe', probability: 1, label: 'first' },
          { id: 'b', type: 'probe', probability: 1, label: 'second' },
        ]),
      ),
      registry,
      clock,
      onEvent: createMemorySink(),
      environment: {},
    });
    const handlerError = new Error('handler failed');
    let handlerCalls = 0;
    const wrapped = createFaultWrapper(
      createInMemoryAdapter(),
      async () => {
        handlerCalls++;
        throw handlerError;
      },
      { engine, environment: {} },
    );
    await expect(wrapped({ requestId: 'r-1' }, {})).rejects.toBe(handlerError);
    expect(handlerCalls).toBe(1);
    expect(order).toEqual(['second', 'first']);
  });
});

describe('renamed variables through the wrapper', () => {
  it('emits one deprecation event for an old variable name, however many invocations follow', async () => {
    const sink = createMemorySink();
    const environment: Record<string, string> = { FAULTLINE_APPCONFIG_LABEL: 'prod' };
    const wrapped = createFaultWrapper(createInMemoryAdapter(), async () => ({ status: 200 }), {
      source: createInlineSource(experiment([])),
      onEvent: sink,
      environment,
    });
    // Read when wrapping: a later change of the environment is not reported.
    environment.FAULTLINE_APPCONFIG_KEY = 'late';

    for (const requestId of ['r-1', 'r-2', 'r-3']) await wrapped({ requestId }, {});

    expect(sink.ofType('deprecation').map((event) => event.details?.variable)).toEqual([
      'FAULTLINE_APPCONFIG_LABEL',
    ]);
  });
});
