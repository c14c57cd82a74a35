import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveNodeBinary } from '@faultline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ArtilleryLoad, startArtilleryLoad } from '../../src/runner/artillery/artillery-load.js';

// Artillery 2.0.x needs Node >= 22.18: it runs on this Node when recent enough, else on FAULTLINE_NODE22_BIN /
// FAULTLINE_NODE24_BIN (as in CI); without one, the test fails with a message naming them, never skips.
resolveNodeBinary(22);

let server: Server;
let url: string;
let answered = 0;

beforeAll(async () => {
  // Every fourth request is a 503; every request takes about 5 ms.
  server = createServer((_request, response) => {
    answered++;
    const status = answered % 4 === 0 ? 503 : 200;
    setTimeout(() => {
      response.writeHead(status, { 'content-type': 'text/plain' });
      response.end('ok');
    }, 5);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/orders/o-1`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function isAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition() && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 250));
}

describe('the Artillery load driver', () => {
  it('sends the probe at the rate, reports its 10 s periods live, and is killed and awaited on stop', async () => {
    // Prepare
    let load: ArtilleryLoad | undefined;
    try {
      load = await startArtilleryLoad({
        label: 'orders',
        probe: { url, method: 'GET', timeoutMs: 2000, headers: { 'x-probe': 'artillery' } },
        ratePerSecond: 20,
        durationSeconds: 300,
      });
      const running = load;

      // Act: wait for the first whole period after the start to be reported, while Artillery keeps sending
      const firstWholePeriod = Math.ceil(running.startedAtEpochMs / 10_000) * 10_000;
      await waitFor(
        () => running.signal.points().some((point) => point.timestampMs >= firstWholePeriod),
        45_000,
      );

      // Assess: a whole period holds about 10 s × 20 requests, a quarter of them 503s counted as errors
      const whole = running.signal.points().find((point) => point.timestampMs >= firstWholePeriod);
      expect(whole, JSON.stringify(running.signal.points())).toBeDefined();
      expect(whole?.periodMs).toBe(10_000);
      expect(whole?.requests).toBeGreaterThanOrEqual(150);
      expect(whole?.requests).toBeLessThanOrEqual(250);
      const errorRate = (whole?.errors ?? 0) / (whole?.requests ?? 1);
      expect(errorRate).toBeGreaterThan(0.15);
      expect(errorRate).toBeLessThan(0.35);
      expect(whole?.p50).toBeGreaterThanOrEqual(5);
      expect(running.failure).toBeUndefined();
      expect(isAlive(running.pid)).toBe(true);
    } finally {
      await load?.stop();
    }

    // Stopped: the process is gone and no more requests arrive
    expect(isAlive(load?.pid)).toBe(false);
    const afterStop = answered;
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(answered).toBe(afterStop);
  }, 120_000);

  it('reports Artillery ending before the run as a failure', async () => {
    // Prepare: a load planned for 1 s ends long before anyone stops it
    const load = await startArtilleryLoad({
      label: 'orders',
      probe: { url, method: 'GET', timeoutMs: 2000 },
      ratePerSecond: 5,
      durationSeconds: 1,
    });
    try {
      // Act
      await waitFor(() => load.failure !== undefined, 60_000);

      // Assess
      expect(load.failure).toMatch(/^Artillery ended before the run did \(exit code 0\)/);
    } finally {
      await load.stop();
    }
  }, 120_000);

  it('runs Artillery without telemetry and without a cloud worker id from the environment', async () => {
    // Prepare: a stand-in for Artillery's command that reports what it was given, then waits to be stopped
    const directory = await mkdtemp(join(tmpdir(), 'faultline-artillery-env-'));
    const binPath = join(directory, 'run.mjs');
    await writeFile(
      binPath,
      [
        "console.log('env ' + JSON.stringify({ telemetry: process.env.ARTILLERY_DISABLE_TELEMETRY ?? null, workerId: process.env.WORKER_ID ?? null, args: process.argv.slice(2, 4) }));",
        "console.log('faultline-started');",
        'setInterval(() => {}, 1000);',
      ].join('\n'),
    );
    const output: string[] = [];

    // Act
    const load = await startArtilleryLoad({
      label: 'orders',
      probe: { url, method: 'GET', timeoutMs: 2000 },
      ratePerSecond: 5,
      durationSeconds: 60,
      artilleryBinPath: binPath,
      environment: { ...process.env, WORKER_ID: 'ci-worker-7' },
      onOutput: (line) => output.push(line),
    });
    await load.stop();
    await rm(directory, { recursive: true, force: true });

    // Assess
    expect(output).toEqual(['env {"telemetry":"true","workerId":null,"args":["run","--quiet"]}']);
    expect(load.failure).toBeUndefined();
    expect(isAlive(load.pid)).toBe(false);
  }, 60_000);
});
