import { Agent, createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createFaultEngine, createInlineSource } from '@faultline/core';
import { createFaultWrapper } from '@faultline/core/adapter-kit';
import { createInMemoryAdapter, createMemorySink, type InMemoryResponse } from '@faultline/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activeScopeCount } from '../../src/scope/interception-scope.js';
import { errorCode } from './interceptors-support.js';

let server: Server;
let port: number;
let served = 0;

beforeAll(async () => {
  server = createServer((request, response) => {
    served++;
    response.end(`ok ${request.url}`);
  });
  await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function getWithAgent(url: string, agent: Agent): Promise<string> {
  return new Promise((resolve, reject) => {
    get(url, { agent }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

describe('interception scope isolation', () => {
  it('fails exactly the sampled invocations among 1000 concurrent ones, through fetch and a shared keep-alive agent', async () => {
    const sink = createMemorySink();
    const engine = createFaultEngine({
      source: createInlineSource({
        schemaVersion: 1,
        id: 'isolation',
        seed: 'isolation-seed',
        faults: [
          {
            id: 'pricing-down',
            type: 'blackhole',
            probability: 0.1,
            sampleBy: 'requestId',
            hosts: ['127.0.0.1', 'localhost'],
            behavior: 'refuse',
          },
        ],
      }),
      onEvent: sink,
      logLevel: 'info',
      environment: {},
    });
    const agent = new Agent({ keepAlive: true, maxSockets: 64 });
    const handler = async (request: { requestId: string }): Promise<InMemoryResponse> => {
      const index = Number(request.requestId.slice('request-'.length));
      const url = `http://${index % 3 === 0 ? 'localhost' : '127.0.0.1'}:${port}/prices/${index}`;
      try {
        const body = index % 2 === 0 ? await (await fetch(url)).text() : await getWithAgent(url, agent);
        return { status: 200, body };
      } catch (error) {
        return { status: 502, body: errorCode(error) ?? String(error) };
      }
    };
    const wrapped = createFaultWrapper(createInMemoryAdapter(), handler, { engine, environment: {} });
    await engine.ready();
    const servedBefore = served;

    const responses = await Promise.all(
      Array.from({ length: 1000 }, (_, index) =>
        wrapped({ requestId: `request-${index}`, path: '/orders' }, {}),
      ),
    );
    agent.destroy();

    const failed = new Set<string>();
    responses.forEach((response, index) => {
      if (response?.status !== 200) failed.add(`request-${index}`);
    });
    const injected = new Set(sink.ofType('inject').map((event) => event.requestId));
    expect(failed).toEqual(injected);
    expect(injected.size).toBeGreaterThan(50);
    expect(injected.size).toBeLessThan(150);
    for (const response of responses as InMemoryResponse[]) {
      if (response.status !== 200) expect(response.body).toBe('ECONNREFUSED');
      else expect(response.body).toMatch(/^ok \/prices\/\d+$/);
    }
    expect(served - servedBefore).toBe(1000 - injected.size);
    expect(activeScopeCount()).toBe(0);
  });
});
