import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunSection, validateRunSection } from '@faultline/core';
import { createSamplingPrefix, sampleFires, stickyUnit } from '@faultline/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodeForRun, writeRunArtifacts } from '../../src/commands/run.js';
import { runExperiment } from '../../src/runner/run-experiment.js';
import {
  createFileStore,
  createStore,
  type ExperimentStore,
  type StoreCoordinates,
  type WriteOptions,
  withOperationTimeout,
} from '../../src/stores/index.js';
import { type LoopbackService, startLoopbackService } from './loopback-service.js';

let directory: string;
const services: LoopbackService[] = [];

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'faultline-runner-'));
});

afterAll(async () => {
  await Promise.allSettled(services.map((service) => service.close()));
  await rm(directory, { recursive: true, force: true });
});

async function service(name: string, healthy = true) {
  const configFile = join(directory, `${name}.json`);
  const started = await startLoopbackService({ configFile, healthy });
  services.push(started);
  return { ...started, configFile };
}

function runSection(
  url: string,
  configFile: string,
  overrides: Partial<Record<string, unknown>> = {},
): RunSection {
  const result = validateRunSection({
    hypothesis: 'orders keep succeeding quickly',
    targets: [
      {
        name: 'local',
        cloud: 'local',
        store: { kind: 'file', path: configFile },
        probe: { url: `${url}/orders/o-1001` },
      },
    ],
    // Generous latency tolerance: these tests are about verdicts, stop conditions and rollback, not speed, and must
    // not flake on a busy 2-core CI machine.
    steadyState: { successRatio: { min: 0.99 }, latencyMs: { p95: { max: 1500 } }, sampleSeconds: 1 },
    load: { ratePerSecond: 40, durationSeconds: 2, concurrency: 8 },
    stopConditions: [{ metric: 'errorRate', op: 'gt', value: 0.95, windowSeconds: 1 }],
    propagationWaitMs: 400,
    recoverySeconds: 0.5,
    ...overrides,
  });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.run;
}

const latencyExperiment = {
  schemaVersion: 1,
  id: 'slow-but-fine',
  enabled: true,
  faults: [{ id: 'slow', type: 'latency', delayMs: 40, probability: 1 }],
};

const failureExperiment = {
  schemaVersion: 1,
  id: 'order-failures',
  enabled: true,
  faults: [{ id: 'unavailable', type: 'status', status: 503, probability: 0.3 }],
};

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

