import dns from 'node:dns';
import { Agent, get } from 'node:http';
import { connect, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blackholeFault } from '../../src/faults/types/blackhole.js';
import { installInterceptors, interceptorsInstalled, uninstallInterceptors } from '../../src/interception.js';
import { activeScopeCount } from '../../src/scope/interception-scope.js';
import {
  createEffect,
  createTestFaultContext,
  errorCode,
  type LoopbackServer,
  runAround,
  settle,
  startLoopbackServer,
} from './interceptors-support.js';

let server: LoopbackServer;

beforeAll(async () => {
  server = await startLoopbackServer();
});

afterAll(async () => {
  await server.close();
  installInterceptors();
});

/** An injected resolver: public-looking names map to loopback, so no real DNS query is ever made. */
const loopbackLookup = (
  _hostname: string,
  options: { all?: boolean },
  callback: (
    error: Error | null,
    address: string | { address: string; family: number }[],
    family?: number,
  ) => void,
) => {
  if (options.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
  else callback(null, '127.0.0.1', 4);
};

function connectByName(host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port: server.port, lookup: loopbackLookup as never }, () => {
      socket.end();
      resolve('connected');
    });
    socket.on('error', reject);
  });
}

describe('interceptor installation', () => {
  it('installs once: a second install is a no-op, and uninstall restores the originals', () => {
    uninstallInterceptors();
    const originalConnect = Socket.prototype.connect;
    const originalLookup = dns.lookup;

    installInterceptors();
    const patchedConnect = Socket.prototype.connect;
    installInterceptors();

    expect(interceptorsInstalled()).toBe(true);
    expect(patchedConnect).not.toBe(originalConnect);
    expect(Socket.prototype.connect).toBe(patchedConnect);
    uninstallInterceptors();
    expect(Socket.prototype.connect).toBe(originalConnect);
    expect(dns.lookup).toBe(originalLookup);
    expect(interceptorsInstalled()).toBe(false);
  });

  it('installs lazily when a blackhole effect is created', () => {
    uninstallInterceptors();
    createEffect(blackholeFault, { hosts: ['localhost'] });
    expect(interceptorsInstalled()).toBe(true);
  });

  it('catches a public AWS name through an injected resolver, and only while the fault is active', async () => {
    const name = 'orders.dynamodb.us-east-1.amazonaws.com';
    const effect = createEffect(blackholeFault, { hosts: ['*.dynamodb.*.amazonaws.com'], behavior: 'reset' });

    const before = await connectByName(name);
    const during = await runAround(effect, createTestFaultContext({ type: 'blackhole' }), () =>
      settle(connectByName(name)),
    );
    const after = await connectByName(name);

    expect(before).toBe('connected');
    expect(errorCode(during.ok ? undefined : during.error)).toBe('ECONNRESET');
    expect(after).toBe('connected');
  });

  it('catches an IP glob behind a name resolved by an injected resolver, through http', async () => {
    const effect = createEffect(blackholeFault, { hosts: ['127.0.0.*'], behavior: 'refuse' });
    const agent = new Agent({ keepAlive: false });

    const result = await runAround(effect, createTestFaultContext({ type: 'blackhole' }), () =>
      settle(
        new Promise((resolve, reject) =>
          get(
            {
              host: 'pricing.internal.example',
              port: server.port,
              path: '/',
              agent,
              lookup: loopbackLookup as never,
            },
            resolve,
          ).on('error', reject),
        ),
      ),
    );

    expect(errorCode(result.ok ? undefined : result.error)).toBe('ECONNREFUSED');
  });
});

describe('scope lifetime', () => {
  it('ends with the deferred cleanups even when the handler never settles', async () => {
    const effect = createEffect(blackholeFault, { hosts: ['localhost'] });
    const context = createTestFaultContext({ type: 'blackhole' });
    const cleanups: (() => void | Promise<void>)[] = [];
    const deferOnly = {
      ...context,
      signal: new AbortController().signal,
      defer: (cleanup: () => void) => cleanups.push(cleanup),
    };

    void effect.around?.(deferOnly, () => new Promise<never>(() => {}));
    expect(activeScopeCount()).toBe(1);
    for (const cleanup of cleanups) await cleanup();

    expect(activeScopeCount()).toBe(0);
    await context.finish();
  });
});
