import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInlineSource } from '@faultline/core';
import { createMemorySink, immediateSleep } from '@faultline/core/testing';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faultlineMiddleware } from '../../src/middy/index.js';
import { httpApiEvent, lambdaContext } from '../fixtures/events.js';

type Result = APIGatewayProxyStructuredResultV2;

// A downstream on loopback that answers after 50 ms, so calls of concurrent requests are in flight together.
let server: Server;
let downstream: string;

beforeAll(async () => {
  server = createServer((_request, response) => {
    setTimeout(() => response.end('downstream ok'), 50);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  downstream = `http://127.0.0.1:${(server.address() as AddressInfo).port}/price`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** Calls the downstream the way a handler does; reports what it got. */
async function callDownstream(): Promise<string> {
  try {
    const response = await fetch(downstream, { signal: AbortSignal.timeout(5000) });
    return `${response.status} ${await response.text()}`;
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    return `failed ${cause?.code ?? (error as Error).message}`;
  }
}

/** A Middy handler (with Middy's own middleware first) whose faults fire only for requests with `x-chaos: on`. */
function setup(fault: object) {
  const sink = createMemorySink();
  const handler = middy<APIGatewayProxyEventV2, Result, Context>()
    .use({ before: async () => undefined }) // another middleware first, as in real stacks
    .use(
      faultlineMiddleware({
        source: createInlineSource({
          schemaVersion: 1,
          id: 'middy-interception',
          faults: [
            {
              ...fault,
              id: 'downstream',
              probability: 1,
              match: [{ field: 'http.header.x-chaos', op: 'eq', value: 'on' }],
            },
          ],
        }),
        onEvent: sink,
        sleep: immediateSleep,
        environment: { FAULTLINE_STAGE: 'test' },
      }),
    )
    .handler(async () => ({ statusCode: 200, body: await callDownstream() }));
  const request = (chaos: boolean, id: string) =>
    handler(
      { ...httpApiEvent(), headers: { ...httpApiEvent().headers, 'x-chaos': chaos ? 'on' : 'off' } },
      lambdaContext({ requestId: id }),
    );
  return { request, sink };
}

describe('dependency and blackhole faults through the Middy middleware (real @middy/core)', () => {
  it('blackhole: the sampled request cannot reach the host; a concurrent request that is not sampled can', async () => {
    const { request, sink } = setup({ type: 'blackhole', hosts: ['127.0.0.1'], behavior: 'refuse' });

    const [sampled, notSampled] = await Promise.all([
      request(true, 'sampled'),
      request(false, 'not-sampled'),
    ]);

    expect(sampled).toMatchObject({ statusCode: 200, body: 'failed ECONNREFUSED' });
    expect(notSampled).toMatchObject({ statusCode: 200, body: '200 downstream ok' });
    expect(sink.ofType('inject').map((event) => event.requestId)).toEqual(['sampled']);
  });

  it('dependency: the sampled request gets the injected status; the concurrent one the real answer', async () => {
    const { request } = setup({ type: 'dependency', hosts: ['127.0.0.1'], effect: 'status', status: 503 });

    const [notSampled, sampled] = await Promise.all([
      request(false, 'not-sampled'),
      request(true, 'sampled'),
    ]);

    expect(sampled).toMatchObject({ body: expect.stringMatching(/^503 /) });
    expect(notSampled).toMatchObject({ body: '200 downstream ok' });
  });

  it('leaves the caller alone: work it starts next to the Middy request, and after it, is not intercepted', async () => {
    const { request } = setup({ type: 'blackhole', hosts: ['127.0.0.1'], behavior: 'refuse' });

    const [sampled, besides] = await Promise.all([request(true, 'sampled'), callDownstream()]);
    const after = await callDownstream();

    expect(sampled).toMatchObject({ body: 'failed ECONNREFUSED' });
    expect(besides).toBe('200 downstream ok');
    expect(after).toBe('200 downstream ok');
  });

  it('works when faultline is the only middleware', async () => {
    const handler = middy<APIGatewayProxyEventV2, Result, Context>()
      .use(
        faultlineMiddleware({
          source: createInlineSource({
            schemaVersion: 1,
            id: 'alone',
            faults: [{ id: 'down', type: 'blackhole', hosts: ['127.0.0.1'], probability: 1 }],
          }),
          sleep: immediateSleep,
          environment: { FAULTLINE_STAGE: 'test' },
          logLevel: 'silent',
        }),
      )
      .handler(async () => ({ statusCode: 200, body: await callDownstream() }));

    const [first, besides] = await Promise.all([handler(httpApiEvent(), lambdaContext()), callDownstream()]);

    expect(first).toMatchObject({ body: 'failed ECONNREFUSED' });
    expect(besides).toBe('200 downstream ok');
  });
});
