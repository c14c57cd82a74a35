import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import type { RunSection } from '@faultline/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoMetrics } from '../../src/demo/demo-metrics.js';
import { loadExperimentFile, resolveRunSection, toRuntimeDocument } from '../../src/experiment-file.js';
import { runExperiment } from '../../src/runner/run-experiment.js';
import { createStore } from '../../src/stores/index.js';

/**
 * The two shared experiments against the real AWS demo app (order function wrapped with withFaults, DynamoDB and
 * the SSM parameter on moto, pricing service on localhost), driven by the runner exactly like `faultline run`.
 */
const repositoryRoot = resolve(import.meta.dirname, '../../../..');
const parameterName = `/faultline/cli-demo-${randomBytes(4).toString('hex')}`;

interface AwsDemo {
  readonly url: string;
  readonly configSource: string;
  readonly awsEndpoint: string | undefined;
  stop(): Promise<void>;
}

let demo: AwsDemo;

beforeAll(async () => {
  // Imported by path: the published CLI never depends on the demo apps.
  const module = (await import(resolve(repositoryRoot, 'apps/aws-lambda-demo/src/demo.ts'))) as {
    startDemo(options: Record<string, unknown>): Promise<AwsDemo>;
  };
  demo = await module.startDemo({ store: 'native', ttlMs: 500, parameterName, onEvent: () => {} });
}, 120_000);

afterAll(async () => {
  await demo?.stop();
});

/** The file's run section, aimed at the AWS demo only, with shorter phases (tolerances unchanged). */
async function loadScenario(file: string): Promise<{ document: Record<string, unknown>; run: RunSection }> {
  const loaded = await loadExperimentFile(resolve(repositoryRoot, file));
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
  expect(demo.awsEndpoint, 'moto must be available for this test (.ci/run provides it)').toBeDefined();
  const resolved = resolveRunSection(
    loaded.raw,
    {
      AWS_DEMO_URL: demo.url,
      AWS_SSM_ENDPOINT: demo.awsEndpoint ?? '',
      AWS_SSM_PARAMETER: parameterName,
      GCP_DEMO_URL: 'http://127.0.0.1:9',
      AZURE_DEMO_URL: 'http://127.0.0.1:9',
    },
    {},
  );
  const run: RunSection = {
    ...resolved,
    targets: resolved.targets.filter((target) => target.name === 'aws'),
    steadyState: { ...resolved.steadyState, sampleSeconds: 2 },
    load: { ...(resolved.load as NonNullable<RunSection['load']>), durationSeconds: 4 },
    propagationWaitMs: 1000,
    recoverySeconds: 1,
  };
  return { document: toRuntimeDocument(loaded.raw), run };
}

