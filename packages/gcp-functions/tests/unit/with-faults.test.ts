import type { IncomingMessage, ServerResponse } from 'node:http';
import { createFaultEngine, createInlineSource, type FaultEngine } from '@faultline/core';
import { createMemorySink } from '@faultline/core/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { withFaults } from '../../src/index.js';

const engines: FaultEngine[] = [];

afterEach(() => {
  for (const engine of engines.splice(0)) engine.close();
});

async function armedEngine(): Promise<FaultEngine> {
  const engine = createFaultEngine({
    source: createInlineSource({
      schemaVersion: 1,
      id: 'unit',
      faults: [
        {
          id: 'admin',
          type: 'status',
          status: 503,
          probability: 1,
          match: [{ field: 'http.path', op: 'eq', value: '/admin' }],
        },
      ],
    }),
    onEvent: createMemorySink(),
  });
  engines.push(engine);
  await engine.ready();
  return engine;
}

const request = { method: 'GET', url: '/orders/1', headers: {} } as IncomingMessage;

describe('withFaults called directly', () => {
  it('returns what a synchronous handler returns when no fault fires after all', async () => {
    // Prepare: the engine says armed for the idle check on one read and idle on the next, as when a push switches
    // the experiment off in between; the request matches no fault either way, so the plan finds nothing to run.
    const engine = await armedEngine();
    const armed = engine.current();
    let reads = 0;
    const flipping: FaultEngine = { ...engine, current: () => (reads++ % 2 === 0 ? armed : 'idle') };
    let ended = 0;
    const response = { end: () => ended++ } as unknown as ServerResponse;
    const wrapped = withFaults(
      (_request: IncomingMessage, res: ServerResponse) => {
        res.end();
      },
      { engine: flipping, environment: {} },
    );

    // Act
    const returned = wrapped(request, response);

    // Assess
    expect(returned).toBeUndefined();
    expect(ended).toBe(1);
  });

  it('returns the handler result on the idle path without wrapping it in a promise', async () => {
    const engine = createFaultEngine({ onEvent: createMemorySink(), environment: {} });
    engines.push(engine);
    await engine.ready();
    const marker = { sync: true };
    const wrapped = withFaults(() => marker, { engine, environment: {} });

    expect(wrapped(request, {} as ServerResponse)).toBe(marker);
  });

  it('runs the handler unwrapped, with one structured log line, when faultline cannot be set up', () => {
    const handler = (_request: IncomingMessage, response: ServerResponse) => response.end();
    const logged: string[] = [];
    const original = console.error;
    console.error = (line: string) => logged.push(line);
    try {
      const wrapped = withFaults(handler, {
        source: createInlineSource({ schemaVersion: 1, id: 'x', faults: [] }),
        cache: { ttlMs: -5 },
        environment: {},
      });

      expect(wrapped).toBe(handler);
      expect(JSON.parse(logged[0] ?? '{}')).toMatchObject({ source: 'faultline', type: 'internal-error' });
    } finally {
      console.error = original;
    }
  });
});

describe('without a config source', () => {
  it('says which variable to set: the Firestore one first', async () => {
    // A fresh module graph: the engine without a source is shared per process and says it once.
    vi.resetModules();
    const { withCloudEventFaults: fresh } = await import('../../src/index.js');
    const sink = createMemorySink();
    const handler = fresh(async () => {}, { onEvent: sink, environment: {} });

    await handler({ id: '1', source: '//test', type: 'test.event' });

    const [missing] = sink.ofType('config-missing');
    expect(missing?.message).toContain(
      'set FAULTLINE_FIRESTORE_DOCUMENT to the Firestore document holding the experiment',
    );
  });
});
