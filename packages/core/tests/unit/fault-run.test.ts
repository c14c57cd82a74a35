import {
  builtinFaultTypes,
  createFaultEngine,
  createFaultRegistry,
  createInlineSource,
  defineFaultType,
  type FaultEffect,
  type FaultEngine,
  InjectedFaultError,
  isInjectedFault,
  s,
} from '@faultline/core';
import { createMemorySink, createTestInvocation, type MemorySink } from '@faultline/core/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';

// The engine's phase API, driven the way a host drives it: plan → before → around (or enter … leave) → after →
// finish. The wrappers' own tests (wrapper*.test.ts, the adapter contracts) cover the compositions built on it.

const engines: FaultEngine[] = [];

afterEach(() => {
  for (const engine of engines.splice(0)) engine.close();
  vi.useRealTimers();
});

async function engineWith(
  faults: object[],
  effects: Record<string, FaultEffect> = {},
): Promise<{ engine: FaultEngine; sink: MemorySink }> {
  const sink = createMemorySink();
  const registry = createFaultRegistry([
    ...builtinFaultTypes,
    ...Object.entries(effects).map(([type, effect]) =>
      defineFaultType({
        type,
        summary: 'test',
        phase: 'around',
        attributes: s.object({}),
        create: () => effect,
      }),
    ),
  ]);
  const engine = createFaultEngine({
    source: createInlineSource({ schemaVersion: 1, id: 'phases', faults }),
    registry,
    onEvent: sink,
    logLevel: 'debug',
    environment: {},
  });
  engines.push(engine);
  await engine.ready();
  return { engine, sink };
}

describe('engine.plan', () => {
  it('returns nothing when no fault fires, and the run of the faults that fire otherwise', async () => {
    const { engine, sink } = await engineWith([
      {
        id: 'admin',
        type: 'status',
        probability: 1,
        status: 503,
        match: [{ field: 'http.path', op: 'prefix', value: '/admin' }],
      },
    ]);

    expect(engine.plan(createTestInvocation({ http: { path: '/orders/1' } }))).toBeUndefined();
    const run = engine.plan(createTestInvocation({ http: { path: '/admin/users' } }));

    expect(run?.faults.map((fault) => fault.id)).toEqual(['admin']);
    expect(run?.experimentId).toBe('phases');
    // Nothing is reported as injected until the run's first phase.
    expect(sink.ofType('inject')).toEqual([]);
  });

  it('reports dry-run faults as would-inject and returns nothing to run', async () => {
    const sink = createMemorySink();
    const engine = createFaultEngine({
      source: createInlineSource({
        schemaVersion: 1,
        id: 'dry',
        mode: 'dry-run',
        faults: [{ id: 'down', type: 'status', probability: 1, status: 503 }],
      }),
      onEvent: sink,
      environment: {},
    });
    engines.push(engine);
    await engine.ready();

    expect(engine.plan(createTestInvocation({ requestId: 'r-dry' }))).toBeUndefined();
    expect(sink.ofType('would-inject')).toEqual([
      expect.objectContaining({ faultId: 'down', requestId: 'r-dry', experimentId: 'dry' }),
    ]);
  });
});

describe('a run', () => {
  it('reports each fault once in before, then answers with the first short-circuit', async () => {
    const { engine, sink } = await engineWith([
      { id: 'slow', type: 'latency', probability: 1, delayMs: 0 },
      { id: 'down', type: 'status', probability: 1, status: 503, body: 'down' },
    ]);
    const run = engine.plan(createTestInvocation())!;

    const shortCircuit = await run.before();
    await run.finish();

    expect(shortCircuit?.fault.id).toBe('down');
    expect(shortCircuit?.outcome).toMatchObject({ kind: 'respond', response: { status: 503, body: 'down' } });
    expect(sink.ofType('inject').map((event) => event.faultId)).toEqual(['slow', 'down']);
  });

  it('hands an injected error thrown by a before effect back as a throw short-circuit', async () => {
    const { engine } = await engineWith([{ id: 'boom', type: 'exception', probability: 1 }]);
    const run = engine.plan(createTestInvocation())!;

    const shortCircuit = await run.before();

    expect(shortCircuit?.outcome.kind).toBe('throw');
    expect(
      isInjectedFault(shortCircuit?.outcome.kind === 'throw' ? shortCircuit.outcome.error : undefined),
    ).toBe(true);
  });

  it('changes the response in after and returns the same object when nothing changed it', async () => {
    const { engine } = await engineWith([{ id: 'garble', type: 'corrupt', probability: 1, body: 'garbage' }]);
    const run = engine.plan(createTestInvocation())!;
    const response = { status: 200, headers: {}, body: 'ok' };

    expect(run.changesResponse).toBe(true);
    await expect(run.after(response)).resolves.toMatchObject({ status: 200, body: 'garbage' });

    const { engine: plain } = await engineWith([{ id: 'slow', type: 'latency', probability: 1, delayMs: 0 }]);
    const unchanged = plain.plan(createTestInvocation())!;
    expect(unchanged.changesResponse).toBe(false);
    await expect(unchanged.after(response)).resolves.toBe(response);
  });

  it('says whether an after effect reads the body, so hosts with streamed bodies read one only then', async () => {
    const plan = async (faults: Record<string, unknown>[]) =>
      (
        await engineWith(faults.map((fault, index) => ({ id: `f${index}`, probability: 1, ...fault })))
      ).engine.plan(createTestInvocation())!;

    const truncate = await plan([{ type: 'corrupt', mode: 'truncate' }]);
    const headersOnly = await plan([
      { type: 'cors', mode: 'remove' },
      { type: 'corrupt', mode: 'replace' },
    ]);
    const noAfter = await plan([{ type: 'latency', delayMs: 0 }]);

    expect([truncate.readsResponseBody, headersOnly.readsResponseBody, noAfter.readsResponseBody]).toEqual([
      true,
      false,
      false,
    ]);
    expect(headersOnly.changesResponse).toBe(true);
  });
});

