import { HttpRequest, HttpResponse, type HttpResponseInit, InvocationContext } from '@azure/functions';
import { createFaultEngine, createInlineSource, isInjectedFault } from '@faultline/core';
import {
  createFakeClock,
  createMemorySink,
  createRecordingSleep,
  immediateSleep,
} from '@faultline/core/testing';
import { describe, expect, it, vi } from 'vitest';
import { isFaultWrapped, withFaults } from '../../src/index.js';

type Fault = Record<string, unknown> & { id: string; type: string };

function experiment(faults: Fault[], extra: Record<string, unknown> = {}) {
  return {
    schemaVersion: 1,
    id: 'azure-unit',
    faults: faults.map((fault) => ({ probability: 1, ...fault })),
    ...extra,
  };
}

function engineFor(faults: Fault[], extra: Record<string, unknown> = {}) {
  const sink = createMemorySink();
  const engine = createFaultEngine({
    source: createInlineSource(experiment(faults, extra)),
    onEvent: sink,
    logLevel: 'debug',
    sleep: immediateSleep,
    environment: { FAULTLINE_STAGE: 'test' },
  });
  return { engine, sink };
}

function httpRequest(
  path = '/api/orders/7',
  init: { method?: string; headers?: Record<string, string> } = {},
) {
  return new HttpRequest({
    method: init.method ?? 'GET',
    url: `http://127.0.0.1:7071${path}`,
    headers: init.headers ?? {},
  });
}

function invocationContext(functionName: string, trigger: Record<string, unknown> & { type: string }) {
  return new InvocationContext({
    functionName,
    invocationId: `inv-${Math.random().toString(36).slice(2)}`,
    options: { trigger: { name: 'trigger', ...trigger } },
  });
}

const httpContext = (functionName = 'orders') => invocationContext(functionName, { type: 'httpTrigger' });
const queueContext = () => invocationContext('ship', { type: 'queueTrigger', queueName: 'shipments' });

describe('the production guard on Azure Functions', () => {
  it('treats a function app without a declared stage as production: no fault, one event saying how to declare it', async () => {
    // Prepare: no stage option and no FAULTLINE_STAGE (Azure has no stage of its own)
    const sink = createMemorySink();
    const engine = createFaultEngine({
      source: createInlineSource(experiment([{ id: 'down', type: 'status', status: 503 }])),
      onEvent: sink,
      sleep: immediateSleep,
      environment: {},
    });
    const handler = vi.fn(async () => ({ status: 200 }));
    const undeclared = withFaults(handler, { engine, environment: {} });
    const declared = withFaults(handler, { engine, environment: {}, stage: 'staging' });

    // Act
    const results = [];
    for (let index = 0; index < 3; index++) results.push(await undeclared(httpRequest(), httpContext()));
    const declaredResult = await declared(httpRequest(), httpContext());

    // Assess
    expect(results.map((result) => (result as HttpResponseInit).status)).toEqual([200, 200, 200]);
    expect(handler).toHaveBeenCalledTimes(3);
    expect(sink.ofType('production-refused')).toHaveLength(1);
    expect(sink.ofType('production-refused')[0]?.message).toMatch(/stage is unknown.*FAULTLINE_STAGE/);
    expect((declaredResult as HttpResponseInit).status).toBe(503);
  });
});

