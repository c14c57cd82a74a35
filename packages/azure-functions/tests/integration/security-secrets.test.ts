/**
 * Secrets never reach logs: whatever happens while loading from App Configuration (wrong secret, missing key, an
 * invalid document, a valid one, the store gone), no event and no error the source throws contains the access
 * key secret or the connection string. The real `@azure/app-configuration` client talks to the local signed
 * HTTPS server from `@faultline/testkit`.
 */
import { createFaultEngine, type FaultlineEvent } from '@faultline/core';
import { type AppConfigurationServer, startAppConfigurationServer } from '@faultline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppConfigurationSource } from '../../src/app-configuration/index.js';

/** Everything a log line could be built from: the event, and any error (message, stack, cause chain) inside it. */
function everythingIn(value: unknown, seen = new Set<unknown>()): string {
  if (value === null || typeof value !== 'object') return String(value);
  if (seen.has(value)) return '';
  seen.add(value);
  const parts: string[] = [];
  if (value instanceof Error)
    parts.push(value.name, value.message, value.stack ?? '', everythingIn(value.cause, seen));
  for (const key of Object.keys(value))
    parts.push(key, everythingIn((value as Record<string, unknown>)[key], seen));
  return parts.join('\n');
}

/** A different, well-formed base64 secret of the same length. */
function wrongSecretOf(secret: string): string {
  return Buffer.from(Buffer.from(secret, 'base64').map((byte) => byte ^ 0xff)).toString('base64');
}

describe('App Configuration secrets stay out of events and errors', () => {
  let server: AppConfigurationServer;
  beforeAll(async () => {
    server = await startAppConfigurationServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('never logs the secret or the connection string, for failing and succeeding loads', async () => {
    // Prepare
    const key = `faultline:secrets:${Math.random().toString(36).slice(2)}`;
    const wrongSecret = wrongSecretOf(server.secret);
    const wrongConnectionString = server.connectionString.replace(server.secret, wrongSecret);
    const secrets = [server.secret, wrongSecret, server.connectionString, wrongConnectionString];
    const events: FaultlineEvent[] = [];
    const thrown: unknown[] = [];
    const engineFor = (connectionString: string) => {
      const source = createAppConfigurationSource({
        key,
        connectionString,
        clientOptions: { tlsOptions: { ca: server.ca }, retryOptions: { maxRetries: 0 } },
        environment: {},
      });
      const engine = createFaultEngine({
        source,
        onEvent: (event) => events.push(event),
        logLevel: 'debug',
        cache: { ttlMs: 1, errorBackoffMs: 1, maxBackoffMs: 1, fetchBudgetMs: 5_000 },
        environment: {},
      });
      return { source, engine };
    };
    const loadDirectly = async (source: ReturnType<typeof engineFor>['source']) => {
      try {
        await source.load({ signal: AbortSignal.timeout(5_000), previousVersion: undefined });
      } catch (error) {
        thrown.push(error);
      }
    };

    // Act: wrong secret (the server answers 401), then the right one with no key, an invalid document, a valid
    // document, and finally the store gone.
    const wrong = engineFor(wrongConnectionString);
    await wrong.engine.ready();
    await loadDirectly(wrong.source);
    wrong.engine.close();

    const right = engineFor(server.connectionString);
    await right.engine.ready();
    server.setKeyValue(key, `{"schemaVersion":1,"id":"secrets","faults":"${server.secret}"}`);
    await right.engine.refresh();
    server.setKeyValue(key, JSON.stringify({ schemaVersion: 1, id: 'secrets', faults: [] }));
    await right.engine.refresh();
    server.failNextRequests(503, 2);
    await right.engine.refresh();
    await loadDirectly(right.source);
    await server.stop();
    await right.engine.refresh();
    await loadDirectly(right.source);
    right.engine.close();

    // Assess: every condition was really reached …
    const types = events.map((event) => event.type);
    expect(types).toEqual(expect.arrayContaining(['config-error', 'config-missing', 'config-load']));
    expect(events.filter((event) => event.type === 'config-error').length).toBeGreaterThanOrEqual(3);
    expect(thrown.length).toBeGreaterThanOrEqual(3);
    expect(everythingIn(events)).toMatch(/401|unauthori[sz]ed|credential|access key/i);
    // … and no secret appears anywhere.
    const logged = everythingIn(events) + everythingIn(thrown);
    for (const secret of secrets) expect(logged).not.toContain(secret);
    expect(logged).not.toMatch(/Secret=/i);
  });
});