describe('faultline run', () => {
  it('gives the verdict "held" when the service absorbs the fault, and removes the experiment it created', async () => {
    // Prepare
    const target = await service('held');

    // Act
    const journal = await runExperiment({
      document: latencyExperiment,
      run: runSection(target.url, target.configFile),
    });

    // Assess
    expect(journal.status).toBe('completed');
    expect(journal.verdict).toBe('held');
    const [result] = journal.targets;
    expect(result?.verdict).toBe('held');
    expect(result?.fault?.summary.count).toBeGreaterThan(20);
    // The injected 40 ms shows up in the measurement, so the fault really was active.
    expect(result?.fault?.summary.latencyMs.p50).toBeGreaterThanOrEqual(40);
    expect(result?.rollback).toMatchObject({ ok: true, action: 'removed the experiment we created' });
    expect(await exists(target.configFile)).toBe(false);
    expect(journal.steps.map((step) => step.step)).toEqual(
      expect.arrayContaining(['start', 'read-previous', 'steady-state', 'push', 'rollback', 'finish']),
    );
  });

  it('counts the injections per fault from the probe responses, and proves them', async () => {
    const target = await service('counted');
    const pushed: Record<string, unknown>[] = [];
    const openStore = (coordinates: StoreCoordinates) => {
      const store = createStore(coordinates);
      return {
        ...store,
        write(document: object | string, options: WriteOptions) {
          if (typeof document === 'object') pushed.push(document as Record<string, unknown>);
          return store.write(document, options);
        },
      };
    };
    const journal = await runExperiment({
      document: latencyExperiment,
      run: runSection(target.url, target.configFile),
      openStore,
    });
    const [result] = journal.targets;
    expect(result?.injection?.status).toBe('proven');
    const [slow] = result?.injection?.faults ?? [];
    // Probability 1: every request of the measured fault window is expected to be injected, and says so (a few
    // right after the push may still meet the previous config on a loaded machine).
    const requests = result?.injection?.requests ?? 0;
    expect(requests).toBe(result?.fault?.summary.count);
    expect(slow).toMatchObject({ id: 'slow', type: 'latency', status: 'proven', expected: requests });
    expect(slow?.injected).toBeGreaterThan(requests * 0.5);
    expect(slow?.injected).toBeLessThanOrEqual(requests);
    expect(result?.injection?.markedRequests).toBe(slow?.injected);
    // The pushed experiment carried a fresh token; it is a secret of the run, never in the journal.
    const runToken = pushed[0]?.runToken;
    expect(runToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify(journal)).not.toContain(String(runToken));
  });

  it('never gives "held" when the faults did not fire: the verdict is "not-proven" and the exit code 1', async () => {
    const target = await startLoopbackService({
      configFile: join(directory, 'unread.json'),
      faultline: false,
    });
    services.push(target);
    const journal = await runExperiment({
      document: latencyExperiment,
      run: runSection(target.url, join(directory, 'unread.json')),
    });
    expect(journal.status).toBe('completed');
    const [result] = journal.targets;
    expect(result?.verdict).toBe('not-proven');
    expect(journal.verdict).toBe('not-proven');
    expect(result?.injection).toMatchObject({ status: 'not-proven', markedRequests: 0 });
    expect(result?.injection?.faults[0]).toMatchObject({ id: 'slow', injected: 0, status: 'not-injected' });
    expect(result?.reason).toContain('injection is not proven');
    expect(exitCodeForRun(journal)).toBe(1);
  });

  it('gives the verdict "deviated" with the numbers when errors break the tolerance, and restores the previous experiment', async () => {
    // Prepare: the store already holds someone's (disabled) experiment
    const target = await service('deviated');
    const previous = `${JSON.stringify({ schemaVersion: 1, id: 'previous', enabled: false, faults: [] }, null, 2)}\n`;
    await writeFile(target.configFile, previous);

    // Act
    const journal = await runExperiment({
      document: failureExperiment,
      run: runSection(target.url, target.configFile),
    });

    // Assess
    expect(journal.verdict).toBe('deviated');
    const [result] = journal.targets;
    const successCheck = result?.fault?.checks.find((check) => check.name === 'success ratio');
    expect(successCheck?.ok).toBe(false);
    expect(successCheck?.observed).toBeLessThan(0.9);
    expect(successCheck?.observed).toBeGreaterThan(0.4);
    expect(result?.reason).toContain('success ratio');
    expect(result?.rollback?.ok).toBe(true);
    expect(await readFile(target.configFile, 'utf8')).toBe(previous);
  });

  it('aborts without overwriting when someone changes a store between the read and the push', async () => {
    // Prepare: a store wrapper that lets "someone else" write just before our first push
    const target = await service('conflict');
    const theirs = `${JSON.stringify({ schemaVersion: 1, id: 'theirs', enabled: true, faults: [] })}\n`;
    let interfered = false;
    const openStore = (coordinates: StoreCoordinates) => {
      const store = createStore(coordinates);
      return {
        ...store,
        async write(document: object | string, options: WriteOptions) {
          if (!interfered) {
            interfered = true;
            await writeFile(target.configFile, theirs);
          }
          return store.write(document, options);
        },
      };
    };

    // Act
    const journal = await runExperiment({
      document: latencyExperiment,
      run: runSection(target.url, target.configFile),
      openStore,
    });

    // Assess
    expect(journal.status).toBe('failed');
    expect(journal.verdict).toBe('not-run');
    expect(journal.error).toMatch(/already holds an experiment/);
    expect(await readFile(target.configFile, 'utf8')).toBe(theirs);
  });

  it('switches everything off at once when a stop condition is breached, and records it', async () => {
    // Prepare
    const target = await service('breach');
    const run = runSection(target.url, target.configFile, {
      load: { ratePerSecond: 40, durationSeconds: 8, concurrency: 8 },
      stopConditions: [{ metric: 'errorRate', op: 'gt', value: 0.5, windowSeconds: 1 }],
    });

    // Act
    const journal = await runExperiment({
      document: {
        ...failureExperiment,
        faults: [{ id: 'down', type: 'status', status: 503, probability: 1 }],
      },
      run,
    });

    // Assess
    expect(journal.status).toBe('stopped');
    expect(journal.verdict).toBe('deviated');
    expect(journal.breach).toMatchObject({ target: 'local', condition: 'errorRate > 0.5 over 1 s' });
    expect(journal.breach?.observed).toBeGreaterThan(0.5);
    // Stopped well before the planned 8 s fault window ended.
    expect((journal.phases.faultEndMs ?? 0) - (journal.phases.faultStartMs ?? 0)).toBeLessThan(6000);
    const steps = journal.steps.map((step) => step.step);
    expect(steps.indexOf('stop-condition')).toBeLessThan(steps.indexOf('switch-off'));
    expect(steps.indexOf('switch-off')).toBeLessThan(steps.indexOf('rollback'));
    expect(journal.targets[0]?.reason).toContain('stop condition breached');
    expect(await exists(target.configFile)).toBe(false);
  });

  it('stops before injecting anything when the steady state does not hold', async () => {
    // Prepare
    const target = await service('broken', false);

    // Act
    const journal = await runExperiment({
      document: latencyExperiment,
      run: runSection(target.url, target.configFile),
    });

    // Assess
    expect(journal.status).toBe('steady-state-failed');
    expect(journal.verdict).toBe('not-run');
    expect(journal.steps.some((step) => step.step === 'push')).toBe(false);
    expect(await exists(target.configFile)).toBe(false);
  });

  it('rolls back when interrupted (Ctrl-C) during the fault window', async () => {
    // Prepare
    const target = await service('interrupted');
    const controller = new AbortController();
    const run = runSection(target.url, target.configFile, {
      load: { ratePerSecond: 20, durationSeconds: 30, concurrency: 4 },
    });

    // Act
    const running = runExperiment({
      document: latencyExperiment,
      run,
      signal: controller.signal,
      onProgress: (message) => {
        if (message.startsWith('observing')) setTimeout(() => controller.abort(), 300);
      },
    });
    const journal = await running;

    // Assess
    expect(journal.status).toBe('interrupted');
    expect(journal.durationMs).toBeLessThan(10_000);
    expect(journal.targets[0]?.rollback?.ok).toBe(true);
    expect(await exists(target.configFile)).toBe(false);
  });

  it('writes the journal and a self-contained HTML report', async () => {
    // Prepare
    const target = await service('report');
    const run = runSection(target.url, target.configFile);
    const journal = await runExperiment({ document: failureExperiment, run });

    // Act
    const { journalPath, reportPath } = await writeRunArtifacts(journal, run, join(directory, 'report'));

    // Assess
    expect(JSON.parse(await readFile(journalPath, 'utf8'))).toMatchObject({
      journalVersion: 1,
      verdict: 'deviated',
    });
    const html = await readFile(reportPath, 'utf8');
    expect(html).toContain('class="fault-window"');
    expect(html).toContain('orders keep succeeding quickly');
    expect(html).not.toMatch(/<(script|link)[^>]+(src|href)=/);
  });
});

