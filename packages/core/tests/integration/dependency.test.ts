import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, Agent as HttpAgent, request as httpRequest } from 'node:http';
import {
  createServer as createHttpsServer,
  type Server as HttpsServer,
  request as httpsRequest,
} from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dependencyFault, dependencyResponse } from '../../src/faults/types/dependency.js';
import {
  attributeIssues,
  createEffect,
  createTestFaultContext,
  errorCode,
  type LoopbackServer,
  runAround,
  settle,
  startLoopbackServer,
} from './interceptors-support.js';

interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

function get(url: string, options: { agent?: HttpAgent; ca?: string } = {}): Promise<Reply> {
  const send = url.startsWith('https:') ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const request = send(url, { agent: options.agent, ca: options.ca }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
      );
    });
    request.setTimeout(5_000, () => request.destroy(new Error('client timeout')));
    request.on('error', reject);
    request.end();
  });
}

function runWithDependencyFault<T>(
  attributes: Record<string, unknown>,
  body: () => Promise<T>,
  sleep?: (durationMs: number) => Promise<void>,
): Promise<T> {
  const effect = createEffect(dependencyFault, attributes, 'pricing-fault');
  return runAround(
    effect,
    createTestFaultContext({ type: 'dependency', id: 'pricing-fault' }, sleep ? { sleep } : {}),
    body,
  );
}

let server: LoopbackServer;
let tls: { server: HttpsServer; port: number; ca: string; directory: string } | undefined;

