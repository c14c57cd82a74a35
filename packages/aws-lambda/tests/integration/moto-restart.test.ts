/**
 * Reliability drill: the SSM store (our own moto server) dies mid-traffic and comes back empty.
 *
 * While moto is down every invocation still succeeds or gets only the deliberately injected fault (the last good
 * experiment stays in force), nothing unhandled escapes, and no invocation waits on the store. When moto comes
 * back it has lost its state (it is in-memory): the function sees `config-missing` and stops injecting; once the
 * experiment is pushed again, faults resume within the TTL plus the error backoff.
 *
 * This test starts its own moto on a free loopback port (not the shared `MOTO_ENDPOINT`), because it kills it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { createMemorySink } from '@faultline/core/testing';
import { findMotoPython } from '@faultline/testkit';
import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { withFaults } from '../../src/index.js';
import { createSsmSource } from '../../src/ssm/index.js';
import { httpApiEvent, lambdaContext } from '../fixtures/events.js';

const ttlMs = 200;
const fetchBudgetMs = 300;
const errorBackoffMs = 200;
const maxBackoffMs = 400;
/** Real processes and real time: bounds are generous, conditions are polled, never a fixed sleep as the check. */
const generousMs = 15_000;

async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null ? resolve(address.port) : reject(),
      );
    });
  });
}

/** A moto server this test owns, restartable on the same port. */
function createOwnMoto(port: number) {
  let child: ChildProcess | undefined;
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    async start(): Promise<void> {
      // The first python3 on PATH may lack moto (a CI image's /usr/bin/python3 before pyenv's): find one that has it.
      const { python } = await findMotoPython();
      child = spawn(python, ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
        stdio: 'ignore',
        env: { ...process.env, AWS_EC2_METADATA_DISABLED: 'true' },
      });
      const deadline = Date.now() + 60_000;
      for (;;) {
        try {
          await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1_000) });
          return;
        } catch (error) {
          if (Date.now() > deadline || child.exitCode !== null) {
            throw new Error(`our moto did not start on ${endpoint}`, { cause: error });
          }
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    },
    async kill(): Promise<void> {
      const running = child;
      child = undefined;
      if (running === undefined || running.exitCode !== null) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGKILL');
      await exited;
    },
  };
}

interface Sample {
  readonly chaos: boolean;
  readonly status: number | undefined;
  readonly durationMs: number;
  readonly error: unknown;
  readonly phase: string;
}

const experiment = JSON.stringify({
  schemaVersion: 1,
  id: 'moto-restart',
  faults: [
    {
      id: 'unavailable',
      type: 'status',
      status: 503,
      probability: 1,
      match: [{ field: 'http.header.x-chaos', op: 'eq', value: 'on' }],
    },
  ],
});