describe('withFaults on HTTP triggers, with the library’s real HttpRequest and InvocationContext', () => {
  it('answers an injected status as an HttpResponseInit without calling the handler', async () => {
    // Prepare
    const { engine, sink } = engineFor([
      { id: 'down', type: 'status', status: 503, body: { error: 'down' } },
    ]);
    const handler = vi.fn(async () => ({ jsonBody: { ok: true } }));
    const wrapped = withFaults(handler, { engine, environment: { FAULTLINE_STAGE: 'test' } });

    // Act
    const response = (await wrapped(httpRequest(), httpContext())) as HttpResponseInit;

    // Assess
    expect(handler).not.toHaveBeenCalled();
    expect(response.status).toBe(503);
    expect(JSON.parse(String(response.body))).toEqual({ error: 'down' });
    expect(await new HttpResponse(response).json()).toEqual({ error: 'down' });
    expect(sink.events.some((event) => event.type === 'inject' && event.faultId === 'down')).toBe(true);
  });

  it('throws an InjectedFaultError for an exception fault', async () => {
    // Prepare
    const { engine } = engineFor([{ id: 'boom', type: 'exception', message: 'chaos says no' }]);
    const wrapped = withFaults(async () => ({ body: 'fine' }), {
      engine,
      environment: { FAULTLINE_STAGE: 'test' },
    });

    // Act
    const failure = await wrapped(httpRequest(), httpContext()).catch((error: unknown) => error);

    // Assess
    expect(isInjectedFault(failure)).toBe(true);
    expect(failure).toMatchObject({ message: 'chaos says no', faultId: 'boom', experimentId: 'azure-unit' });
  });

  it('corrupts an HttpResponseInit with a JSON body', async () => {
    // Prepare
    const { engine } = engineFor([{ id: 'garbage', type: 'corrupt', mode: 'replace', body: 'not json' }]);
    const wrapped = withFaults(
      async () => ({ status: 200, jsonBody: { id: 7 }, cookies: [{ name: 'a', value: 'b' }] }),
      {
        engine,
        environment: { FAULTLINE_STAGE: 'test' },
      },
    );

    // Act
    const response = (await wrapped(httpRequest(), httpContext())) as HttpResponseInit;

    // Assess
    expect(response.body).toBe('not json');
    expect(response.jsonBody).toBeUndefined();
    expect(response.cookies).toEqual([{ name: 'a', value: 'b' }]);
    expect(await new HttpResponse(response).text()).toBe('not json');
  });

  it('corrupts an HttpResponse instance by reading its stream body once and rebuilding the response', async () => {
    // Prepare
    const { engine } = engineFor([{ id: 'cut', type: 'corrupt', mode: 'truncate' }]);
    const original = JSON.stringify({ id: 7, item: 'widget', price: 12.5 });
    const wrapped = withFaults(
      async () =>
        new HttpResponse({
          status: 201,
          body: original,
          headers: { 'content-type': 'application/json', 'x-kept': 'yes' },
        }),
      { engine, environment: { FAULTLINE_STAGE: 'test' } },
    );

    // Act
    const response = (await wrapped(httpRequest(), httpContext())) as HttpResponseInit;
    const served = new HttpResponse(response);

    // Assess
    expect(served.status).toBe(201);
    expect(served.headers.get('x-kept')).toBe('yes');
    const text = await served.text();
    expect(text.length).toBeLessThan(original.length);
    expect(original.startsWith(text)).toBe(true);
  });

  it('removes CORS headers from an HttpResponse instance and keeps its exact bytes', async () => {
    // Prepare
    const { engine } = engineFor([{ id: 'no-cors', type: 'cors', mode: 'remove' }]);
    const bytes = new Uint8Array([0xff, 0xfe, 0x00, 0x01, 0x80]);
    const wrapped = withFaults(
      async () =>
        new HttpResponse({
          body: bytes,
          headers: { 'Access-Control-Allow-Origin': '*', 'content-type': 'application/octet-stream' },
        }),
      { engine, environment: { FAULTLINE_STAGE: 'test' } },
    );

    // Act
    const response = (await wrapped(httpRequest(), httpContext())) as HttpResponseInit;
    const served = new HttpResponse(response);

    // Assess
    expect(served.headers.get('access-control-allow-origin')).toBeNull();
    expect(served.headers.get('content-type')).toBe('application/octet-stream');
    expect([...new Uint8Array(await served.arrayBuffer())]).toEqual([...bytes]);
  });

  it('throttles HTTP invocations over the concurrency cap with a 429 while the others run', async () => {
    // Prepare
    const { engine } = engineFor([{ id: 'cap', type: 'concurrency', maxInFlight: 1, retryAfterSeconds: 1 }]);
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const wrapped = withFaults(
      async () => {
        await gate;
        return { body: 'served' };
      },
      { engine, environment: { FAULTLINE_STAGE: 'test' } },
    );

    // Act
    const first = wrapped(httpRequest(), httpContext());
    const second = (await wrapped(httpRequest(), httpContext())) as HttpResponseInit;
    release();

    // Assess
    expect(second).toEqual({
      status: 429,
      headers: { 'content-type': 'application/json', 'retry-after': '1' },
      body: JSON.stringify({
        error: 'TooManyRequests',
        message: 'Too Many Requests',
        reason: 'concurrency limit of 1 in-flight invocations reached (fault cap)',
      }),
    });
    expect(await first).toEqual({ body: 'served' });
  });

  it('leaves invocations that do not match untouched, returning the handler’s own result', async () => {
    // Prepare
    const { engine } = engineFor([
      {
        id: 'only-admin',
        type: 'status',
        status: 500,
        match: [
          { field: 'http.path', op: 'glob', value: '/admin/*' },
          { field: 'http.header.x-tenant', op: 'eq', value: 'blue' },
          { field: 'function', op: 'eq', value: 'admin' },
        ],
      },
    ]);
    const result = { jsonBody: { ok: true } };
    const wrapped = withFaults(async () => result, { engine, environment: { FAULTLINE_STAGE: 'test' } });

    // Act
    const otherPath = await wrapped(
      httpRequest('/api/orders/1', { headers: { 'X-Tenant': 'blue' } }),
      httpContext('admin'),
    );
    const otherTenant = await wrapped(
      httpRequest('/api/admin/1', { headers: { 'X-Tenant': 'red' } }),
      httpContext('admin'),
    );
    const matching = (await wrapped(
      httpRequest('/api/admin/1', { headers: { 'X-Tenant': 'blue' } }),
      httpContext('admin'),
    )) as HttpResponseInit;

    // Assess
    expect(otherPath).toBe(result);
    expect(otherTenant).toBe(result);
    expect(matching.status).toBe(500);
  });

  it('reports would-inject events in dry-run mode and changes nothing', async () => {
    // Prepare
    const { engine, sink } = engineFor([{ id: 'down', type: 'status', status: 503 }], { mode: 'dry-run' });
    const result = { body: 'real' };
    const wrapped = withFaults(async () => result, { engine, environment: { FAULTLINE_STAGE: 'test' } });

    // Act
    const response = await wrapped(httpRequest(), httpContext());

    // Assess
    expect(response).toBe(result);
    expect(
      sink.events.filter((event) => event.type === 'would-inject').map((event) => event.faultId),
    ).toEqual(['down']);
  });

  it('never wraps twice: wrapping a wrapped handler returns it unchanged', async () => {
    // Prepare
    const { engine, sink } = engineFor([{ id: 'slow', type: 'latency', delayMs: 5 }]);
    const once = withFaults(async () => ({ body: 'ok' }), {
      engine,
      environment: { FAULTLINE_STAGE: 'test' },
    });

    // Act
    const twice = withFaults(once, { engine, environment: { FAULTLINE_STAGE: 'test' } });
    await twice(httpRequest(), httpContext());

    // Assess
    expect(twice).toBe(once);
    expect(sink.events.filter((event) => event.type === 'inject')).toHaveLength(1);
  });

  it('returns the handler itself when FAULTLINE_DISABLED=1', () => {
    // Prepare
    const handler = async () => ({ body: 'ok' });

    // Act
    const wrapped = withFaults(handler, { environment: { FAULTLINE_DISABLED: '1' } });

    // Assess
    expect(wrapped).toBe(handler);
    expect(isFaultWrapped(wrapped)).toBe(false);
  });
});

