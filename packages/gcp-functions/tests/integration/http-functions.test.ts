import type { ServerResponse } from 'node:http';
import { createFaultEngine, createInlineSource, type FaultEngine } from '@faultline/core';
import { createMemorySink, createRecordingSleep } from '@faultline/core/testing';
import type { Request, Response } from '@google-cloud/functions-framework';
import { afterEach, describe, expect, it } from 'vitest';
import { type GcpFaultlineOptions, withFaults } from '../../src/index.js';
import { type ServedFunction, serveFunction } from '../support/framework-server.js';

const opened: { close(): unknown }[] = [];

afterEach(async () => {
  await Promise.all(opened.splice(0).map((resource) => resource.close()));
});

async function engineFor(faults: object[], extra: Partial<Parameters<typeof createFaultEngine>[0]> = {}) {
  const sink = createMemorySink();
  const sleep = createRecordingSleep();
  const engine = createFaultEngine({
    source: createInlineSource({ schemaVersion: 1, id: 'gcp-http', faults }),
    onEvent: sink,
    logLevel: 'debug',
    sleep,
    ...extra,
  });
  opened.push(engine);
  await engine.ready();
  return { engine, sink, sleep };
}

async function serve(
  handler: (request: Request, response: Response) => unknown,
  engine: FaultEngine,
  options: GcpFaultlineOptions = {},
): Promise<ServedFunction> {
  const served = await serveFunction(
    'http',
    withFaults(handler, {
      engine,
      // A deployment declares its stage; tests that pass their own environment declare it there.
      ...(options.environment === undefined ? { stage: 'test' } : {}),
      ...options,
    }),
  );
  opened.push(served);
  return served;
}

function onPath(path: string) {
  return [{ field: 'http.path', op: 'eq', value: path }];
}

