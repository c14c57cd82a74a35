import { createRequire } from 'node:module';
import { type AzureFunctionsHttpServer, installAzureFunctionsHost } from '@faultline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The host must be installed before @azure/functions makes its first registration: the library decides once per
// process whether a worker is present.
const host = installAzureFunctionsHost({ onLog: () => {} });
const { app, HttpRequest, HttpResponse, InvocationContext } = await import('@azure/functions');

/*
 * The local host implements `@azure/functions-core`, an internal, unpublished contract between the library and the
 * Azure Functions Node.js worker. These tests pin what the host relies on, so a library upgrade that changes the
 * contract fails here, loudly, instead of silently serving requests differently from Azure.
 */
describe('the local Azure Functions host contract with @azure/functions 4.16.5', () => {
  let server: AzureFunctionsHttpServer;
  const seen: { request?: unknown; context?: unknown } = {};

  beforeAll(async () => {
    app.http('contractEcho', {
      route: 'echo/{id}/{rest?}',
      methods: ['GET', 'POST'],
      handler: async (request, context) => {
        seen.request = request;
        seen.context = context;
        const body = request.method === 'POST' ? await request.text() : '';
        return {
          status: 201,
          headers: { 'x-echo': request.params.id ?? '' },
          jsonBody: { id: request.params.id, q: request.query.get('q'), body, fn: context.functionName },
          cookies: [{ name: 'session', value: 'abc', httpOnly: true }],
        };
      },
    });
    app.http('contractResponseClass', {
      route: 'class',
      handler: () =>
        new HttpResponse({ status: 202, body: 'from class', headers: { 'content-type': 'text/plain' } }),
    });
    app.http('contractThrows', {
      route: 'throws',
      handler: () => {
        throw new Error('boom');
      },
    });
    app.storageQueue('contractLogs', {
      queueName: 'logs',
      connection: 'Storage',
      handler: (message: { token: string }, context) => {
        context.log(`token ${message.token}`);
      },
    });
    app.storageQueue('contractQueue', {
      queueName: 'orders',
      connection: 'Storage',
      handler: (message, context) => ({ received: message, trigger: context.options.trigger.type }),
    });
    server = await host.listen();
  });
  afterAll(async () => {
    await server.stop();
    host.unregisterFunctions();
  });

  it('receives the programming model and registrations from the pinned library version', () => {
    // Prepare
    const pinned = createRequire(import.meta.url)('@azure/functions/package.json') as { version: string };

    // Assess
    expect(pinned.version).toBe('4.16.5');
    expect(host.programmingModel).toEqual({ name: '@azure/functions', version: '4.16.5' });
    expect(host.functionNames).toEqual(
      expect.arrayContaining(['contractEcho', 'contractResponseClass', 'contractThrows', 'contractQueue']),
    );
    expect(host.functionMetadata('contractEcho')?.bindings).toMatchObject({
      $return: { type: 'http', direction: 'out' },
    });
  });

  it('turns a loopback HTTP request into the library’s own HttpRequest and InvocationContext', async () => {
    // Act
    const response = await fetch(`${server.url}/api/echo/42?q=yes`, {
      method: 'POST',
      headers: { 'x-custom': 'value' },
      body: 'payload',
    });

    // Assess
    expect(response.status).toBe(201);
    expect(response.headers.get('x-echo')).toBe('42');
    expect(response.headers.get('set-cookie')).toContain('session=abc');
    expect(await response.json()).toEqual({ id: '42', q: 'yes', body: 'payload', fn: 'contractEcho' });
    expect(seen.request).toBeInstanceOf(HttpRequest);
    expect(seen.context).toBeInstanceOf(InvocationContext);
    const context = seen.context as InstanceType<typeof InvocationContext>;
    expect(context.options.trigger.type).toBe('httpTrigger');
    expect(context.invocationId).toMatch(/^[0-9a-f-]{36}$/);
    const request = seen.request as InstanceType<typeof HttpRequest>;
    expect(request.headers.get('x-custom')).toBe('value');
    expect(new URL(request.url).pathname).toBe('/api/echo/42');
  });

  it('serializes HttpResponse instances through the library', async () => {
    // Act
    const response = await fetch(`${server.url}/api/class`);

    // Assess
    expect(response.status).toBe(202);
    expect(await response.text()).toBe('from class');
  });

  it('answers 500 when the handler throws and 404 for unknown routes', async () => {
    // Act
    const thrown = await fetch(`${server.url}/api/throws`);
    const unknown = await fetch(`${server.url}/api/nowhere`);

    // Assess
    expect(thrown.status).toBe(500);
    expect(unknown.status).toBe(404);
    expect(host.logs.some((entry) => entry.message.includes("Executed 'contractThrows' (Failed"))).toBe(true);
  });

  it('runs pre- and post-invocation hooks around the handler, letting them replace it and its result', async () => {
    // Prepare
    const order: string[] = [];
    const pre = app.hook.preInvocation((context) => {
      if (context.invocationContext.functionName !== 'contractResponseClass') return;
      order.push('pre');
      const original = context.functionHandler;
      context.functionHandler = (...args: unknown[]) => {
        order.push('replaced handler');
        return (original as (...inner: unknown[]) => unknown)(...args);
      };
      context.hookData.marker = 'shared';
    });
    const post = app.hook.postInvocation((context) => {
      if (context.invocationContext.functionName !== 'contractResponseClass') return;
      order.push(`post ${String(context.hookData.marker)}`);
      context.result = { status: 418, body: 'changed by hook' };
    });

    // Act
    const response = await fetch(`${server.url}/api/class`);
    pre.dispose();
    post.dispose();
    const afterDispose = await fetch(`${server.url}/api/class`);

    // Assess
    expect(order).toEqual(['pre', 'replaced handler', 'post shared']);
    expect(response.status).toBe(418);
    expect(await response.text()).toBe('changed by hook');
    expect(afterDispose.status).toBe(202);
    expect(host.hookCount('preInvocation')).toBe(0);
  });

  it('runs log hooks on user logs, letting them rewrite the message', async () => {
    // Prepare
    const seen: string[] = [];
    const hook = app.hook.log((context) => {
      if (context.category !== 'user') return;
      seen.push(`${context.invocationContext?.functionName}: ${context.message}`);
      context.message = context.message.replace(/secret-\w+/g, '[redacted]');
    });

    // Act
    await host.invoke('contractLogs', { token: 'secret-abc' });
    hook.dispose();

    // Assess
    expect(seen).toEqual(['contractLogs: token secret-abc']);
    expect(host.logs.some((entry) => entry.message === 'token [redacted]')).toBe(true);
  });

  it('invokes non-HTTP triggers with the library’s input conversion', async () => {
    // Act
    const result = await host.invoke('contractQueue', { orderId: 7 });

    // Assess
    expect(result.returnValue).toEqual({ received: { orderId: 7 }, trigger: 'queueTrigger' });
  });
});
