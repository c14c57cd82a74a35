import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunSection, validateRunSection } from '@faultline/core';
import { resolveNodeBinary } from '@faultline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunPhase } from '../../src/runner/progress.js';
import { runExperiment } from '../../src/runner/run-experiment.js';
import { type LoopbackService, startLoopbackService } from './loopback-service.js';

// Artillery 2.0.x needs Node >= 22.18: it runs on this Node when recent enough, else on FAULTLINE_NODE22_BIN /
// FAULTLINE_NODE24_BIN (as in CI); without one, the test fails with a message naming them, never skips.
resolveNodeBinary(22);

let directory: string;
const services: LoopbackService[] = [];

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'faultline-artillery-run-'));
});

afterAll(async () => {
  await Promise.allSettled(services.map((service) => service.close()));
  await rm(directory, { recursive: true, force: true });
});

/**
 * The loopback order service (the real engine reading a file store) behind a counting front door, so the test
 * sees when Artillery's requests stop arriving.
 */
async function countedService(name: string) {
  const configFile = join(directory, `${name}.json`);
  const service = await startLoopbackService({ configFile });
  services.push(service);
  let requests = 0;
  const front = createServer((request: IncomingMessage, response: ServerResponse) => {
    requests++;
    fetch(`${service.url}${request.url ?? '/'}`)
      .then(async (answer) => {
        response.writeHead(answer.status, { 'content-type': 'application/json' });
        response.end(await answer.text());
      })
      .catch(() => {
        response.writeHead(502);
        response.end();
      });
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  services.push({
    url: '',
    close: () =>
      new Promise<void>((resolve) => {
        front.closeAllConnections();
        front.close(() => resolve());
      }),
  });
  return {
    url: `http://127.0.0.1:${(front.address() as AddressInfo).port}`,
    configFile,
    requests: () => requests,
  };
}

function artilleryRun(url: string, configFile: string, overrides: Record<string, unknown>): RunSection {
  const result = validateRunSection({
    hypothesis: 'orders keep succeeding',
    targets: [
      {
        name: 'local',
        cloud: 'local',
        store: { kind: 'file', path: configFile },
        probe: { url: `${url}/orders/o-1001`, timeoutMs: 3000 },
      },
    ],
    // Generous latency tolerance: these tests are about verdicts and stop conditions from Artillery's numbers on a
    // busy 2-core machine, not speed.
    steadyState: { successRatio: { min: 0.99 }, latencyMs: { p95: { max: 2000 } }, sampleSeconds: 5 },
    load: { driver: 'artillery', ratePerSecond: 20, durationSeconds: 20 },
    stopConditions: [{ metric: 'errorRate', op: 'gt', value: 0.95, windowSeconds: 10 }],
    propagationWaitMs: 400,
    recoverySeconds: 0,
    ...overrides,
  });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.run;
}

/** The Artillery processes this test process started (children running `artillery/bin/run`). */
function artilleryChildren(): number[] {
  let listed = '';
  try {
    listed = execFileSync('pgrep', ['-P', String(process.pid), '-f', 'artillery'], { encoding: 'utf8' });
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
  return listed
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map(Number);
}

/** A progress that calls `onObserve` once, when the fault window's observation starts. */
function onObservePhase(onObserve: () => void) {
  let called = false;
  return {
    phase(phase: RunPhase) {
      if (phase === 'observe' && !called) {
        called = true;
        onObserve();
      }
    },
    note() {},
    end() {},
  };
}

const allDown = {
  schemaVersion: 1,
  id: 'orders-down',
  enabled: true,
  faults: [{ id: 'down', type: 'status', status: 503, probability: 1 }],
};

/** Artillery's process is gone: no request reaches the target any more. */
async function expectNoMoreRequests(target: { requests(): number }): Promise<void> {
  const afterRun = target.requests();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  expect(target.requests()).toBe(afterRun);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

describe('faultline run with load.driver: artillery', () => {
  it('judges the steady state and the verdict from Artillery’s periods, then rolls back and stops Artillery', async () => {
    // Prepare: 30 % of the orders answer 503 while the fault is active
    const target = await countedService('verdict');
    const document = {
      schemaVersion: 1,
      id: 'order-failures',
      enabled: true,
      faults: [{ id: 'unavailable', type: 'status', status: 503, probability: 0.3 }],
    };

    // Act
    const journal = await runExperiment({
      document,
      run: artilleryRun(target.url, target.configFile, {}),
    });

    // Assess: the verdict comes from Artillery's numbers
    expect(journal.status, JSON.stringify(journal.steps)).toBe('completed');
    expect(journal.verdict).toBe('deviated');
    const [result] = journal.targets;
    const [artillery] = result?.metrics ?? [];
    expect(artillery?.kind).toBe('artillery');
    expect(artillery?.periodMs).toBe(10_000);
    // Steady state: one whole 10 s period at 20 req/s, no errors
    expect(result?.steadyState.held).toBe(true);
    expect(artillery?.steadyState?.summary.count).toBeGreaterThanOrEqual(150);
    expect(artillery?.steadyState?.summary.errors).toBe(0);
    // Fault window: at least one whole period, about 30 % of it 503s counted as errors
    expect(result?.fault?.summary.count).toBeGreaterThanOrEqual(150);
    const successCheck = result?.fault?.checks.find(
      (check) => check.name === 'success ratio (artillery local)',
    );
    expect(successCheck?.ok).toBe(false);
    expect(successCheck?.observed).toBeGreaterThan(0.55);
    expect(successCheck?.observed).toBeLessThan(0.85);
    expect(result?.reason).toContain('success ratio (artillery local)');
    expect(journal.steps.find((step) => step.step === 'load-driver')?.detail).toMatch(
      /^artillery 2\.0\.34 on Node 2\d\.\d+\.\d+: 20 req\/s$/,
    );
    // Rolled back, and Artillery's process is gone: no more requests arrive
    expect(result?.rollback?.ok).toBe(true);
    expect(await exists(target.configFile)).toBe(false);
    await expectNoMoreRequests(target);
  }, 240_000);

  it('stops and rolls back when a stop condition fires on Artillery’s numbers', async () => {
    // Prepare: every order fails while the fault is active; the stop condition fires above 50 % errors
    const target = await countedService('stop');
    const run = artilleryRun(target.url, target.configFile, {
      load: { driver: 'artillery', ratePerSecond: 20, durationSeconds: 90 },
      stopConditions: [{ metric: 'errorRate', op: 'gt', value: 0.5, windowSeconds: 10, minSamples: 20 }],
    });

    // Act
    const journal = await runExperiment({ document: allDown, run });

    // Assess
    expect(journal.status, JSON.stringify(journal.steps)).toBe('stopped');
    expect(journal.breach?.condition).toBe('errorRate > 0.5 over 10 s (artillery local)');
    expect(journal.breach?.observed).toBeGreaterThan(0.5);
    const faultMs = (journal.phases.faultEndMs ?? 0) - (journal.phases.faultStartMs ?? 0);
    // Stopped long before the planned 90 s: within Artillery's report delay of the first failing period.
    expect(faultMs).toBeLessThan(60_000);
    const [result] = journal.targets;
    expect(result?.verdict).toBe('deviated');
    expect(result?.reason).toBe('stop condition breached: errorRate > 0.5 over 10 s (artillery local)');
    expect(journal.steps.some((step) => step.step === 'switch-off' && step.ok)).toBe(true);
    expect(result?.rollback?.ok).toBe(true);
    expect(await exists(target.configFile)).toBe(false);
    await expectNoMoreRequests(target);
  }, 240_000);

  it('stops and rolls back when Artillery dies under fault, and leaves no Artillery process behind', async () => {
    // Prepare: a long fault window with a stop condition that would not fire
    const target = await countedService('crash');
    const run = artilleryRun(target.url, target.configFile, {
      load: { driver: 'artillery', ratePerSecond: 10, durationSeconds: 90 },
    });

    // Act: Artillery is killed once the fault window is observed
    const journal = await runExperiment({
      document: { ...allDown, faults: [{ ...allDown.faults[0], probability: 0.01 }] },
      run,
      progress: onObservePhase(() => {
        for (const pid of artilleryChildren()) process.kill(pid, 'SIGKILL');
      }),
    });

    // Assess
    expect(journal.status, JSON.stringify(journal.steps)).toBe('stopped');
    expect(journal.breach?.condition).toBe('Artillery load running');
    expect(String(journal.breach?.observed)).toMatch(/^Artillery ended before the run did \(SIGKILL\)/);
    expect(journal.targets[0]?.verdict).toBe('deviated');
    expect(journal.targets[0]?.rollback?.ok).toBe(true);
    expect(await exists(target.configFile)).toBe(false);
    expect(artilleryChildren()).toEqual([]);
  }, 240_000);

  it('rolls back and stops Artillery when the run is interrupted', async () => {
    // Prepare
    const target = await countedService('interrupt');
    const controller = new AbortController();
    const run = artilleryRun(target.url, target.configFile, {
      load: { driver: 'artillery', ratePerSecond: 10, durationSeconds: 90 },
    });

    // Act: Ctrl-C once the fault window is observed
    const journal = await runExperiment({
      document: { ...allDown, faults: [{ ...allDown.faults[0], probability: 0.01 }] },
      run,
      signal: controller.signal,
      progress: onObservePhase(() => setTimeout(() => controller.abort('SIGINT'), 1000)),
    });

    // Assess: rolled back, and Artillery was stopped and awaited before runExperiment returned
    expect(journal.status, JSON.stringify(journal.steps)).toBe('interrupted');
    expect(journal.targets[0]?.rollback?.ok).toBe(true);
    expect(await exists(target.configFile)).toBe(false);
    expect(artilleryChildren()).toEqual([]);
    await expectNoMoreRequests(target);
  }, 240_000);
});