describe('SSM store outage and restart (own moto server)', () => {
  let moto: ReturnType<typeof createOwnMoto>;
  let client: SSMClient;
  const parameterName = `/faultline/drill/moto-restart-${Math.random().toString(36).slice(2)}`;

  beforeAll(async () => {
    moto = createOwnMoto(await findFreePort());
    await moto.start();
    client = new SSMClient({ endpoint: moto.endpoint, region: 'us-east-1', maxAttempts: 1 });
  }, 90_000);

  afterAll(async () => {
    client?.destroy();
    await moto?.kill();
  });

  const push = () =>
    client.send(
      new PutParameterCommand({ Name: parameterName, Value: experiment, Type: 'String', Overwrite: true }),
    );

  it('keeps serving through the outage with the last good experiment, then follows the store when it returns', async () => {
    // Prepare
    await push();
    const sink = createMemorySink();
    const handler = vi.fn(async (): Promise<APIGatewayProxyResultV2> => ({ statusCode: 200, body: 'ok' }));
    const wrapped = withFaults(handler, {
      source: createSsmSource({
        parameterName,
        clientConfig: { endpoint: moto.endpoint, region: 'us-east-1' },
        environment: {},
      }),
      cache: { ttlMs, jitterRatio: 0, fetchBudgetMs, errorBackoffMs, maxBackoffMs },
      onEvent: sink,
      logLevel: 'debug',
      environment: { FAULTLINE_STAGE: 'test' },
    });
    const samples: Sample[] = [];
    let phase = 'before';
    let running = true;
    const invoke = async (chaos: boolean): Promise<Sample> => {
      const event = httpApiEvent();
      if (chaos) event.headers = { ...event.headers, 'x-chaos': 'on' };
      const startedAt = performance.now();
      try {
        const result = await wrapped(event, lambdaContext());
        const status = typeof result === 'object' ? result.statusCode : undefined;
        return { chaos, status, durationMs: performance.now() - startedAt, error: undefined, phase };
      } catch (error) {
        return { chaos, status: undefined, durationMs: performance.now() - startedAt, error, phase };
      }
    };
    const traffic = (async () => {
      let chaos = false;
      while (running) {
        samples.push(await invoke(chaos));
        chaos = !chaos;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    const latest = (count: number) => samples.slice(-count);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);

    try {
      // Act 1: the experiment fires.
      await vi.waitFor(
        () => expect(latest(4).filter((sample) => sample.chaos && sample.status === 503)).not.toEqual([]),
        {
          timeout: generousMs,
          interval: 20,
        },
      );

      // Act 2: moto dies mid-traffic; keep going for several TTLs and backoffs.
      phase = 'outage';
      const errorsBeforeOutage = sink.ofType('config-error').length;
      await moto.kill();
      const outageStartedAt = samples.length;
      await vi.waitFor(() => expect(sink.ofType('config-error').length).toBeGreaterThan(errorsBeforeOutage), {
        timeout: generousMs,
        interval: 20,
      });
      await new Promise((resolve) => setTimeout(resolve, 5 * (ttlMs + maxBackoffMs)));
      const outage = samples.slice(outageStartedAt).filter((sample) => sample.phase === 'outage');

      // A cold instance starting during the outage: its first invocation waits at most the fetch budget for the
      // store, then serves without faults (it has no last good experiment).
      const coldSink = createMemorySink();
      const cold = withFaults(handler, {
        source: createSsmSource({
          parameterName,
          clientConfig: { endpoint: moto.endpoint, region: 'us-east-1' },
          environment: {},
        }),
        cache: { ttlMs, jitterRatio: 0, fetchBudgetMs, errorBackoffMs, maxBackoffMs },
        onEvent: coldSink,
        environment: { FAULTLINE_STAGE: 'test' },
      });
      const coldEvent = httpApiEvent();
      coldEvent.headers = { ...coldEvent.headers, 'x-chaos': 'on' };
      const coldStartedAt = performance.now();
      const coldResult = await cold(coldEvent, lambdaContext());
      const coldWaitMs = performance.now() - coldStartedAt;

      // Act 3: moto returns empty, on the same port.
      phase = 'restarted-empty';
      await moto.start();
      await vi.waitFor(() => expect(sink.ofType('config-missing')).not.toEqual([]), {
        timeout: generousMs,
        interval: 20,
      });
      await vi.waitFor(
        () =>
          expect(
            latest(4)
              .filter((sample) => sample.chaos)
              .map((sample) => sample.status),
          ).toEqual([200, 200]),
        {
          timeout: generousMs,
          interval: 20,
        },
      );

      // Act 4: the operator pushes the experiment again.
      phase = 'pushed-again';
      const pushedAt = performance.now();
      await push();
      await vi.waitFor(
        () => expect(latest(2).filter((sample) => sample.chaos && sample.status === 503)).not.toEqual([]),
        {
          timeout: generousMs,
          interval: 10,
        },
      );
      const resumedAfterMs = performance.now() - pushedAt;

      console.info(
        `moto restart drill: ${outage.length} invocations during the outage, slowest ${Math.max(...outage.map((sample) => sample.durationMs)).toFixed(1)} ms, ${sink.ofType('config-error').length - errorsBeforeOutage} config-error events; a cold start during the outage waited ${coldWaitMs.toFixed(1)} ms; faults resumed ${resumedAfterMs.toFixed(0)} ms after the re-push`,
      );

      // Assess
      expect(outage.length).toBeGreaterThan(20);
      // Nothing but the deliberate fault: plain requests succeed, chaos requests keep the last good experiment.
      expect(outage.filter((sample) => !sample.chaos).map((sample) => sample.status)).toEqual(
        outage.filter((sample) => !sample.chaos).map(() => 200),
      );
      expect(outage.filter((sample) => sample.chaos).map((sample) => sample.status)).toEqual(
        outage.filter((sample) => sample.chaos).map(() => 503),
      );
      // A warm instance never waits for the store: the cache refreshes in the background.
      expect(Math.max(...outage.map((sample) => sample.durationMs))).toBeLessThan(fetchBudgetMs + 250);
      // One report per condition, not one per invocation or per retry.
      const outageErrors = sink.ofType('config-error').slice(errorsBeforeOutage);
      expect(outageErrors.length).toBeLessThanOrEqual(2);
      expect(outage.length).toBeGreaterThan(10 * outageErrors.length);
      expect(typeof coldResult === 'object' ? coldResult.statusCode : undefined).toBe(200);
      expect(coldWaitMs).toBeLessThan(fetchBudgetMs + 250);
      expect(coldSink.ofType('config-error')).toHaveLength(1);
      // Faults resume within TTL + backoff (plus generous slack for a busy machine and moto's own latency).
      expect(resumedAfterMs).toBeLessThan(ttlMs + maxBackoffMs + 5_000);
      expect(sink.ofType('config-load').length).toBeGreaterThanOrEqual(2);
    } finally {
      running = false;
      await traffic;
      process.off('unhandledRejection', onUnhandled);
    }
    expect(samples.filter((sample) => sample.error !== undefined)).toEqual([]);
    expect(samples.filter((sample) => sample.status !== 200 && sample.status !== 503)).toEqual([]);
    expect(samples.filter((sample) => !sample.chaos && sample.status !== 200)).toEqual([]);
    expect(sink.ofType('internal-error')).toEqual([]);
    expect(unhandled).toEqual([]);
  }, 180_000);
});
