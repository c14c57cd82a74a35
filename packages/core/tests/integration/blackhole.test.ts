import dns, { lookup as namedLookup } from 'node:dns';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blackholeFault } from '../../src/faults/types/blackhole.js';
import {
  createEffect,
  createTestFaultContext,
  errorCode,
  type LoopbackServer,
  runAround,
  settle,
  startLoopbackServer,
} from './interceptors-support.js';

function requestWithHttp(url: string, timeoutMs = 2_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = httpGet(url, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () => resolve(body));
    });
    request.setTimeout(timeoutMs, () =>
      request.destroy(Object.assign(new Error('client timeout'), { code: 'ECLIENTTIMEOUT' })),
    );
    request.on('error', reject);
  });
}

async function requestWithFetch(url: string, timeoutMs = 2_000): Promise<string> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  return response.text();
}

const clients = { http: requestWithHttp, fetch: requestWithFetch } as const;

function runBlackholed<T>(attributes: Record<string, unknown>, body: () => Promise<T>): Promise<T> {
  const effect = createEffect(blackholeFault, attributes);
  return runAround(effect, createTestFaultContext({ type: 'blackhole' }), body);
}

let server: LoopbackServer;
// Any query that escaped interception would go to this loopback address, never to a real resolver.
const originalServers = dns.getServers();

beforeAll(async () => {
  server = await startLoopbackServer();
  dns.setServers(['127.0.0.1:9']);
});

afterAll(async () => {
  dns.setServers(originalServers);
  await server.close();
});

