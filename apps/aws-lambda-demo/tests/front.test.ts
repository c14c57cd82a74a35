import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { type Front, startFront } from '../src/front.js';

let front: Front | undefined;

afterEach(async () => {
  await front?.close();
  front = undefined;
});

describe('the API Gateway–style front', () => {
  it('turns a request into a payload 2.0 event with a counting-down context', async () => {
    let seen: { event: APIGatewayProxyEventV2; context: Context; remainingMs: number } | undefined;
    front = await startFront({
      timeoutMs: 5000,
      handler: async (event, context) => {
        seen = { event, context, remainingMs: context.getRemainingTimeInMillis() };
        return { statusCode: 201, headers: { 'x-handled': 'yes' }, cookies: ['a=1'], body: 'created' };
      },
    });

    const response = await fetch(`${front.url}/orders/42?tag=a&tag=b`, {
      method: 'POST',
      headers: { 'X-Tenant': 'acme', cookie: 'session=abc; theme=dark', 'content-type': 'application/json' },
      body: '{"quantity":2}',
    });

    expect(response.status).toBe(201);
    expect(response.headers.get('x-handled')).toBe('yes');
    expect(response.headers.get('set-cookie')).toBe('a=1');
    expect(await response.text()).toBe('created');
    expect(seen?.event).toMatchObject({
      version: '2.0',
      rawPath: '/orders/42',
      rawQueryString: 'tag=a&tag=b',
      queryStringParameters: { tag: 'a,b' },
      cookies: ['session=abc', 'theme=dark'],
      headers: { 'x-tenant': 'acme' },
      body: '{"quantity":2}',
      isBase64Encoded: false,
      requestContext: { http: { method: 'POST', path: '/orders/42' }, stage: '$default' },
    });
    expect(seen?.context.functionName).toBe('faultline-demo-orders');
    expect(seen?.remainingMs).toBeGreaterThan(0);
    expect(seen?.remainingMs).toBeLessThanOrEqual(5000);
  });

  it('answers bare results as JSON, handler errors as 500 and overruns of the deadline as 503', async () => {
    front = await startFront({
      timeoutMs: 200,
      handler: async (event) => {
        if (event.rawPath === '/bare') return { ok: true };
        if (event.rawPath === '/error') throw new Error('boom');
        return new Promise(() => {});
      },
    });

    const bare = await fetch(`${front.url}/bare`);
    expect(bare.status).toBe(200);
    expect(await bare.json()).toEqual({ ok: true });
    expect((await fetch(`${front.url}/error`)).status).toBe(500);
    expect((await fetch(`${front.url}/hang`)).status).toBe(503);
  });
});
