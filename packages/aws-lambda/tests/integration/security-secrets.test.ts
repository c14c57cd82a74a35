/**
 * Secrets never reach logs: with the AWS secret access key in the environment (where the SDK reads it) and a
 * SecureString experiment, no event and no error the SSM source throws contains either, for loads that fail
 * (store down, parameter missing, a SecureString that is not a valid experiment) and loads that succeed.
 */
import { randomUUID } from 'node:crypto';
import { DeleteParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { createFaultEngine, type FaultlineEvent } from '@faultline/core';
import { type MotoServer, startMoto } from '@faultline/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSsmSource } from '../../src/ssm/index.js';

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

let moto: MotoServer;
let admin: SSMClient;
const originalSecret = process.env.AWS_SECRET_ACCESS_KEY;

beforeAll(async () => {
  moto = await startMoto();
  admin = new SSMClient({ endpoint: moto.endpoint, region: 'us-east-1' });
});
afterEach(() => {
  process.env.AWS_SECRET_ACCESS_KEY = originalSecret;
});
afterAll(async () => {
  admin?.destroy();
  await moto?.stop();
});

interface Harness {
  readonly events: FaultlineEvent[];
  readonly thrown: unknown[];
  engineFor(endpoint: string): {
    source: ReturnType<typeof createSsmSource>;
    engine: ReturnType<typeof createFaultEngine>;
  };
  loadDirectly(source: ReturnType<typeof createSsmSource>): Promise<void>;
  putSecure(value: string): Promise<unknown>;
  readonly parameterName: string;
}

function createHarness(): Harness {
  const parameterName = `/faultline/secrets/${randomUUID()}`;
  const events: FaultlineEvent[] = [];
  const thrown: unknown[] = [];
  return {
    events,
    thrown,
    parameterName,
    engineFor(endpoint) {
      // No explicit credentials: the SDK reads AWS_SECRET_ACCESS_KEY from the environment, as in a real function.
      const source = createSsmSource({
        parameterName,
        clientConfig: { endpoint, region: 'us-east-1' },
        environment: {},
      });
      const engine = createFaultEngine({
        source,
        onEvent: (event) => events.push(event),
        logLevel: 'debug',
        // The test counts config-error events, and a read cut by the budget adds one: its first read loads the SDK and
        // the whole pipeline, which took over 5 s on a loaded machine. The budget only bounds a read (a fast one never
        // waits for it), so a wide one keeps the test about secrets; it stays under the 30 s test timeout.
        cache: { ttlMs: 1, errorBackoffMs: 1, maxBackoffMs: 1, fetchBudgetMs: 20_000 },
        environment: {},
      });
      return { source, engine };
    },
    async loadDirectly(source) {
      try {
        await source.load({ signal: AbortSignal.timeout(5_000), previousVersion: undefined });
      } catch (error) {
        thrown.push(error);
      }
    },
    putSecure: (value) =>
      admin.send(
        new PutParameterCommand({ Name: parameterName, Value: value, Type: 'SecureString', Overwrite: true }),
      ),
  };
}

describe('AWS secrets stay out of events and errors', () => {
  it('never logs the secret access key or a SecureString experiment, for failing and succeeding loads', async () => {
    // Prepare
    const accessKeySecret = `secret-${randomUUID()}`;
    const secureValue = `hunter2-${randomUUID()}`;
    process.env.AWS_SECRET_ACCESS_KEY = accessKeySecret;
    const harness = createHarness();
    const { events, thrown } = harness;

    // Act: the store down (a closed port), the parameter missing, a SecureString document that is not JSON,
    // a valid SecureString experiment, and the parameter deleted.
    const down = harness.engineFor('http://127.0.0.1:9');
    await down.engine.ready();
    await harness.loadDirectly(down.source);
    down.engine.close();

    const live = harness.engineFor(moto.endpoint);
    await live.engine.ready();
    await harness.putSecure(`{"password": "${secureValue}"`);
    await live.engine.refresh();
    await harness.putSecure(
      JSON.stringify({
        schemaVersion: 1,
        id: 'secrets',
        description: secureValue,
        faults: [{ id: 'a', type: 'exception', message: secureValue, probability: 0 }],
      }),
    );
    await live.engine.refresh();
    await admin.send(new DeleteParameterCommand({ Name: harness.parameterName }));
    await live.engine.refresh();
    live.engine.close();

    // Assess: every condition was really reached …
    const types = events.map((event) => event.type);
    expect(types).toEqual(expect.arrayContaining(['config-error', 'config-missing', 'config-load']));
    expect(events.filter((event) => event.type === 'config-error')).toHaveLength(2);
    expect(thrown).toHaveLength(1);
    // … and neither secret appears anywhere.
    const logged = everythingIn(events) + everythingIn(thrown);
    expect(logged).not.toContain(accessKeySecret);
    expect(logged).not.toContain(secureValue.slice(0, 12));
  });

  // Validation issues quote document values (`must be an object, got "pw-…"`); a function pointed at the wrong
  // SecureString (a real password) must not log it, so the runtime masks quoted values in its events.
  it('does not quote a SecureString that is not an experiment in config-error or fault-skipped events', async () => {
    // Prepare
    const password = `pw-${randomUUID().slice(0, 8)}`;
    const harness = createHarness();
    const live = harness.engineFor(moto.endpoint);

    // Act
    await harness.putSecure(password);
    await live.engine.ready();
    await harness.putSecure(
      JSON.stringify({
        schemaVersion: 1,
        id: 'secrets',
        faults: [{ id: 'a', type: password, probability: 1 }],
      }),
    );
    await live.engine.refresh();
    live.engine.close();

    // Assess
    expect(harness.events.map((event) => event.type)).toEqual(
      expect.arrayContaining(['config-error', 'fault-skipped']),
    );
    expect(everythingIn(harness.events)).not.toContain(password);
  });
});