describe('blackhole', () => {
  for (const [clientName, request] of Object.entries(clients)) {
    describe(`through ${clientName}`, () => {
      it('reaches the server when no fault is active', async () => {
        await expect(request(`http://localhost:${server.port}/normal`)).resolves.toBe('ok /normal');
        await expect(request(`http://127.0.0.1:${server.port}/normal`)).resolves.toBe('ok /normal');
      });

      for (const [target, hosts] of [
        ['by name', 'localhost'],
        ['by IP', '127.0.0.1'],
      ] as const) {
        const host = target === 'by name' ? 'localhost' : '127.0.0.1';

        it(`refuses connections ${target} with ECONNREFUSED`, async () => {
          const before = server.requestCount();
          const result = await runBlackholed({ hosts: [hosts], behavior: 'refuse' }, () =>
            settle(request(`http://${host}:${server.port}/x`)),
          );
          expect(result.ok).toBe(false);
          expect(errorCode(result.ok ? undefined : result.error)).toBe('ECONNREFUSED');
          expect(server.requestCount()).toBe(before);
        });

        it(`resets connections ${target} with ECONNRESET`, async () => {
          const result = await runBlackholed({ hosts: [hosts], behavior: 'reset' }, () =>
            settle(request(`http://${host}:${server.port}/x`)),
          );
          expect(result.ok).toBe(false);
          expect(errorCode(result.ok ? undefined : result.error)).toBe('ECONNRESET');
        });

        it(`lets the caller's own timeout fire for connections ${target}`, async () => {
          const result = await runBlackholed({ hosts: [hosts], behavior: 'timeout' }, () =>
            settle(request(`http://${host}:${server.port}/x`, 150)),
          );
          expect(result.ok).toBe(false);
          const error = result.ok ? undefined : result.error;
          expect(clientName === 'fetch' ? (error as Error).name : errorCode(error)).toBe(
            clientName === 'fetch' ? 'TimeoutError' : 'ECLIENTTIMEOUT',
          );
        });
      }

      it('fails names with ENOTFOUND under behavior dns', async () => {
        const result = await runBlackholed({ hosts: ['localhost'], behavior: 'dns' }, () =>
          settle(request(`http://localhost:${server.port}/x`)),
        );
        expect(result.ok).toBe(false);
        expect(errorCode(result.ok ? undefined : result.error)).toBe('ENOTFOUND');
      });

      it('lets connections by IP pass under behavior dns, as a real resolver outage would', async () => {
        const result = await runBlackholed({ hosts: ['127.0.0.1', 'localhost'], behavior: 'dns' }, () =>
          request(`http://127.0.0.1:${server.port}/by-ip`),
        );
        expect(result).toBe('ok /by-ip');
      });

      it('leaves hosts and ports it does not match untouched', async () => {
        const result = await runBlackholed({ hosts: ['*.amazonaws.com', 'localhost'], ports: [1] }, () =>
          request(`http://localhost:${server.port}/other-port`),
        );
        expect(result).toBe('ok /other-port');
      });

      it('catches a name through the address it resolves to when the glob is an IP', async () => {
        const result = await runBlackholed({ hosts: ['127.0.0.*'], behavior: 'refuse' }, () =>
          settle(request(`http://localhost:${server.port}/resolved`)),
        );
        expect(errorCode(result.ok ? undefined : result.error)).toBe('ECONNREFUSED');
      });

      it('reaches the server again after the invocation ended', async () => {
        await runBlackholed({ hosts: ['localhost', '127.0.0.1'] }, () =>
          settle(request(`http://localhost:${server.port}/`)),
        );
        await expect(request(`http://localhost:${server.port}/after`)).resolves.toBe('ok /after');
        await expect(request(`http://127.0.0.1:${server.port}/after`)).resolves.toBe('ok /after');
      });
    });
  }

  it('matches host globs case-insensitively', async () => {
    const result = await runBlackholed({ hosts: ['LOCAL*'] }, () =>
      settle(requestWithHttp(`http://LocalHost:${server.port}/case`)),
    );
    expect(errorCode(result.ok ? undefined : result.error)).toBe('ECONNREFUSED');
  });

  it('covers https and tls.connect: the connection fails before any TLS handshake', async () => {
    const result = await runBlackholed({ hosts: ['127.0.0.1'] }, async () => {
      const viaHttps = await settle(
        new Promise((resolve, reject) =>
          httpsGet(`https://127.0.0.1:${server.port}/`, resolve).on('error', reject),
        ),
      );
      const viaTls = await settle(
        new Promise((resolve, reject) =>
          tlsConnect({ host: '127.0.0.1', port: server.port }, () => resolve(undefined)).on('error', reject),
        ),
      );
      return [viaHttps, viaTls];
    });
    for (const attempt of result)
      expect(errorCode(attempt.ok ? undefined : attempt.error)).toBe('ECONNREFUSED');
  });

  it('covers raw net.connect with the port/host signature', async () => {
    const result = await runBlackholed({ hosts: ['localhost'], behavior: 'reset' }, () =>
      settle(
        new Promise((resolve, reject) => {
          const socket = netConnect(server.port, 'localhost', () => resolve(socket.end()));
          socket.on('error', reject);
        }),
      ),
    );
    expect(errorCode(result.ok ? undefined : result.error)).toBe('ECONNRESET');
  });

  it('answers every DNS entry point with ENOTFOUND under behavior dns, and marks the error as injected', async () => {
    const name = 'orders-db.internal.example';
    const results = await runBlackholed({ hosts: ['*.internal.example'], behavior: 'dns' }, async () => {
      const resolver = new dns.promises.Resolver();
      resolver.setServers(['127.0.0.1:9']);
      return [
        await settle(
          new Promise((resolve, reject) =>
            dns.lookup(name, (error, address) => (error ? reject(error) : resolve(address))),
          ),
        ),
        await settle(
          new Promise((resolve, reject) =>
            namedLookup(name, {}, (error, address) => (error ? reject(error) : resolve(address))),
          ),
        ),
        await settle(dns.promises.lookup(name)),
        await settle(dns.promises.resolve4(name)),
        await settle(dns.promises.resolve(name, 'AAAA')),
        await settle(
          new Promise((resolve, reject) =>
            dns.resolveTxt(name, (error, records) => (error ? reject(error) : resolve(records))),
          ),
        ),
        await settle(resolver.resolveCname(name)),
      ];
    });
    for (const result of results) {
      expect(result.ok).toBe(false);
      const error = (result.ok ? undefined : result.error) as {
        code?: string;
        faultline?: boolean;
        faultId?: string;
      };
      expect(error.code).toBe('ENOTFOUND');
      expect(error.faultline).toBe(true);
      expect(error.faultId).toBe('blackhole-fault');
    }
  });

  it('ends a connection left hanging by behavior timeout when the invocation ends', async () => {
    let pending: Promise<unknown> = Promise.resolve();
    await runBlackholed({ hosts: ['localhost'], behavior: 'timeout' }, async () => {
      pending = settle(requestWithHttp(`http://localhost:${server.port}/hang`, 60_000));
      // The handler returns while the request still hangs (fire and forget).
      await new Promise((resolve) => setTimeout(resolve, 50));
    });
    const result = (await pending) as Awaited<ReturnType<typeof settle>>;
    expect(errorCode(result.ok ? undefined : result.error)).toBe('ETIMEDOUT');
  });
});