describe('withFaults on the real Functions Framework', () => {
  it('passes requests no fault is sampled for straight to the handler', async () => {
    const { engine, sink } = await engineFor([
      { id: 'teapot', type: 'status', status: 418, probability: 1, match: onPath('/elsewhere') },
    ]);
    const served = await serve((request, response) => {
      response.set('x-handler', 'yes').json({ path: request.path });
    }, engine);

    const response = await fetch(`${served.url}/orders/1`);

    expect(response.status).toBe(200);
    expect(response.headers.get('x-handler')).toBe('yes');
    expect(await response.json()).toEqual({ path: '/orders/1' });
    expect(sink.ofType('inject')).toHaveLength(0);
  });

  it('writes an injected status response with its headers and body, and skips the handler', async () => {
    const { engine } = await engineFor([
      {
        id: 'unavailable',
        type: 'status',
        status: 503,
        headers: { 'retry-after': '7' },
        body: { message: 'Service unavailable' },
        probability: 1,
      },
    ]);
    let handlerCalls = 0;
    const served = await serve((_request, response) => {
      handlerCalls++;
      response.send('handler');
    }, engine);

    const response = await fetch(`${served.url}/orders/1`);

    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('7');
    expect(response.headers.get('content-type')).toMatch(/application\/json/);
    expect(await response.json()).toEqual({ message: 'Service unavailable' });
    expect(handlerCalls).toBe(0);
  });

  it('rewrites the body the handler sent with res.json when a corrupt fault fires, keeping status and headers', async () => {
    const { engine } = await engineFor([
      { id: 'broken', type: 'corrupt', mode: 'replace', body: '{"truncat', probability: 1 },
    ]);
    const served = await serve((_request, response) => {
      response.status(201).set('x-order', '42').json({ id: 42, item: 'book' });
    }, engine);

    const response = await fetch(`${served.url}/orders`, { method: 'POST' });

    expect(response.status).toBe(201);
    expect(response.headers.get('x-order')).toBe('42');
    expect(response.headers.get('content-length')).toBe(String('{"truncat'.length));
    expect(response.headers.get('etag')).toBeNull();
    expect(await response.text()).toBe('{"truncat');
  });

  it('rewrites a response the handler streams with write() and ends later from a callback', async () => {
    const { engine } = await engineFor([
      { id: 'half', type: 'corrupt', mode: 'truncate', status: 200, probability: 1 },
    ]);
    const served = await serve((_request, response) => {
      response.writeHead(202, { 'content-type': 'text/plain' });
      response.write('abcd');
      setTimeout(() => {
        response.write('efgh');
        response.end();
      }, 20);
    }, engine);

    const response = await fetch(`${served.url}/stream`);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain');
    expect(await response.text()).toBe('abcd');
  });

  it('sends a body larger than the capture limit unchanged instead of holding it', async () => {
    const { engine, sink } = await engineFor([
      { id: 'broken', type: 'corrupt', mode: 'replace', probability: 1 },
    ]);
    const chunk = 'x'.repeat(1024);
    const served = await serve(
      (_request, response) => {
        for (let index = 0; index < 8; index++) response.write(chunk);
        response.end('!');
      },
      engine,
      { maxCapturedBodyBytes: 4096 },
    );

    const response = await fetch(`${served.url}/large`);

    expect(response.status).toBe(200);
    expect(await response.text()).toBe(`${chunk.repeat(8)}!`);
    expect(sink.ofType('internal-error')).toHaveLength(0);
  });

  it('lets an injected exception crash the request like an unhandled error (HTTP 500), handler skipped', async () => {
    const { engine } = await engineFor([
      { id: 'crash', type: 'exception', message: 'pricing exploded', probability: 1 },
    ]);
    let handlerCalls = 0;
    const served = await serve((_request, response) => {
      handlerCalls++;
      response.send('fine');
    }, engine);

    const response = await fetch(`${served.url}/orders/1`);

    expect(response.status).toBe(500);
    expect(response.headers.get('x-google-status')).toBe('crash');
    expect(await response.text()).toContain('pricing exploded');
    expect(handlerCalls).toBe(0);
  });

  it("leaves the handler's own error untouched while a fault is active", async () => {
    const { engine } = await engineFor([{ id: 'broken', type: 'corrupt', probability: 1 }]);
    const served = await serve(async () => {
      throw new Error('handler bug');
    }, engine);

    const response = await fetch(`${served.url}/orders/1`);

    expect(response.status).toBe(500);
    expect(await response.text()).toBe('handler bug');
  });

  it('delays the handler for a latency fault', async () => {
    const { engine, sleep } = await engineFor([
      { id: 'slow', type: 'latency', delayMs: 1500, probability: 1 },
    ]);
    const served = await serve((_request, response) => {
      response.send('late');
    }, engine);

    const response = await fetch(`${served.url}/orders/1`);

    expect(await response.text()).toBe('late');
    expect(sleep.calls).toEqual([1500]);
  });

  it('normalizes the invocation: function, region, stage, trace request id, method, path, headers and query', async () => {
    const match = [
      { field: 'cloud', op: 'eq', value: 'gcp' },
      { field: 'function', op: 'eq', value: 'orders' },
      { field: 'region', op: 'eq', value: 'europe-west1' },
      { field: 'stage', op: 'eq', value: 'dev' },
      { field: 'trigger', op: 'eq', value: 'http' },
      { field: 'requestId', op: 'eq', value: '105445aa7843bc8bf206b12000100000' },
      { field: 'http.method', op: 'eq', value: 'PUT' },
      { field: 'http.path', op: 'eq', value: '/orders/7' },
      { field: 'http.header.X-Tenant', op: 'eq', value: 'acme' },
      { field: 'http.query.verbose', op: 'eq', value: 'yes' },
    ];
    const { engine, sink } = await engineFor([
      { id: 'teapot', type: 'status', status: 418, probability: 1, match },
    ]);
    const served = await serve(
      (_request, response) => {
        response.send('not matched');
      },
      engine,
      {
        environment: { K_SERVICE: 'orders', FUNCTION_REGION: 'europe-west1', FAULTLINE_STAGE: 'dev' },
      },
    );

    const matched = await fetch(`${served.url}/orders/7?verbose=yes&verbose=no`, {
      method: 'PUT',
      headers: { 'x-tenant': 'acme', 'x-cloud-trace-context': '105445aa7843bc8bf206b12000100000/1;o=1' },
    });
    const otherTenant = await fetch(`${served.url}/orders/7?verbose=yes`, {
      method: 'PUT',
      headers: { 'x-tenant': 'other', 'x-cloud-trace-context': '105445aa7843bc8bf206b12000100000/1;o=1' },
    });

    expect(matched.status).toBe(418);
    expect(otherTenant.status).toBe(200);
    expect(sink.ofType('inject').map((event) => event.requestId)).toEqual([
      '105445aa7843bc8bf206b12000100000',
    ]);
  });

  it('treats a function without a declared stage as production: no fault, one event saying how to declare it', async () => {
    // Prepare: no stage option, no FAULTLINE_STAGE (Cloud Functions has no stage of its own)
    const { engine, sink } = await engineFor([{ id: 'teapot', type: 'status', status: 418, probability: 1 }]);
    const served = await serveFunction(
      'http',
      withFaults((_request: Request, response: Response) => response.send('handled'), {
        engine,
        environment: { K_SERVICE: 'orders' },
      }),
    );
    opened.push(served);

    // Act
    const statuses = [];
    for (let index = 0; index < 3; index++) statuses.push((await fetch(served.url)).status);
    const declared = await serve((_request, response) => response.send('handled'), engine, {
      environment: { K_SERVICE: 'orders', FAULTLINE_STAGE: 'staging' },
    });
    const declaredStatus = (await fetch(declared.url)).status;
    const byOption = await serve((_request, response) => response.send('handled'), engine, {
      environment: { K_SERVICE: 'orders' },
      stage: 'test',
    });
    const byOptionStatus = (await fetch(byOption.url)).status;

    // Assess
    expect(byOptionStatus).toBe(418);
    expect(statuses).toEqual([200, 200, 200]);
    expect(sink.ofType('production-refused')).toHaveLength(1);
    expect(sink.ofType('production-refused')[0]?.message).toMatch(/stage is unknown.*FAULTLINE_STAGE/);
    expect(declaredStatus).toBe(418);
  });

  it('takes the request id from traceparent or Function-Execution-Id when there is no Cloud Trace header', async () => {
    const { engine, sink } = await engineFor([{ id: 'slow', type: 'latency', delayMs: 1, probability: 1 }]);
    const served = await serve((_request, response) => {
      response.end();
    }, engine);

    await fetch(served.url, {
      headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
    });
    await fetch(served.url, { headers: { 'function-execution-id': 'exec-123' } });
    await fetch(served.url);

    const requestIds = sink.ofType('inject').map((event) => event.requestId);
    expect(requestIds.slice(0, 2)).toEqual(['4bf92f3577b34da6a3ce929d0e0e4736', 'exec-123']);
    expect(requestIds[2]).toMatch(/^faultline-/);
  });

  it('removes the CORS headers the handler set (cors fault, remove mode), leaving the rest of the response', async () => {
    const { engine } = await engineFor([{ id: 'no-cors', type: 'cors', mode: 'remove', probability: 1 }]);
    const served = await serve((_request, response) => {
      response
        .set({
          'Access-Control-Allow-Origin': 'https://shop.example',
          'Access-Control-Allow-Methods': 'GET',
          'x-kept': '1',
        })
        .json({ ok: true });
    }, engine);

    const response = await fetch(`${served.url}/orders/1`);

    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(response.headers.get('access-control-allow-methods')).toBeNull();
    expect(response.headers.get('x-kept')).toBe('1');
    expect(await response.json()).toEqual({ ok: true });
  });

  it('overrides the CORS headers the handler set (cors fault, override mode)', async () => {
    const { engine } = await engineFor([
      {
        id: 'wrong-origin',
        type: 'cors',
        mode: 'override',
        headers: { 'Access-Control-Allow-Origin': 'https://wrong.example' },
        probability: 1,
      },
    ]);
    const served = await serve((_request, response) => {
      response.set('Access-Control-Allow-Origin', 'https://shop.example').send('ok');
    }, engine);

    const response = await fetch(`${served.url}/orders/1`);

    expect(response.headers.get('access-control-allow-origin')).toBe('https://wrong.example');
    expect(await response.text()).toBe('ok');
  });

  describe('injection marker for faultline run (x-faultline-run-token → x-faultline-injected)', () => {
    const runToken = 'gcp-run-token-0123456789abcdef';

    async function engineWithToken(faults: object[]) {
      const sink = createMemorySink();
      const engine = createFaultEngine({
        source: createInlineSource({ schemaVersion: 1, id: 'gcp-http', runToken, faults }),
        onEvent: sink,
        sleep: createRecordingSleep(),
      });
      opened.push(engine);
      await engine.ready();
      return engine;
    }

    it("marks the Functions Framework's 500 for an injected exception, only for requests with the token", async () => {
      const engine = await engineWithToken([{ id: 'crash', type: 'exception', probability: 1 }]);
      const served = await serve((_request, response) => response.send('fine'), engine);

      const marked = await fetch(`${served.url}/orders/1`, {
        headers: { 'x-faultline-run-token': runToken },
      });
      const unmarked = await fetch(`${served.url}/orders/1`);

      expect(marked.status).toBe(500);
      expect(marked.headers.get('x-faultline-injected')).toBe('crash');
      expect(unmarked.status).toBe(500);
      expect(unmarked.headers.get('x-faultline-injected')).toBeNull();
    });

    it('marks a throttled 429 and a response the handler wrote', async () => {
      const engine = await engineWithToken([
        { id: 'cap', type: 'concurrency', maxInFlight: 1, probability: 1 },
      ]);
      const served = await serve(async (_request, response) => {
        await new Promise((resolve) => setTimeout(resolve, 300));
        response.set('x-handler', 'yes').send('served');
      }, engine);

      const headers = { 'x-faultline-run-token': runToken };
      const responses = await Promise.all([fetch(served.url, { headers }), fetch(served.url, { headers })]);

      expect(responses.map((response) => response.status).sort()).toEqual([200, 429]);
      for (const response of responses) expect(response.headers.get('x-faultline-injected')).toBe('cap');
      const served200 = responses.find((response) => response.status === 200);
      expect(served200?.headers.get('x-handler')).toBe('yes');
      expect(await served200?.text()).toBe('served');
    });
  });

  it('answers 429 with Retry-After for requests over the concurrency cap, and serves the others', async () => {
    const { engine } = await engineFor([
      { id: 'cap', type: 'concurrency', maxInFlight: 1, probability: 1, retryAfterSeconds: 1 },
    ]);
    const served = await serve(async (_request, response) => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      response.send('served');
    }, engine);

    const responses = await Promise.all([fetch(served.url), fetch(served.url)]);

    const throttled = responses.find((response) => response.status === 429);
    expect(responses.map((response) => response.status).sort()).toEqual([200, 429]);
    expect(throttled?.headers.get('retry-after')).toBe('1');
    expect(throttled?.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await throttled?.json()).toEqual({
      error: 'TooManyRequests',
      message: 'Too Many Requests',
      reason: 'concurrency limit of 1 in-flight invocations reached (fault cap)',
    });
  });

  it('times the request out against the deadline from the timeoutMs option (timeout fault)', async () => {
    const { engine, sleep } = await engineFor([
      { id: 'hang', type: 'timeout', bufferMs: 100, probability: 1 },
    ]);
    let handlerCalls = 0;
    const served = await serve(
      (_request, response) => {
        handlerCalls++;
        response.send('in time');
      },
      engine,
      { timeoutMs: 60_000 },
    );

    const response = await fetch(`${served.url}/orders/1`);

    expect(response.status).toBe(500);
    expect(handlerCalls).toBe(0);
    expect(sleep.calls).toHaveLength(1);
    expect(sleep.calls[0]).toBeGreaterThan(59_000);
    expect(sleep.calls[0]).toBeLessThanOrEqual(59_900);
  });

  it('skips a timeout fault when no timeoutMs is configured (the platform sends no deadline)', async () => {
    const { engine, sleep } = await engineFor([{ id: 'hang', type: 'timeout', probability: 1 }]);
    const served = await serve((_request, response) => {
      response.send('in time');
    }, engine);

    const response = await fetch(`${served.url}/orders/1`);

    expect(response.status).toBe(200);
    expect(await response.text()).toBe('in time');
    expect(sleep.calls).toEqual([]);
  });

  it('copes with a client that disconnects while its response is held back, and keeps serving', async () => {
    const { engine, sink } = await engineFor([
      { id: 'broken', type: 'corrupt', mode: 'truncate', probability: 1 },
    ]);
    const handlerErrors: unknown[] = [];
    let finished = 0;
    const served = await serve(async (request, response) => {
      await new Promise((resolve) => setTimeout(resolve, request.path === '/slow' ? 300 : 0));
      try {
        response.send('complete body');
        finished++;
      } catch (error) {
        handlerErrors.push(error);
      }
    }, engine);
    const controller = new AbortController();

    const abandoned = fetch(`${served.url}/slow`, { signal: controller.signal }).catch(
      (error: unknown) => error,
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort();
    await abandoned;
    await new Promise((resolve) => setTimeout(resolve, 400));
    const next = await fetch(`${served.url}/fast`);

    expect(await next.text()).toBe('complete body'.slice(0, 6));
    expect(finished).toBe(2);
    expect(handlerErrors).toEqual([]);
    expect(sink.ofType('internal-error')).toEqual([]);
  });

  it('returns the handler itself when FAULTLINE_DISABLED is set', () => {
    const handler = (_request: Request, response: ServerResponse) => response.end();

    const wrapped = withFaults(handler, { environment: { FAULTLINE_DISABLED: '1' } });

    expect(wrapped).toBe(handler);
  });
});