describe('enter and leave (a host that calls the handler itself)', () => {
  const traced: string[] = [];
  const tracing: FaultEffect = {
    around: async (context, next) => {
      traced.push('in');
      context.defer(() => {
        traced.push('cleanup');
      });
      const result = (await next()) as { status: number };
      traced.push('out');
      return { ...result, status: result.status + 1 } as never;
    },
  };

  afterEach(() => {
    traced.length = 0;
  });

  it('runs the around effects up to the handler, then through its result', async () => {
    const { engine } = await engineWith([{ id: 'trace', type: 'trace', probability: 1 }], { trace: tracing });
    const run = engine.plan(createTestInvocation())!;
    await run.before();

    await expect(run.enter()).resolves.toBeUndefined();
    expect(traced).toEqual(['in']);
    await expect(run.leave({ ok: true, value: { status: 200 } })).resolves.toEqual({ status: 201 });
    await run.finish();

    expect(traced).toEqual(['in', 'out', 'cleanup']);
  });

  it("rethrows the handler's error untouched", async () => {
    const { engine } = await engineWith([{ id: 'trace', type: 'trace', probability: 1 }], { trace: tracing });
    const run = engine.plan(createTestInvocation())!;
    const failure = new Error('database down');

    await run.enter();
    await expect(run.leave({ ok: false, error: failure })).rejects.toBe(failure);
    await run.finish();

    expect(traced).toEqual(['in', 'cleanup']);
  });

  it('resolves with the answer of an effect that does not call the handler, and rejects with an injected error', async () => {
    const { engine } = await engineWith([{ id: 'answer', type: 'answer', probability: 1 }], {
      answer: { around: async () => ({ status: 204 }) as never },
    });
    await expect(engine.plan(createTestInvocation())!.enter()).resolves.toEqual({ result: { status: 204 } });

    const injected = new InjectedFaultError('no slot', {
      experimentId: 'phases',
      faultId: 'refuse',
      faultType: 'refuse',
    });
    const { engine: refusing } = await engineWith([{ id: 'refuse', type: 'refuse', probability: 1 }], {
      refuse: {
        around: async () => {
          throw injected;
        },
      },
    });
    await expect(refusing.plan(createTestInvocation())!.enter()).rejects.toBe(injected);
  });

  it('closes a handler phase the host never comes back for shortly before the deadline, and cleans up', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { engine, sink } = await engineWith([{ id: 'trace', type: 'trace', probability: 1 }], {
      trace: tracing,
    });
    const run = engine.plan(createTestInvocation({ deadlineMs: Date.now() + 1_000 }))!;
    await run.enter();

    // 100 ms before the deadline, give or take the real milliseconds this test takes to get here.
    await vi.advanceTimersByTimeAsync(850);
    expect(traced).toEqual(['in']);
    await vi.advanceTimersByTimeAsync(60);

    expect(traced).toEqual(['in', 'cleanup']);
    expect(sink.ofType('fault-detail')).toEqual([expect.objectContaining({ level: 'warn' })]);
    // The host comes back late: what it reports is left alone.
    await expect(run.leave({ ok: true, value: { status: 200 } })).resolves.toEqual({ status: 200 });
    const response = { status: 200, headers: {}, body: 'late' };
    await expect(run.after(response)).resolves.toBe(response);
  });
});

describe('failOpen', () => {
  it('reports once and leaves the rest of the invocation untouched, cleanups included', async () => {
    const cleaned: string[] = [];
    const { engine, sink } = await engineWith(
      [
        { id: 'deferring', type: 'deferring', probability: 1 },
        { id: 'garble', type: 'corrupt', probability: 1, body: 'garbage' },
      ],
      {
        deferring: {
          before: (context) => {
            context.defer(() => {
              cleaned.push('deferring');
            });
          },
          around: async () => ({ status: 500 }) as never,
        },
      },
    );
    const run = engine.plan(createTestInvocation({ requestId: 'r-open' }))!;
    await run.before();

    run.failOpen(new Error('adapter bug'), 'answering for the status fault');

    expect(run.changesResponse).toBe(false);
    await expect(run.around(async () => ({ status: 200 }))).resolves.toEqual({ status: 200 });
    const response = { status: 200, headers: {}, body: 'ok' };
    await expect(run.after(response)).resolves.toBe(response);
    await run.finish();
    expect(cleaned).toEqual(['deferring']);
    expect(sink.ofType('internal-error')).toEqual([
      expect.objectContaining({ requestId: 'r-open', experimentId: 'phases' }),
    ]);
  });
});