describe('withFaults on non-HTTP triggers', () => {
  it('throws an InjectedFaultError carrying the status for a status fault on a queue message', async () => {
    // Prepare
    const { engine } = engineFor([{ id: 'poison', type: 'status', status: 503 }]);
    const handler = vi.fn(async (_message: unknown) => undefined);
    const wrapped = withFaults(handler, { engine, environment: { FAULTLINE_STAGE: 'test' } });

    // Act
    const failure = await wrapped({ orderId: 1 }, queueContext()).catch((error: unknown) => error);

    // Assess
    expect(handler).not.toHaveBeenCalled();
    expect(isInjectedFault(failure)).toBe(true);
    expect(failure).toMatchObject({ status: 503, faultId: 'poison' });
  });

  it('matches queue messages by trigger, event type and queue name', async () => {
    // Prepare
    const { engine } = engineFor([
      {
        id: 'queue-only',
        type: 'exception',
        match: [
          { field: 'trigger', op: 'eq', value: 'queue' },
          { field: 'event.type', op: 'eq', value: 'azure:storage-queue' },
          { field: 'event.source', op: 'eq', value: 'shipments' },
          { field: 'raw.orderId', op: 'eq', value: 1 },
        ],
      },
    ]);
    const wrapped = withFaults(async (message: { orderId: number }) => message.orderId, {
      engine,
      environment: { FAULTLINE_STAGE: 'test' },
    });

    // Act
    const matched = await wrapped({ orderId: 1 }, queueContext()).catch((error: unknown) => error);
    const other = await wrapped({ orderId: 2 }, queueContext());

    // Assess
    expect(isInjectedFault(matched)).toBe(true);
    expect(other).toBe(2);
  });

  it('throttles queue invocations over the concurrency cap with an InjectedFaultError', async () => {
    // Prepare
    const { engine } = engineFor([{ id: 'cap', type: 'concurrency', maxInFlight: 1, retryAfterSeconds: 1 }]);
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const wrapped = withFaults(async () => gate, { engine, environment: { FAULTLINE_STAGE: 'test' } });

    // Act
    const first = wrapped({ orderId: 1 }, queueContext());
    const second = await wrapped({ orderId: 2 }, queueContext()).catch((error: unknown) => error);
    release();
    await first;

    // Assess
    expect(isInjectedFault(second)).toBe(true);
    expect(second).toMatchObject({ status: 429, faultId: 'cap' });
  });

  it('times out just before the functionTimeout deadline, read once from the app setting', async () => {
    // Prepare
    const clock = createFakeClock();
    const sleep = createRecordingSleep(clock);
    const engine = createFaultEngine({
      source: createInlineSource(experiment([{ id: 'hang', type: 'timeout', bufferMs: 100 }])),
      onEvent: () => {},
      clock,
      sleep,
      environment: { FAULTLINE_STAGE: 'test' },
    });
    const handler = vi.fn(async () => undefined);
    const wrapped = withFaults(handler, {
      engine,
      clock,
      environment: { AzureFunctionsJobHost__functionTimeout: '00:00:10', FAULTLINE_STAGE: 'test' },
    });

    // Act
    const failure = await wrapped({ orderId: 1 }, queueContext()).catch((error: unknown) => error);

    // Assess
    expect(sleep.calls).toEqual([9_900]);
    expect(isInjectedFault(failure)).toBe(true);
    expect(failure).toMatchObject({ faultId: 'hang', faultType: 'timeout' });
    expect(handler).not.toHaveBeenCalled();
  });

  it('delivers a Service Bus message twice under a duplicate fault, to test idempotency', async () => {
    // Prepare
    const { engine } = engineFor([{ id: 'twice', type: 'duplicate', times: 2 }]);
    const seen: unknown[] = [];
    const wrapped = withFaults(
      async (message: { orderId: number }) => {
        seen.push(message.orderId);
      },
      { engine, environment: { FAULTLINE_STAGE: 'test' } },
    );

    // Act
    await wrapped(
      { orderId: 7 },
      invocationContext('payments', { type: 'serviceBusTrigger', queueName: 'payments' }),
    );

    // Assess
    expect(seen).toEqual([7, 7]);
  });

  it('passes handler errors through untouched', async () => {
    // Prepare
    const { engine } = engineFor([{ id: 'slow', type: 'latency', delayMs: 10 }]);
    const own = new Error('the handler’s own failure');
    const wrapped = withFaults(
      async () => {
        throw own;
      },
      { engine, environment: { FAULTLINE_STAGE: 'test' } },
    );

    // Act
    const failure = await wrapped({}, queueContext()).catch((error: unknown) => error);

    // Assess
    expect(failure).toBe(own);
  });
});

