import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFaultEngine, createInlineSource } from '@faultline/core';
import { createFaultWrapper } from '@faultline/core/adapter-kit';
import {
  createInMemoryAdapter,
  createMemorySink,
  createRecordingSleep,
  type InMemoryRequest,
  type InMemoryResponse,
} from '@faultline/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LoopbackServer, settle, startLoopbackServer } from './interceptors-support.js';

/** End to end: the process and dependency fault types through the real engine and wrapper, on an in-memory platform. */

let server: LoopbackServer;

beforeAll(async () => {
  server = await startLoopbackServer();
});

afterAll(async () => {
  await server.close();
});

function wrap(
  faults: object[],
  handler: (request: InMemoryRequest) => Promise<InMemoryResponse>,
  experimentId = `engine-${Math.random().toString(36).slice(2)}`,
) {
  const sink = createMemorySink();
  const sleep = createRecordingSleep();
  const engine = createFaultEngine({
    source: createInlineSource({ schemaVersion: 1, id: experimentId, faults }),
    onEvent: sink,
    logLevel: 'debug',
    sleep,
    environment: {},
  });
  const wrapped = createFaultWrapper(createInMemoryAdapter(), handler, { engine, environment: {} });
  return {
    wrapped: (requestId: string) => wrapped({ requestId, path: '/orders/1' }, {}),
    sink,
    sleep,
    engine,
  };
}

describe('process and dependency faults through the engine', () => {
  it('blackhole: the handler sees the refused downstream and handles it as in production', async () => {
    const { wrapped, sink } = wrap(
      [{ id: 'pricing-down', type: 'blackhole', probability: 1, hosts: ['localhost'] }],
      async () => {
        const result = await settle(fetch(`http://localhost:${server.port}/price`));
        return { status: 200, body: result.ok ? 'live' : 'fallback' };
      },
    );

    const response = await wrapped('r-1');

    expect(response).toMatchObject({ status: 200, body: 'fallback' });
    expect(sink.ofType('inject')).toHaveLength(1);
  });

  it('dependency: a host throttled with a synthetic 429 reaches the handler as a response', async () => {
    const { wrapped } = wrap(
      [
        {
          id: 'pricing-throttled',
          type: 'dependency',
          probability: 1,
          hosts: ['127.0.0.1'],
          effect: 'throttle',
        },
      ],
      async () => {
        const response = await fetch(`http://127.0.0.1:${server.port}/price`);
        return { status: 200, body: String(response.status) };
      },
    );

    await expect(wrapped('r-1')).resolves.toMatchObject({ body: '429' });
  });

  it('concurrency: the excess of concurrent invocations gets the platform throttling result', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { wrapped } = wrap(
      [{ id: 'cap', type: 'concurrency', probability: 1, maxInFlight: 2 }],
      async () => {
        await gate;
        return { status: 200, body: 'ok' };
      },
    );

    const pending = [wrapped('r-1'), wrapped('r-2'), wrapped('r-3'), wrapped('r-4')];
    await new Promise((resolve) => setTimeout(resolve, 20));
    release();
    const statuses = (await Promise.all(pending)).map((response) => response?.status);
    const afterwards = await wrapped('r-5');

    expect(statuses.filter((status) => status === 200)).toHaveLength(2);
    expect(statuses.filter((status) => status === 429)).toHaveLength(2);
    expect(afterwards?.status).toBe(200);
  });

  it('coldstart: only the first invocation of the instance is delayed', async () => {
    const { wrapped, sleep } = wrap(
      [{ id: 'cold', type: 'coldstart', probability: 1, delayMs: 1200 }],
      async () => ({
        status: 200,
      }),
    );

    for (const id of ['r-1', 'r-2', 'r-3']) await wrapped(id);

    expect(sleep.calls).toEqual([1200]);
  });

  it('cors: the response reaches the caller without its Access-Control-* headers', async () => {
    const { wrapped } = wrap([{ id: 'no-cors', type: 'cors', probability: 1 }], async () => ({
      status: 200,
      headers: { 'Access-Control-Allow-Origin': '*', 'content-type': 'text/plain' },
      body: 'ok',
    }));

    const response = await wrapped('r-1');

    expect(response?.headers).toEqual({ 'content-type': 'text/plain' });
  });

  it('config and diskfill: both are undone after a handler that throws', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'faultline-engine-diskfill-'));
    const seen: string[] = [];
    const { wrapped } = wrap(
      [
        {
          id: 'wrong-table',
          type: 'config',
          scope: 'process',
          probability: 1,
          env: { FL_ENGINE_TABLE: 'missing' },
        },
        { id: 'full-tmp', type: 'diskfill', scope: 'process', probability: 1, sizeMb: 1, directory },
      ],
      async () => {
        seen.push(process.env.FL_ENGINE_TABLE ?? 'unset', String((await readdir(directory)).length));
        throw new Error('handler failed');
      },
    );

    const result = await settle(wrapped('r-1'));

    expect(result.ok).toBe(false);
    expect(seen).toEqual(['missing', '1']);
    expect(process.env.FL_ENGINE_TABLE).toBeUndefined();
    expect(await readdir(directory)).toEqual([]);
    await rm(directory, { recursive: true, force: true });
  });
});
