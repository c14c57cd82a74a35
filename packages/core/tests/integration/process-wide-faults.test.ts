import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  builtinFaultRegistry,
  createFaultEngine,
  createInlineSource,
  type ExperimentDefinition,
  validateExperiment,
} from '@faultline/core';
import { createFaultWrapper } from '@faultline/core/adapter-kit';
import {
  createInMemoryAdapter,
  createMemorySink,
  type InMemoryRequest,
  type InMemoryResponse,
} from '@faultline/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { compileExperiment } from '../../src/engine/compile.js';

/**
 * Issue 12, item 8: faults that act on the whole process (`config` changes `process.env`, `diskfill` fills the
 * disk) reach the sampled invocation's concurrent neighbours on platforms that run invocations of one instance at
 * the same time. The blast radius is explicit: `scope: process` is required, and each neighbour that starts while
 * such a fault acts gets a `neighbour-affected` event. Faults that act on the invocation only leave neighbours alone.
 */

const variable = 'FL_PROCESS_WIDE_TABLE';

afterEach(() => {
  delete process.env[variable];
});

/** A latch the sampled invocation's handler waits on, so its neighbours run while its fault acts. */
function createLatch() {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  let reached: () => void = () => undefined;
  const waiting = new Promise<void>((resolve) => {
    reached = resolve;
  });
  return { open, opened, reached, waiting };
}

function wrap(faults: object[], handler: (request: InMemoryRequest) => Promise<InMemoryResponse>) {
  const sink = createMemorySink();
  const engine = createFaultEngine({
    source: createInlineSource({
      schemaVersion: 1,
      id: `process-wide-${Math.random().toString(36).slice(2)}`,
      faults,
    }),
    onEvent: sink,
    logLevel: 'debug',
    environment: {},
  });
  const wrapped = createFaultWrapper(createInMemoryAdapter(), handler, { engine, environment: {} });
  return {
    call: (requestId: string, path: string) => wrapped({ requestId, path }, {}),
    sink,
    engine,
  };
}

const onlySampledPath = [{ field: 'http.path', op: 'eq', value: '/sampled' }];

/**
 * Runs `sampled-1` (the only request the fault matches) and holds it inside its handler while the `neighbours`
 * run one after the other, then `after-1` once it ended; returns what `observe` saw in each handler.
 */
async function runBesideSampled(
  fault: Record<string, unknown>,
  observe: () => Promise<unknown>,
  neighbours: readonly string[],
) {
  const latch = createLatch();
  const seen: Record<string, unknown> = {};
  const { call, sink, engine } = wrap(
    [{ ...fault, probability: 1, match: onlySampledPath }],
    async (request) => {
      seen[request.requestId] = await observe();
      if (request.path === '/sampled') {
        latch.reached();
        await latch.opened;
      }
      return { status: 200 };
    },
  );
  await engine.ready();
  const sampled = call('sampled-1', '/sampled');
  await latch.waiting;
  for (const neighbour of neighbours) await call(neighbour, '/other');
  latch.open();
  await sampled;
  await call('after-1', '/other');
  return { seen, sink };
}