describe('the shared experiments against the AWS demo', () => {
  it('pricing-latency: the fallback absorbs the slow pricing service, so the hypothesis holds', async () => {
    // Prepare
    const { document, run } = await loadScenario('experiments/pricing-latency.yaml');

    // Act
    const journal = await runExperiment({ document, run });

    // Assess
    const [aws] = journal.targets;
    expect(journal.status).toBe('completed');
    expect(aws?.verdict, aws?.reason).toBe('held');
    expect(aws?.fault?.summary.successRatio).toBeGreaterThanOrEqual(0.99);
    // Every order waited for the 300 ms pricing timeout: the 1.5 s dependency latency really was injected.
    expect(aws?.fault?.summary.latencyMs.p50).toBeGreaterThanOrEqual(280);
    expect(aws?.fault?.summary.latencyMs.p95).toBeLessThanOrEqual(800);
    expect(aws?.rollback).toMatchObject({ ok: true });
    const store = createStore({
      kind: 'aws-ssm',
      parameter: parameterName,
      endpoint: demo.awsEndpoint ?? '',
    });
    expect(await store.read()).toBeUndefined();
    await store.close();
  });

  it('order-failures: function-level 503s are not absorbed, so the hypothesis deviates, ramp and rollback recorded', async () => {
    // Prepare
    const { document, run } = await loadScenario('experiments/order-failures.yaml');

    // Act
    const journal = await runExperiment({ document, run });

    // Assess
    const [aws] = journal.targets;
    expect(journal.verdict).toBe('deviated');
    expect(journal.breach).toBeUndefined();
    const success = aws?.fault?.checks.find((check) => check.name === 'success ratio');
    expect(success?.ok).toBe(false);
    expect(success?.observed).toBeGreaterThan(0.5);
    expect(success?.observed).toBeLessThan(0.97);
    expect(journal.ramp?.map((step) => step.probability)).toEqual([0.1, 0.3]);
    expect(journal.steps.filter((step) => step.step === 'push')).toHaveLength(2);
    expect(aws?.rollback).toMatchObject({ ok: true });
  });

  it('pricing-latency-metrics: judged from the CloudWatch metrics of real users alone (no probe), it holds too', async () => {
    // Prepare: users' traffic through a front door that publishes Invocations, Errors and Duration to moto each
    // second, long enough before the run for a steady-state sample of complete periods.
    const metrics = await startDemoMetrics({ aws: demo.url }, { cloudWatchEndpoint: demo.awsEndpoint ?? '' });
    try {
      await new Promise((resolveWait) => setTimeout(resolveWait, 7000));
      const loaded = await loadExperimentFile(
        resolve(repositoryRoot, 'experiments/pricing-latency-metrics.yaml'),
      );
      if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
      const resolved = resolveRunSection(
        loaded.raw,
        {
          ...metrics.variables,
          AWS_SSM_ENDPOINT: demo.awsEndpoint ?? '',
          AWS_SSM_PARAMETER: parameterName,
          CLOUD_MONITORING_ENDPOINT: 'http://127.0.0.1:9',
          AZURE_MONITOR_ENDPOINT: 'https://127.0.0.1:9',
        },
        {},
      );
      const run: RunSection = {
        ...resolved,
        targets: resolved.targets.filter((target) => target.name === 'aws'),
        durationSeconds: 5,
        propagationWaitMs: 1000,
        recoverySeconds: 0,
      };

      // Act
      const journal = await runExperiment({ document: toRuntimeDocument(loaded.raw), run });

      // Assess
      const [aws] = journal.targets;
      expect(journal.status, JSON.stringify(journal.steps)).toBe('completed');
      expect(aws?.verdict, aws?.reason).toBe('held');
      expect(aws?.probeUrl).toBeUndefined();
      const metric = aws?.metrics?.[0];
      expect(metric?.kind).toBe('cloudwatch');
      expect(metric?.steadyState?.held).toBe(true);
      expect(metric?.fault?.summary.count).toBeGreaterThan(10);
      expect(metric?.fault?.summary.successRatio).toBeGreaterThanOrEqual(0.99);
      // Under faults the slowest request of every second waited for the 300 ms pricing timeout (the latency really
      // was injected); before, most seconds were faster.
      const fault = metric?.fault;
      const periods = metric?.timeline ?? [];
      const faultPeriods = periods.filter(
        (point) =>
          fault !== undefined && point.atMs >= fault.fromMs && point.atMs + point.periodMs <= fault.toMs,
      );
      expect(faultPeriods.length).toBeGreaterThan(2);
      expect(faultPeriods.every((point) => (point.p95 ?? 0) >= 280)).toBe(true);
      const steadyPeriods = periods.filter((point) => point.atMs + point.periodMs <= 0);
      expect(steadyPeriods.filter((point) => (point.p95 ?? 0) < 280).length).toBeGreaterThan(
        steadyPeriods.length / 2,
      );
      expect(aws?.rollback).toMatchObject({ ok: true });
      expect(metrics.published('aws')).toBeGreaterThan(50);
    } finally {
      await metrics.stop();
    }
  }, 60_000);

  it('pricing-latency with load.driver: artillery: judged from Artillery’s periods against the demo, it holds', async () => {
    // Prepare: the same file, its load sent by Artillery (Node >= 22.18: this Node or FAULTLINE_NODE22_BIN, as in CI)
    const { document, run: builtin } = await loadScenario('experiments/pricing-latency.yaml');
    const run: RunSection = {
      ...builtin,
      load: {
        ...(builtin.load as NonNullable<RunSection['load']>),
        driver: 'artillery',
        durationSeconds: 20,
      },
      recoverySeconds: 0,
    };

    // Act
    const journal = await runExperiment({ document, run });

    // Assess
    const [aws] = journal.targets;
    expect(journal.status, JSON.stringify(journal.steps)).toBe('completed');
    expect(aws?.verdict, aws?.reason).toBe('held');
    const artillery = aws?.metrics?.[0];
    expect(artillery?.kind).toBe('artillery');
    expect(artillery?.steadyState?.held).toBe(true);
    expect(aws?.fault?.summary.count).toBeGreaterThanOrEqual(70);
    expect(aws?.fault?.summary.successRatio).toBeGreaterThanOrEqual(0.99);
    // Every order waited for the 300 ms pricing timeout, in Artillery's own response times.
    expect(aws?.fault?.summary.latencyMs.p50).toBeGreaterThanOrEqual(280);
    expect(aws?.rollback).toMatchObject({ ok: true });
  }, 180_000);
});
