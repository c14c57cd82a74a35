import {
  builtinFaultTypes,
  createFaultRegistry,
  createInlineSource,
  defineFaultType,
  s,
} from '@faultline/core';
import { createMemorySink, immediateSleep } from '@faultline/core/testing';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { faultlineMiddleware } from '../../src/middy/index.js';
import { httpApiEvent, lambdaContext } from '../fixtures/events.js';

type Result = APIGatewayProxyStructuredResultV2;

function setup(faults: object[]) {
  const cleanups: string[] = [];
  const registry = createFaultRegistry([
    ...builtinFaultTypes,
    defineFaultType({
      type: 'probe',
      summary: 'Registers a cleanup.',
      phase: 'around',
      attributes: s.object({}),
      create: () => ({
        around: (context, next) => {
          context.defer(() => {
            cleanups.push(context.invocation.requestId);
          });
          return next();
        },
      }),
    }),
  ]);
  const sink = createMemorySink();
  const middleware = faultlineMiddleware<APIGatewayProxyEventV2, Result, Context>({
    source: createInlineSource({ schemaVersion: 1, id: 'middy-drill', faults }),
    registry,
    onEvent: sink,
    sleep: immediateSleep,
    environment: { FAULTLINE_STAGE: 'test' },
  });
  return { middleware, cleanups, sink };
}

describe('faultlineMiddleware with the real @middy/core', () => {
  it('answers an injected status early: the handler and the inner middlewares never run', async () => {
    const { middleware } = setup([{ id: 'down', type: 'status', probability: 1, status: 503, body: 'down' }]);
    const handler = vi.fn(async (): Promise<Result> => ({ statusCode: 200, body: 'ok' }));
    const inner = vi.fn();
    const wrapped = middy(handler).use(middleware).before(inner);

    const result = await wrapped(httpApiEvent(), lambdaContext());

    expect(result).toMatchObject({ statusCode: 503, body: 'down' });
    expect(handler).not.toHaveBeenCalled();
    expect(inner).not.toHaveBeenCalled();
  });

  it('corrupts the response after the inner middlewares shaped it', async () => {
    const { middleware } = setup([{ id: 'garble', type: 'corrupt', probability: 1, body: 'garbage' }]);
    const wrapped = middy(async (): Promise<Result> => ({ statusCode: 200, body: 'ok' }))
      .use(middleware)
      .after((request) => {
        request.response = { ...(request.response as Result), headers: { 'x-inner': 'yes' } };
      });

    const result = await wrapped(httpApiEvent(), lambdaContext());

    expect(result).toEqual({
      statusCode: 200,
      headers: { 'x-inner': 'yes' },
      body: 'garbage',
      isBase64Encoded: false,
    });
  });

  it('still runs cleanups when an inner middleware ends the request without the handler', async () => {
    const { middleware, cleanups } = setup([{ id: 'probe', type: 'probe', probability: 1 }]);
    const wrapped = middy(async (): Promise<Result> => ({ statusCode: 200, body: 'ok' }))
      .use(middleware)
      .before(() => ({ statusCode: 401, body: 'unauthorized' }));

    await expect(
      wrapped(httpApiEvent(), lambdaContext({ requestId: 'first', remainingMs: 20 })),
    ).resolves.toMatchObject({ statusCode: 401 });
    expect(cleanups).toEqual([]);
    // Closed at the (20 ms) deadline; real time, polled with a generous bound.
    await vi.waitFor(() => expect(cleanups).toEqual(['first']), { timeout: 5000, interval: 10 });
  });

  it('keeps concurrent requests independent', async () => {
    const { middleware } = setup([{ id: 'garble', type: 'corrupt', probability: 1, body: 'garbage' }]);
    const wrapped = middy(async (event: APIGatewayProxyEventV2): Promise<Result> => {
      await new Promise((resolve) => setTimeout(resolve, event.rawPath === '/slow' ? 30 : 1));
      return { statusCode: 200, body: event.rawPath };
    }).use(middleware);

    const [slow, fast] = await Promise.all([
      wrapped({ ...httpApiEvent(), rawPath: '/slow' }, lambdaContext({ requestId: 'slow' })),
      wrapped({ ...httpApiEvent(), rawPath: '/fast' }, lambdaContext({ requestId: 'fast' })),
    ]);

    expect(slow).toMatchObject({ statusCode: 200, body: 'garbage' });
    expect(fast).toMatchObject({ statusCode: 200, body: 'garbage' });
  });

  it('lets the handler error through to the other error handlers after cleaning up', async () => {
    const { middleware, cleanups } = setup([{ id: 'probe', type: 'probe', probability: 1 }]);
    const failure = new Error('database down');
    const seen: unknown[] = [];
    const wrapped = middy(async (): Promise<Result> => {
      throw failure;
    })
      .onError((request) => {
        seen.push(request.error);
      })
      .use(middleware);

    await expect(wrapped(httpApiEvent(), lambdaContext({ requestId: 'boom' }))).rejects.toBe(failure);
    expect(seen).toEqual([failure]);
    expect(cleanups).toEqual(['boom']);
  });
});