describe('without a config source', () => {
  it('says which variables to set: the App Configuration ones first', async () => {
    // A fresh module graph: the engine without a source is shared per process and says it once.
    vi.resetModules();
    const { withFaults: fresh } = await import('../../src/index.js');
    const sink = createMemorySink();
    const handler = fresh(async () => ({ body: 'ok' }), { onEvent: sink, environment: {} });

    await handler(httpRequest(), httpContext());

    const [missing] = sink.ofType('config-missing');
    expect(missing?.message).toMatch(/set FAULTLINE_AZURE_APPCONFIG_KEY/);
  });
});

describe('withFaults picking App Configuration from the environment', () => {
  it('uses the deprecated FAULTLINE_APPCONFIG_* names, with one deprecation event per old name', async () => {
    // Prepare
    const sink = createMemorySink();
    const handler = vi.fn(async () => ({ body: 'ok' }));
    const wrapped = withFaults(handler, {
      onEvent: sink,
      environment: {
        FAULTLINE_APPCONFIG_KEY: 'faultline:legacy',
        FAULTLINE_APPCONFIG_ENDPOINT: 'https://127.0.0.1:1',
      },
    });

    // Act
    await wrapped(httpRequest(), httpContext());
    await wrapped(httpRequest(), httpContext());

    // Assess: the App Configuration source was chosen (it cannot read: no credential here, so it fails open).
    expect(handler).toHaveBeenCalledTimes(2);
    expect(sink.events.map((event) => event.configSource)).toContain(
      'appconfig:127.0.0.1:1/faultline:legacy',
    );
    expect(sink.ofType('deprecation').map((event) => event.details)).toEqual([
      { variable: 'FAULTLINE_APPCONFIG_KEY', replacement: 'FAULTLINE_AZURE_APPCONFIG_KEY' },
      { variable: 'FAULTLINE_APPCONFIG_ENDPOINT', replacement: 'FAULTLINE_AZURE_APPCONFIG_ENDPOINT' },
    ]);
  });

  it('uses FAULTLINE_AZURE_APPCONFIG_* without any deprecation event', async () => {
    // Prepare
    const sink = createMemorySink();
    const wrapped = withFaults(async () => ({ body: 'ok' }), {
      onEvent: sink,
      environment: {
        FAULTLINE_AZURE_APPCONFIG_KEY: 'faultline:new',
        FAULTLINE_AZURE_APPCONFIG_ENDPOINT: 'https://127.0.0.1:1',
      },
    });

    // Act
    await wrapped(httpRequest(), httpContext());

    // Assess
    expect(sink.events.map((event) => event.configSource)).toContain('appconfig:127.0.0.1:1/faultline:new');
    expect(sink.ofType('deprecation')).toEqual([]);
  });
});
