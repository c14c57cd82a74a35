import { createFaultEngine, createInlineSource, type FaultEngine } from '@faultline/core';
import { createFaultWrapper, singleHandlerCallCapability } from '@faultline/core/adapter-kit';
import { createInMemoryAdapter, createMemorySink, createTestInvocation } from '@faultline/core/testing';
import { afterEach, describe, expect, it } from 'vitest';

// Honest events: a fault that is sampled but cannot act on the invocation is reported as `skipped` (with the reason),
// never as `inject`, and none of its effects run.

const engines: FaultEngine[] = [];
afterEach(() => {
  for (const engine of engines.splice(0)) engine.close();
});

async function engineWith(faults: object[]) {
  const sink = createMemorySink();
  const engine = createFaultEngine({
    source: createInlineSource({ schemaVersion: 1, id: 'honest', faults }),
    onEvent: sink,
    logLevel: 'debug',
    environment: {},
  });
  engines.push(engine);
  await engine.ready();
  return { engine, sink };
}

describe('skipped instead of injected', () => {
  it('a duplicate fault on an HTTP request: the handler runs once, the event says why', async () => {
    const { engine, sink } = await engineWith([{ id: 'again', type: 'duplicate', probability: 1, times: 3 }]);
    let calls = 0;
    const wrapped = createFaultWrapper(
      createInMemoryAdapter(),
      async () => {
        calls += 1;
        return { status: 200 };
      },
      { engine, environment: {} },
    );
    await wrapped({ requestId: 'r-1' }, {});
    expect(calls).toBe(1);
    expect(sink.ofType('inject')).toEqual([]);
    expect(sink.ofType('skipped')).toEqual([
      expect.objectContaining({
        faultId: 'again',
        faultType: 'duplicate',
        requestId: 'r-1',
        details: { reason: expect.stringContaining('HTTP requests are not redelivered') },
      }),
    ]);
  });

  it('a duplicate fault when the host calls the handler once (Middy): skipped, the other faults still inject', async () => {
    const { engine, sink } = await engineWith([
      { id: 'again', type: 'duplicate', probability: 1 },
      { id: 'slow', type: 'latency', probability: 1, delayMs: 0 },
    ]);
    const run = engine.plan(createTestInvocation({ trigger: 'queue', http: undefined, requestId: 'q-1' }));
    let calls = 0;
    await run?.before({ [singleHandlerCallCapability]: true });
    await run?.around(async () => {
      calls += 1;
    });
    await run?.finish();
    expect(calls).toBe(1);
    expect(sink.ofType('inject').map((event) => event.faultId)).toEqual(['slow']);
    expect(sink.ofType('skipped')[0]?.details).toEqual({
      reason: 'this host calls the handler once per invocation (Middy calls its handler itself)',
    });
  });

  it('a duplicate fault on a queue message of a host that can repeat the handler is injected and acts', async () => {
    const { engine, sink } = await engineWith([{ id: 'again', type: 'duplicate', probability: 1 }]);
    let calls = 0;
    const wrapped = createFaultWrapper(
      createInMemoryAdapter(),
      async () => {
        calls += 1;
        return undefined;
      },
      { engine, environment: {} },
    );
    await wrapped({ requestId: 'q-2', trigger: 'queue' }, {});
    expect(calls).toBe(2);
    expect(sink.ofType('skipped')).toEqual([]);
    expect(sink.ofType('inject')).toHaveLength(1);
  });

  it('partialBatch without a batch and corrupt or cors without an HTTP response are skipped', async () => {
    const { engine, sink } = await engineWith([
      { id: 'flaky', type: 'partialBatch', probability: 1 },
      { id: 'garble', type: 'corrupt', probability: 1, mode: 'mangle' },
      { id: 'origin', type: 'cors', probability: 1, mode: 'remove' },
    ]);
    const wrapped = createFaultWrapper(createInMemoryAdapter(), async () => undefined, {
      engine,
      environment: {},
    });
    await wrapped({ requestId: 'e-1', trigger: 'event' }, {});
    expect(sink.ofType('inject')).toEqual([]);
    expect(sink.ofType('skipped').map((event) => [event.faultId, event.details?.reason])).toEqual([
      ['flaky', expect.stringContaining('no partial batch response')],
      ['garble', 'event invocations have no HTTP response to change'],
      ['origin', 'event invocations have no HTTP response to change'],
    ]);
  });
});