describe('process-wide faults under concurrent invocations', () => {
  it('config: a concurrent neighbour sees the override and gets one neighbour-affected event; later ones do not', async () => {
    process.env[variable] = 'orders';

    const { seen, sink } = await runBesideSampled(
      { id: 'wrong-table', type: 'config', scope: 'process', env: { [variable]: 'orders-missing' } },
      async () => process.env[variable],
      ['neighbour-1', 'neighbour-2'],
    );

    expect(seen).toEqual({
      'sampled-1': 'orders-missing',
      'neighbour-1': 'orders-missing',
      'neighbour-2': 'orders-missing',
      'after-1': 'orders',
    });
    const events = sink.ofType('neighbour-affected');
    expect(events.map((event) => event.requestId)).toEqual(['neighbour-1', 'neighbour-2']);
    expect(events[0]).toMatchObject({
      level: 'warn',
      faultId: 'wrong-table',
      faultType: 'config',
      details: { scope: 'process', injectedRequestId: 'sampled-1' },
    });
    expect(sink.ofType('inject').map((event) => event.requestId)).toEqual(['sampled-1']);
  });

  it('diskfill: a concurrent neighbour sees the filled disk and is reported; the file is gone afterwards', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'faultline-process-wide-'));
    try {
      const { seen, sink } = await runBesideSampled(
        { id: 'tmp-full', type: 'diskfill', scope: 'process', sizeMb: 1, directory },
        async () => (await readdir(directory)).length,
        ['neighbour-1'],
      );

      expect(seen).toEqual({ 'sampled-1': 1, 'neighbour-1': 1, 'after-1': 0 });
      expect(sink.ofType('neighbour-affected').map((event) => event.requestId)).toEqual(['neighbour-1']);
      expect(await readdir(directory)).toEqual([]);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('concurrency: a fault that acts on the sampled invocation only leaves its neighbours alone, without events', async () => {
    const latch = createLatch();
    const { call, sink, engine } = wrap(
      [{ id: 'cap', type: 'concurrency', probability: 1, match: onlySampledPath, maxInFlight: 1 }],
      async (request) => {
        if (request.requestId === 'sampled-1') {
          latch.reached();
          await latch.opened;
        }
        return { status: 200 };
      },
    );
    await engine.ready();

    const first = call('sampled-1', '/sampled');
    await latch.waiting;
    const throttled = await call('sampled-2', '/sampled');
    const neighbour = await call('neighbour-1', '/other');
    latch.open();

    expect((await first)?.status).toBe(200);
    expect(throttled?.status).toBe(429);
    expect(neighbour?.status).toBe(200);
    expect(sink.ofType('neighbour-affected')).toEqual([]);
  });

  it('validation refuses config and diskfill without scope: process, naming the field and the fix', () => {
    const result = validateExperiment({
      schemaVersion: 1,
      id: 'no-scope',
      faults: [
        { id: 'wrong-table', type: 'config', probability: 0.1, env: { TABLE: 'x' } },
        { id: 'tmp-full', type: 'diskfill', probability: 0.1, sizeMb: 10 },
        { id: 'slow', type: 'latency', scope: 'process', probability: 0.1, delayMs: 10 },
      ],
    });

    expect(result.ok).toBe(false);
    expect(result.issues).toEqual([
      expect.objectContaining({
        path: 'faults[0].scope',
        message: expect.stringContaining('a config fault acts on the whole instance'),
        hint: expect.stringContaining('add scope: process'),
      }),
      expect.objectContaining({
        path: 'faults[1].scope',
        message: expect.stringContaining('a diskfill fault acts on the whole instance'),
      }),
      expect.objectContaining({
        path: 'faults[2].scope',
        message: 'is not a known key',
        hint: expect.stringContaining('acts on the sampled invocation only'),
      }),
    ]);
    expect(
      validateExperiment({
        schemaVersion: 1,
        id: 'with-scope',
        faults: [
          { id: 'wrong-table', type: 'config', scope: 'process', probability: 0.1, env: { TABLE: 'x' } },
        ],
      }).ok,
    ).toBe(true);
  });

  it('an experiment built by hand without scope: process has its process-wide fault skipped, not applied', () => {
    const experiment = {
      schemaVersion: 1,
      id: 'by-hand',
      enabled: true,
      mode: 'inject',
      guard: {},
      faults: [
        { id: 'wrong-table', type: 'config', enabled: true, probability: 1, env: { TABLE: 'x' } },
        { id: 'slow', type: 'latency', enabled: true, probability: 1, delayMs: 1 },
      ],
    } as unknown as ExperimentDefinition;

    const { compiled, skipped } = compileExperiment(experiment, { registry: builtinFaultRegistry });

    expect(compiled.faults.map((fault) => fault.id)).toEqual(['slow']);
    expect(skipped).toEqual([
      expect.objectContaining({ id: 'wrong-table', reason: expect.stringContaining('needs scope: process') }),
    ]);
  });
});