beforeAll(async () => {
  server = await startLoopbackServer();
  const directory = mkdtempSync(join(tmpdir(), 'faultline-dependency-tls-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-keyout',
        join(directory, 'key.pem'),
        '-out',
        join(directory, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
  } catch {
    rmSync(directory, { recursive: true, force: true });
    return;
  }
  const cert = readFileSync(join(directory, 'cert.pem'), 'utf8');
  const key = readFileSync(join(directory, 'key.pem'), 'utf8');
  const httpsServer = createHttpsServer({ cert, key }, (request, response) =>
    response.end(`secure ${request.url}`),
  );
  await new Promise<void>((resolve) => httpsServer.listen(0, '127.0.0.1', resolve));
  tls = { server: httpsServer, port: (httpsServer.address() as AddressInfo).port, ca: cert, directory };
});

afterAll(async () => {
  await server.close();
  if (tls !== undefined) {
    tls.server.closeAllConnections();
    await new Promise((resolve) => tls?.server.close(resolve));
    rmSync(tls.directory, { recursive: true, force: true });
  }
});

describe('dependency on a host', () => {
  it('delays the connection by delayMs, then reaches the dependency', async () => {
    const delays: number[] = [];
    const reply = await runWithDependencyFault(
      { hosts: ['localhost'], effect: 'latency', delayMs: 750 },
      () => get(`http://localhost:${server.port}/slow`, { agent: new HttpAgent({ keepAlive: false }) }),
      async (durationMs) => {
        delays.push(durationMs);
      },
    );
    expect(delays).toEqual([750]);
    expect(reply.body).toBe('ok /slow');
  });

  it('delays every request on a keep-alive connection opened before the invocation', async () => {
    let connections = 0;
    const keepAliveServer = createHttpServer((request, response) => response.end(`ok ${request.url}`));
    keepAliveServer.keepAliveTimeout = 10_000;
    keepAliveServer.on('connection', () => {
      connections++;
    });
    await new Promise<void>((resolve) => keepAliveServer.listen(0, '127.0.0.1', resolve));
    const url = `http://localhost:${(keepAliveServer.address() as AddressInfo).port}`;
    const agent = new HttpAgent({ keepAlive: true, maxSockets: 1 });
    await get(`${url}/warm`, { agent });
    const delays: number[] = [];

    const replies = await runWithDependencyFault(
      { hosts: ['localhost'], effect: 'latency', delayMs: 300 },
      async () => [await get(`${url}/first`, { agent }), await get(`${url}/second`, { agent })],
      async (durationMs) => {
        delays.push(durationMs);
      },
    );
    agent.destroy();
    keepAliveServer.closeAllConnections();
    await new Promise((resolve) => keepAliveServer.close(resolve));

    expect(replies.map((reply) => reply.body)).toEqual(['ok /first', 'ok /second']);
    expect(connections).toBe(1);
    expect(delays).toEqual([300, 300]);
  });

  it('resets the connection', async () => {
    const result = await runWithDependencyFault({ hosts: ['127.0.0.1'], effect: 'reset' }, () =>
      settle(get(`http://127.0.0.1:${server.port}/reset`)),
    );
    expect(errorCode(result.ok ? undefined : result.error)).toBe('ECONNRESET');
  });

  it('answers with a synthetic throttling response that AWS-style clients recognize', async () => {
    const before = server.requestCount();
    const reply = await runWithDependencyFault({ hosts: ['localhost'], effect: 'throttle' }, () =>
      get(`http://localhost:${server.port}/prices`),
    );
    expect(reply.status).toBe(429);
    expect(reply.headers['x-amzn-errortype']).toBe('ThrottlingException');
    expect(JSON.parse(reply.body)).toMatchObject({ __type: 'ThrottlingException' });
    expect(server.requestCount()).toBe(before);
  });

  it('answers through fetch too, with a Google-style body for RESOURCE_EXHAUSTED', async () => {
    const reply = await runWithDependencyFault(
      { hosts: ['127.0.0.1'], effect: 'throttle', errorCode: 'RESOURCE_EXHAUSTED' },
      async () => {
        const response = await fetch(`http://127.0.0.1:${server.port}/prices`);
        return { status: response.status, body: await response.json() };
      },
    );
    expect(reply).toEqual({
      status: 429,
      body: {
        error: { code: 429, message: 'Rate exceeded (injected by faultline)', status: 'RESOURCE_EXHAUSTED' },
      },
    });
  });

  it('answers on a keep-alive connection opened before the invocation, and the pool does not keep it', async () => {
    const agent = new HttpAgent({ keepAlive: true, maxSockets: 1 });
    await get(`http://localhost:${server.port}/warm`, { agent });

    const reply = await runWithDependencyFault({ hosts: ['localhost'], effect: 'status', status: 503 }, () =>
      get(`http://localhost:${server.port}/reused`, { agent }),
    );
    const after = await get(`http://localhost:${server.port}/after`, { agent });
    agent.destroy();

    expect(reply.status).toBe(503);
    expect(reply.headers['x-faultline-fault']).toBe('pricing-fault');
    expect(after).toMatchObject({ status: 200, body: 'ok /after' });
  });

  it('answers over HTTPS on the decrypted side of the connection', async (context) => {
    if (tls === undefined) {
      context.skip('openssl is not available to create a loopback certificate');
      return;
    }
    const { port, ca } = tls;
    const normal = await get(`https://localhost:${port}/secure`, { ca });

    const reply = await runWithDependencyFault({ hosts: ['localhost'], effect: 'access-denied' }, () =>
      get(`https://localhost:${port}/secure`, { ca }),
    );

    expect(normal.body).toBe('secure /secure');
    expect(reply.status).toBe(403);
    expect(JSON.parse(reply.body)).toMatchObject({ __type: 'AccessDeniedException' });
  });

  it('leaves other hosts untouched', async () => {
    const reply = await runWithDependencyFault(
      { hosts: ['pricing.internal.example'], effect: 'status' },
      () => get(`http://127.0.0.1:${server.port}/other`),
    );
    expect(reply).toMatchObject({ status: 200, body: 'ok /other' });
  });
});

describe('dependency attributes', () => {
  it('names the dependency, and the fields each effect needs', () => {
    expect(attributeIssues(dependencyFault, { effect: 'reset' })[0]).toMatchObject({
      path: 'hosts',
      message: 'is required (or service)',
    });
    expect(attributeIssues(dependencyFault, { hosts: ['a'], effect: 'latency' })[0]?.path).toBe('delayMs');
    expect(
      attributeIssues(dependencyFault, { hosts: ['a'], operations: ['GetItem'], effect: 'reset' })[0]?.path,
    ).toBe('operations');
    expect(attributeIssues(dependencyFault, { hosts: ['a'], effect: 'reset', status: 500 })[0]?.path).toBe(
      'status',
    );
    expect(attributeIssues(dependencyFault, { hosts: ['https://a.example'], effect: 'reset' })[0]?.path).toBe(
      'hosts[0]',
    );
    expect(attributeIssues(dependencyFault, { service: 'DynamoDB', effect: 'throttle' })).toEqual([]);
  });

  it('builds synthetic responses with the documented defaults', () => {
    expect(dependencyResponse('status', 'f', undefined, undefined).status).toBe(503);
    expect(dependencyResponse('access-denied', 'f', undefined, undefined)).toMatchObject({
      status: 403,
      headers: { 'x-amzn-errortype': 'AccessDeniedException' },
    });
    expect(dependencyResponse('throttle', 'f', 400, 'ProvisionedThroughputExceededException').status).toBe(
      400,
    );
  });
});