function twoTargetRun(
  first: { url: string; configFile: string },
  second: { url: string; configFile: string },
) {
  const single = runSection(first.url, first.configFile);
  const [target] = single.targets;
  if (target === undefined) throw new Error('no target');
  return {
    ...single,
    targets: [
      { ...target, name: 'first' },
      {
        ...target,
        name: 'second',
        store: { kind: 'file' as const, path: second.configFile },
        probe: { ...(target.probe as NonNullable<typeof target.probe>), url: `${second.url}/orders/o-1001` },
      },
    ],
  };
}

function delayed(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('the request-by-request injection check (sticky sampling on the probe id)', () => {
  const stickyExperiment = {
    schemaVersion: 1,
    id: 'sticky-orders',
    seed: 'count-1',
    enabled: true,
    faults: [
      {
        id: 'slow',
        type: 'latency',
        delayMs: 5,
        probability: 0.3,
        sampleBy: 'http.header.x-faultline-probe-id',
      },
    ],
  };
  // Computed here from the sampling primitives, independently of the runner's check.
  const prefix = createSamplingPrefix('count-1', 'sticky-orders', 'slow');
  const selected = (probeId: string) => sampleFires(0.3, stickyUnit(prefix, probeId));

  /** What the function saw and answered, per probe id. */
  function recorder() {
    const answers = new Map<string, readonly string[]>();
    return {
      answers,
      onAnswer(request: Readonly<Record<string, string>>, response: Readonly<Record<string, string>>) {
        const probeId = request['x-faultline-probe-id'];
        const marker = response['x-faultline-injected'];
        if (probeId !== undefined) answers.set(probeId, marker === undefined ? [] : marker.split(','));
      },
    };
  }

  /** The probe ids from `first` to `last` (same generator, by sequence number). */
  function idsBetween(ids: Iterable<string>, first: string, last: string): string[] {
    const [generator, from] = first.split('-');
    const to = Number(last.split('-')[1]);
    return [...ids].filter((id) => {
      const [own, sequence] = id.split('-');
      return own === generator && Number(sequence) >= Number(from) && Number(sequence) <= to;
    });
  }

  it('counts exactly the probe requests the sticky sampling selects, and agrees with the engine on each', async () => {
    const configFile = join(directory, 'sticky.json');
    const seen = recorder();
    const target = await startLoopbackService({ configFile, onAnswer: seen.onAnswer });
    services.push(target);

    const journal = await runExperiment({
      document: stickyExperiment,
      // A longer propagation wait than the other tests: the function's cache (150 ms) must have the pushed config
      // before the measured window, so every request of it is compared.
      run: runSection(target.url, configFile, { propagationWaitMs: 800 }),
    });

    const [result] = journal.targets;
    const injection = result?.injection;
    expect(injection?.status).toBe('proven');
    expect(result?.verdict).toBe('held');
    const range = injection?.probeIds as { first: string; last: string };
    const counted = idsBetween(seen.answers.keys(), range.first, range.last);
    expect(counted).toHaveLength(injection?.requests ?? -1);
    const expectedIds = counted.filter(selected);
    expect(expectedIds.length).toBeGreaterThan(5);
    expect(expectedIds.length).toBeLessThan(counted.length);
    // The engine injected exactly those requests...
    const markedIds = counted.filter((id) => seen.answers.get(id)?.includes('slow'));
    expect(markedIds).toEqual(expectedIds);
    // ...and the journal says so, with the same numbers.
    const [slow] = injection?.faults ?? [];
    expect(slow).toMatchObject({
      id: 'slow',
      status: 'exact',
      expected: expectedIds.length,
      injected: expectedIds.length,
    });
    expect(slow?.exact).toMatchObject({
      sampled: expectedIds.length,
      sampledAndMarked: expectedIds.length,
      sampledButUnmarked: 0,
      markedButNotSampled: 0,
      mismatches: [],
    });
    // Unmarked requests sent before the first marked answer arrived are not compared (settling); all others are.
    expect((slow?.exact?.requests ?? 0) + (slow?.exact?.settling ?? 0)).toBe(counted.length);
  });

  it('is not green when the function injects as often as configured but not the selected requests', async () => {
    // A proxy in front of the function drops the probe id: the engine falls back to random draws at the same
    // probability, so the count alone looks right, but the injected requests are not the ones the key selects.
    const configFile = join(directory, 'sticky-dropped.json');
    const seen = recorder();
    const target = await startLoopbackService({
      configFile,
      dropHeaders: ['x-faultline-probe-id'],
      onAnswer: seen.onAnswer,
    });
    services.push(target);

    const journal = await runExperiment({
      document: stickyExperiment,
      run: runSection(target.url, configFile, { propagationWaitMs: 800 }),
    });

    const [result] = journal.targets;
    const [slow] = result?.injection?.faults ?? [];
    // As many injections as the probability makes likely: the count alone would have called it proven.
    expect(slow?.injected).toBeGreaterThanOrEqual(slow?.minimumExpected ?? Number.POSITIVE_INFINITY);
    expect(slow?.injected).toBeGreaterThan(0);
    expect(slow?.status).toBe('mismatch');
    expect((slow?.exact?.sampledButUnmarked ?? 0) + (slow?.exact?.markedButNotSampled ?? 0)).toBeGreaterThan(
      0,
    );
    expect(slow?.exact?.mismatches.length).toBeGreaterThan(0);
    expect(result?.injection?.status).toBe('not-proven');
    expect(result?.verdict).toBe('not-proven');
    expect(journal.verdict).toBe('not-proven');
    expect(result?.reason).toContain('differ from the ones its sticky sampling selects');
    expect(exitCodeForRun(journal)).toBe(1);
  });
});

describe('the rollback', () => {
  it('waits for every push it started: one target conflicts while the other target is still being written', async () => {
    // Prepare: the first store gets someone else's write just before our push (a conflict); the second store's
    // push is slow and lands well after the first one failed.
    const first = await service('partial-first');
    const second = await service('partial-second');
    const theirs = `${JSON.stringify({ schemaVersion: 1, id: 'theirs', enabled: true, faults: [] })}\n`;
    const openStore = (coordinates: StoreCoordinates): ExperimentStore => {
      const store = createStore(coordinates);
      const isFirst = coordinates.kind === 'file' && coordinates.path === first.configFile;
      let pushes = 0;
      return {
        ...store,
        async write(document: object | string, options: WriteOptions) {
          pushes++;
          if (pushes === 1 && isFirst) await writeFile(first.configFile, theirs);
          if (pushes === 1 && !isFirst) await delayed(400);
          return store.write(document, options);
        },
      };
    };

    // Act
    const journal = await runExperiment({
      document: latencyExperiment,
      run: twoTargetRun(first, second),
      openStore,
    });
    await delayed(600);

    // Assess: the slow write landed, and the rollback removed it, verified by reading the store back
    expect(journal.status).toBe('failed');
    expect(journal.steps).toContainEqual(
      expect.objectContaining({ step: 'push', target: 'second', ok: true }),
    );
    expect(await exists(second.configFile)).toBe(false);
    const secondResult = journal.targets.find((target) => target.name === 'second');
    expect(secondResult?.rollback).toMatchObject({
      ok: true,
      action: 'removed the experiment we created',
      verified: { state: 'empty' },
    });
    // The first store keeps what someone else wrote; the journal says what it read there.
    expect(await readFile(first.configFile, 'utf8')).toBe(theirs);
    expect(journal.targets.find((target) => target.name === 'first')?.rollback).toMatchObject({
      ok: true,
      verified: { state: 'foreign', id: 'theirs', enabled: true },
    });
  });

  it('waits for a write that timed out but still lands, then rolls it back', async () => {
    // Prepare: the store's operation bound (150 ms) gives up on a write that takes 500 ms and then lands.
    const target = await service('late-write');
    let writes = 0;
    const openStore = (coordinates: StoreCoordinates): ExperimentStore => {
      const file = createFileStore(coordinates as { kind: 'file'; path: string });
      return withOperationTimeout(
        {
          ...file,
          async write(document, options) {
            writes++;
            if (writes === 1) await delayed(500);
            return file.write(document, options);
          },
        },
        150,
      );
    };

    // Act
    const journal = await runExperiment({
      document: latencyExperiment,
      run: runSection(target.url, target.configFile),
      openStore,
    });
    await delayed(600);

    // Assess
    expect(journal.error).toMatch(/did not finish within 150 ms/);
    expect(await exists(target.configFile)).toBe(false);
    expect(journal.targets[0]?.rollback).toMatchObject({ ok: true, verified: { state: 'empty' } });
  });

  it('reports a write that is still in flight when the fence gives up as not verified, and exits 4', async () => {
    // Prepare: the write takes far longer than the rollback is allowed to wait for it.
    const target = await service('stuck-write');
    const openStore = (coordinates: StoreCoordinates): ExperimentStore => {
      const file = createFileStore(coordinates as { kind: 'file'; path: string });
      return withOperationTimeout(
        {
          ...file,
          async write(document, options) {
            await delayed(1500);
            return file.write(document, options);
          },
        },
        100,
      );
    };

    // Act
    const journal = await runExperiment({
      document: latencyExperiment,
      run: runSection(target.url, target.configFile),
      openStore,
      fenceTimeoutMs: 200,
    });

    // Assess
    expect(journal.targets[0]?.rollback?.ok).toBe(false);
    expect(journal.targets[0]?.rollback?.detail).toMatch(/may still land/);
    expect(exitCodeForRun(journal)).toBe(4);
    await delayed(1600);
  });

  it('does not trust a restore that reported success: it reads the store back and switches our experiment off', async () => {
    // Prepare: a store whose remove() says it worked but leaves the document in place.
    const target = await service('lying-remove');
    const openStore = (coordinates: StoreCoordinates): ExperimentStore => ({
      ...createStore(coordinates),
      async remove() {},
    });

    // Act
    const journal = await runExperiment({
      document: latencyExperiment,
      run: runSection(target.url, target.configFile),
      openStore,
    });

    // Assess
    expect(journal.targets[0]?.rollback).toMatchObject({
      ok: true,
      verified: { state: 'ours', enabled: false },
    });
    expect(journal.targets[0]?.rollback?.action).toMatch(/switched off/);
    expect(JSON.parse(await readFile(target.configFile, 'utf8'))).toMatchObject({
      id: 'slow-but-fine',
      enabled: false,
    });
    expect(journal.steps).toContainEqual(
      expect.objectContaining({ step: 'verify', target: 'local', detail: expect.stringMatching(/disabled/) }),
    );
  });

  it('opens every store on its own and injects nowhere when one cannot be opened, naming it', async () => {
    // Prepare
    const first = await service('unopened-first');
    const second = await service('unopened-second');
    const openStore = (coordinates: StoreCoordinates): ExperimentStore => {
      if (coordinates.kind === 'file' && coordinates.path === second.configFile)
        throw new Error('the connection string variable is not set');
      return createStore(coordinates);
    };

    // Act
    const journal = await runExperiment({
      document: latencyExperiment,
      run: twoTargetRun(first, second),
      openStore,
    });

    // Assess
    expect(journal.status).toBe('failed');
    expect(journal.error).toMatch(/second: the connection string variable is not set/);
    expect(journal.steps).toContainEqual(
      expect.objectContaining({ step: 'open-store', target: 'second', ok: false }),
    );
    expect(journal.steps.some((step) => step.step === 'push')).toBe(false);
    expect(await exists(first.configFile)).toBe(false);
  });
});
