import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createFaultEngine, createInlineSource, type FaultEngine, isInjectedFault } from '@faultline/core';
import { createFaultWrapper } from '@faultline/core/adapter-kit';
import { createInMemoryAdapter, type InMemoryResponse } from '@faultline/core/testing';
import { SpanKind } from '@opentelemetry/api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
// Core's tests use the testkit from source: a package dependency would be a cycle.
import { startTestTracing, type TestTracing } from '../../../testkit/src/observability/index.js';

// The real OpenTelemetry SDK (BasicTracerProvider, in-memory exporter, AsyncLocalStorage context manager) registered
// globally, as an instrumented function has it; faultline finds it through @opentelemetry/api.

let tracing: TestTracing;
let server: Server;
let pricingUrl: string;
const engines: FaultEngine[] = [];

beforeAll(async () => {
  tracing = startTestTracing();
  server = createServer((_request, response) => response.end('{"price":7}'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  pricingUrl = `http://localhost:${(server.address() as AddressInfo).port}/prices/kettle`;
});

afterAll(async () => {
  await tracing.shutdown();
  await new Promise((resolve) => server.close(resolve));
});

afterEach(() => {
  tracing.reset();
  for (const engine of engines.splice(0)) engine.close();
});

async function wrappedWith(
  document: Record<string, unknown>,
  handler: () => Promise<InMemoryResponse | undefined>,
  options: { openTelemetry?: boolean } = {},
) {
  const engine = createFaultEngine({
    source: createInlineSource({ schemaVersion: 1, id: 'traced', ...document }),
    logLevel: 'silent',
    environment: {},
    ...options,
  });
  engines.push(engine);
  await engine.ready();
  return createFaultWrapper(createInMemoryAdapter(), handler, { engine, environment: {} });
}

const eventsOf = (name: string) =>
  tracing.span(name).events.map((event) => ({ name: event.name, attributes: event.attributes }));

describe('OpenTelemetry', () => {
  it('adds a faultline.inject event per fault to the active span and marks it injected', async () => {
    const wrapped = await wrappedWith(
      {
        faults: [
          { id: 'slow', type: 'latency', probability: 1, delayMs: 1 },
          { id: 'teapot', type: 'status', probability: 1, status: 418 },
        ],
      },
      async () => ({ status: 200 }),
    );
    await tracing.inSpan('GET /orders', () => wrapped({ requestId: 'r-1' }, {}));

    const span = tracing.span('GET /orders');
    expect(span.attributes['faultline.injected']).toBe(true);
    expect(eventsOf('GET /orders')).toEqual([
      {
        name: 'faultline.inject',
        attributes: {
          'faultline.experiment.id': 'traced',
          'faultline.fault.id': 'slow',
          'faultline.fault.type': 'latency',
          'faultline.config.version': expect.any(String),
          'faultline.dry_run': false,
        },
      },
      {
        name: 'faultline.inject',
        attributes: expect.objectContaining({ 'faultline.fault.id': 'teapot', 'faultline.dry_run': false }),
      },
    ]);
  });

  it('adds faultline.would_inject in dry-run and leaves the span unmarked', async () => {
    const wrapped = await wrappedWith(
      { mode: 'dry-run', faults: [{ id: 'slow', type: 'latency', probability: 1, delayMs: 1 }] },
      async () => ({ status: 200 }),
    );
    await tracing.inSpan('GET /dry', () => wrapped({ requestId: 'r-2' }, {}));
    expect(tracing.span('GET /dry').attributes['faultline.injected']).toBeUndefined();
    expect(eventsOf('GET /dry')).toEqual([
      {
        name: 'faultline.would_inject',
        attributes: expect.objectContaining({ 'faultline.fault.id': 'slow', 'faultline.dry_run': true }),
      },
    ]);
  });

  it('records an injected error as an exception marked injected', async () => {
    const wrapped = await wrappedWith(
      {
        faults: [
          { id: 'crash', type: 'exception', probability: 1, message: 'db gone', errorName: 'DbError' },
        ],
      },
      async () => ({ status: 200 }),
    );
    const failure = await tracing
      .inSpan('GET /crash', () => wrapped({ requestId: 'r-3', trigger: 'queue' }, {}))
      .catch((error: unknown) => error);
    expect(isInjectedFault(failure)).toBe(true);
    const exception = tracing.span('GET /crash').events.find((event) => event.name === 'exception');
    expect(exception?.attributes).toMatchObject({
      'exception.type': 'DbError',
      'exception.message': 'db gone',
      'exception.stacktrace': expect.stringContaining('DbError'),
      'faultline.injected': true,
      'faultline.fault.id': 'crash',
      'faultline.fault.type': 'exception',
    });
  });

  it('records the injected error a status fault becomes on a trigger without responses', async () => {
    const wrapped = await wrappedWith(
      { faults: [{ id: 'unavailable', type: 'status', probability: 1, status: 503 }] },
      async () => undefined,
    );
    await tracing
      .inSpan('queue message', () => wrapped({ requestId: 'r-4', trigger: 'queue' }, {}))
      .catch(() => undefined);
    const exception = tracing.span('queue message').events.find((event) => event.name === 'exception');
    expect(exception?.attributes).toMatchObject({
      'exception.message': 'Injected status 503',
      'faultline.injected': true,
      'faultline.fault.id': 'unavailable',
    });
  });

  it('annotates the client span of the call a dependency fault slows', async () => {
    const wrapped = await wrappedWith(
      {
        faults: [
          {
            id: 'slow-pricing',
            type: 'dependency',
            probability: 1,
            hosts: ['localhost'],
            effect: 'latency',
            delayMs: 20,
          },
        ],
      },
      async () => {
        await tracing.inSpan(
          'GET pricing',
          async () => (await fetch(pricingUrl, { headers: { connection: 'close' } })).text(),
          SpanKind.CLIENT,
        );
        return { status: 200 };
      },
    );
    await tracing.inSpan('GET /orders', () => wrapped({ requestId: 'r-5' }, {}));

    const client = tracing.span('GET pricing');
    expect(client.attributes['faultline.injected']).toBe(true);
    expect(client.events.map((event) => event.attributes)).toEqual([
      expect.objectContaining({
        'faultline.fault.id': 'slow-pricing',
        'faultline.fault.type': 'dependency',
        'faultline.dependency.action': 'delay',
        'faultline.dependency.host': 'localhost',
      }),
    ]);
    expect(tracing.span('GET /orders').events.map((event) => event.name)).toEqual(['faultline.inject']);
  });

  it('annotates the client span of a call a blackhole refuses', async () => {
    const wrapped = await wrappedWith(
      { faults: [{ id: 'pricing-down', type: 'blackhole', probability: 1, hosts: ['localhost'] }] },
      async () => {
        await tracing
          .inSpan('GET pricing', () => fetch(pricingUrl).then((response) => response.text()), SpanKind.CLIENT)
          .catch(() => undefined);
        return { status: 200 };
      },
    );
    await tracing.inSpan('GET /orders', () => wrapped({ requestId: 'r-6' }, {}));
    expect(tracing.span('GET pricing').events[0]?.attributes).toMatchObject({
      'faultline.fault.id': 'pricing-down',
      'faultline.dependency.action': 'refuse',
    });
  });

  it('writes nothing to spans when nothing fires, or when openTelemetry is false', async () => {
    const idle = await wrappedWith(
      {
        faults: [
          {
            id: 'never',
            type: 'latency',
            probability: 1,
            delayMs: 1,
            match: [{ field: 'http.path', op: 'eq', value: '/x' }],
          },
        ],
      },
      async () => ({ status: 200 }),
    );
    await tracing.inSpan('GET /idle', () => idle({ requestId: 'r-7' }, {}));
    const off = await wrappedWith(
      { faults: [{ id: 'slow', type: 'latency', probability: 1, delayMs: 1 }] },
      async () => ({ status: 200 }),
      { openTelemetry: false },
    );
    await tracing.inSpan('GET /off', () => off({ requestId: 'r-8' }, {}));
    for (const name of ['GET /idle', 'GET /off']) {
      expect(tracing.span(name).events).toEqual([]);
      expect(tracing.span(name).attributes['faultline.injected']).toBeUndefined();
    }
  });
});
