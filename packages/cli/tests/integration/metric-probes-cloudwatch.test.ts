import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CloudWatchClient,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import { type RunSection, validateRunSection } from '@faultline/core';
import { type MotoServer, startMoto } from '@faultline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHtmlReport } from '../../src/runner/html-report.js';
import { runExperiment } from '../../src/runner/run-experiment.js';

let moto: MotoServer;
let cloudWatch: CloudWatchClient;
let directory: string;

beforeAll(async () => {
  moto = await startMoto();
  cloudWatch = new CloudWatchClient({ endpoint: moto.endpoint, region: 'us-east-1' });
  directory = await mkdtemp(join(tmpdir(), 'faultline-cloudwatch-'));
}, 30_000);

afterAll(async () => {
  cloudWatch?.destroy();
  await moto?.stop();
  await rm(directory, { recursive: true, force: true });
});

const experiment = {
  schemaVersion: 1,
  id: 'orders-errors',
  enabled: true,
  faults: [{ id: 'unavailable', type: 'status', status: 503, probability: 0.5 }],
};

/**
 * One function name per test: moto 5.2.1's GetMetricData ignores the namespace of a query that has dimensions, so
 * tests sharing a moto server keep their metrics apart by a dimension value.
 */
function functionNameOf(namespace: string): string {
  return `orders-${namespace.slice(-12)}`;
}

/** Whether the function would inject right now: the file store holds an enabled experiment. */
async function faultsActive(configFile: string): Promise<boolean> {
  try {
    const document = JSON.parse(await readFile(configFile, 'utf8')) as { enabled?: boolean };
    return document.enabled === true;
  } catch {
    return false;
  }
}

/**
 * Stands in for a function's own metrics: 10 requests per second, and 6 errors per second while the store holds an
 * enabled experiment (when `errorsUnderFaults`). Seeds the past `seedSeconds` so an observe-only run finds a steady
 * state in the recent past.
 */
async function startPublisher(options: {
  readonly namespace: string;
  readonly configFile: string;
  readonly errorsUnderFaults: boolean;
  readonly seedSeconds?: number;
}) {
  const dimensions = [{ Name: 'FunctionName', Value: functionNameOf(options.namespace) }];
  const datum = (timestamp: Date, errors: number) => [
    {
      MetricName: 'Invocations',
      Dimensions: dimensions,
      Timestamp: timestamp,
      Value: 10,
      Unit: 'Count' as const,
    },
    {
      MetricName: 'Errors',
      Dimensions: dimensions,
      Timestamp: timestamp,
      Value: errors,
      Unit: 'Count' as const,
    },
    {
      MetricName: 'Duration',
      Dimensions: dimensions,
      Timestamp: timestamp,
      Value: 120,
      Unit: 'Milliseconds' as const,
    },
  ];
  const put = async (timestamp: Date, errors: number) => {
    await cloudWatch.send(
      new PutMetricDataCommand({ Namespace: options.namespace, MetricData: datum(timestamp, errors) }),
    );
  };
  // The past in one call, so a slow moto leaves no gap between the seeded seconds and the live ones.
  const now = Date.now();
  const seconds = Array.from({ length: options.seedSeconds ?? 8 }, (_, index) => index + 1);
  await cloudWatch.send(
    new PutMetricDataCommand({
      Namespace: options.namespace,
      MetricData: seconds.flatMap((second) =>
        datum(new Date(Math.floor(now / 1000) * 1000 - second * 1000 + 100), 0),
      ),
    }),
  );
  let running = true;
  let published = 0;
  const loop = (async () => {
    while (running) {
      const active = options.errorsUnderFaults && (await faultsActive(options.configFile));
      await put(new Date(), active ? 6 : 0);
      published++;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  })();
  return {
    get published() {
      return published;
    },
    async stop() {
      running = false;
      await loop;
    },
  };
}

function runSection(
  namespace: string,
  configFile: string,
  overrides: Record<string, unknown> = {},
): RunSection {
  const dimensions = { FunctionName: functionNameOf(namespace) };
  const result = validateRunSection({
    hypothesis: 'orders keep succeeding while the pricing service is down',
    targets: [
      {
        name: 'aws',
        cloud: 'aws',
        store: { kind: 'file', path: configFile },
        metrics: [
          {
            kind: 'cloudwatch',
            endpoint: moto.endpoint,
            region: 'us-east-1',
            periodSeconds: 1,
            delaySeconds: 1,
            pollIntervalSeconds: 0.3,
            requests: { namespace, metric: 'Invocations', dimensions },
            errors: { namespace, metric: 'Errors', dimensions },
            // moto serves no percentile statistics on GetMetricData; Maximum stands in for p95 here.
            latencyMs: { p95: { namespace, metric: 'Duration', dimensions, statistic: 'Maximum' } },
          },
        ],
      },
    ],
    steadyState: { successRatio: { min: 0.95 }, latencyMs: { p95: { max: 500 } }, sampleSeconds: 3 },
    durationSeconds: 4,
    propagationWaitMs: 0,
    recoverySeconds: 0,
    ...overrides,
  });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.run;
}

async function expectRolledBack(configFile: string) {
  await expect(readFile(configFile, 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
}

describe('cloudwatch metric probes on moto', () => {
  it('judges an observe-only run from the function metrics: held, with the metric data in the journal and report', async () => {
    // Prepare
    const namespace = `Faultline/Test/${randomUUID()}`;
    const configFile = join(directory, `${randomUUID()}.json`);
    const publisher = await startPublisher({ namespace, configFile, errorsUnderFaults: false });

    // Act
    const journal = await runExperiment({ document: experiment, run: runSection(namespace, configFile) });
    await publisher.stop();

    // Assess: steady state and verdict come from the metric periods, in their own timestamps
    expect(journal.status, JSON.stringify([journal.steps, journal.targets[0]?.metrics])).toBe('completed');
    expect(journal.verdict).toBe('held');
    const [target] = journal.targets;
    const [metric] = target?.metrics ?? [];
    expect(target?.probeUrl).toBeUndefined();
    expect(metric?.kind).toBe('cloudwatch');
    expect(metric?.steadyState?.held).toBe(true);
    // The steady-state sample of an observe-only run lies before the run started.
    expect(metric?.steadyState?.toMs).toBeLessThanOrEqual(0);
    expect(metric?.steadyState?.summary.count).toBeGreaterThanOrEqual(20);
    expect(metric?.fault?.summary.count).toBeGreaterThan(0);
    expect(metric?.fault?.checks.map((check) => check.name)).toEqual([
      'success ratio (cloudwatch)',
      'p95 latency ms (cloudwatch)',
    ]);
    expect(metric?.fault?.summary.latencyMs.p95).toBe(120);
    expect(metric?.timeline.some((point) => point.atMs < 0)).toBe(true);
    expect(target?.rollback?.ok).toBe(true);
    await expectRolledBack(configFile);
    const html = renderHtmlReport(journal);
    expect(html).toContain('data-metric="cloudwatch"');
    expect(html).toContain('Requests per 1 s period');
  }, 40_000);

  it('deviates on the errors the metrics count under faults, and a metric stop condition switches everything off', async () => {
    // Prepare: the "function" fails 60 % of its requests while the experiment is enabled
    const namespace = `Faultline/Test/${randomUUID()}`;
    const configFile = join(directory, `${randomUUID()}.json`);
    const publisher = await startPublisher({ namespace, configFile, errorsUnderFaults: true });
    const run = runSection(namespace, configFile, {
      durationSeconds: 8,
      stopConditions: [{ metric: 'errorRate', op: 'gt', value: 0.5, windowSeconds: 2, minSamples: 5 }],
    });

    // Act
    const journal = await runExperiment({ document: experiment, run });
    await publisher.stop();

    // Assess
    expect(journal.status).toBe('stopped');
    expect(journal.verdict).toBe('deviated');
    expect(journal.breach?.condition).toBe('errorRate > 0.5 over 2 s (cloudwatch)');
    expect(journal.breach?.target).toBe('aws');
    expect(journal.steps.some((step) => step.step === 'switch-off' && step.ok)).toBe(true);
    expect(journal.targets[0]?.rollback?.ok).toBe(true);
    await expectRolledBack(configFile);
  }, 40_000);

  it('stops and rolls back when a CloudWatch alarm goes to ALARM mid-run, and refuses to start while it is in ALARM', async () => {
    // Prepare
    const namespace = `Faultline/Test/${randomUUID()}`;
    const configFile = join(directory, `${randomUUID()}.json`);
    const alarmName = `faultline-${randomUUID()}`;
    await cloudWatch.send(
      new PutMetricAlarmCommand({
        AlarmName: alarmName,
        Namespace: namespace,
        MetricName: 'Errors',
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 5,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    );
    await cloudWatch.send(
      new SetAlarmStateCommand({ AlarmName: alarmName, StateValue: 'OK', StateReason: 'test' }),
    );
    const publisher = await startPublisher({ namespace, configFile, errorsUnderFaults: false });
    const run = runSection(namespace, configFile, {
      durationSeconds: 20,
      stopConditions: [
        {
          kind: 'cloudwatch-alarm',
          alarmNames: [alarmName],
          endpoint: moto.endpoint,
          pollIntervalSeconds: 0.2,
        },
      ],
    });

    // Act: flip the alarm once the experiment is in the store
    const flipped = (async () => {
      while (!(await faultsActive(configFile))) await new Promise((resolve) => setTimeout(resolve, 50));
      await cloudWatch.send(
        new SetAlarmStateCommand({
          AlarmName: alarmName,
          StateValue: 'ALARM',
          StateReason: 'errors above 5',
        }),
      );
      return Date.now();
    })();
    const journal = await runExperiment({ document: experiment, run });
    const flippedAt = await flipped;

    // Assess: stopped on the alarm (run-wide, no target), switched off and rolled back, verified by reading back
    expect(journal.status).toBe('stopped');
    expect(journal.breach).toMatchObject({
      condition: `cloudwatch-alarm ${alarmName} not in ALARM`,
      observed: 'ALARM',
    });
    expect(journal.breach?.target).toBeUndefined();
    expect(Date.parse(journal.finishedAt) - flippedAt).toBeLessThan(10_000);
    expect(journal.targets[0]?.verdict).toBe('deviated');
    expect(journal.targets[0]?.reason).toContain(`cloudwatch-alarm ${alarmName}`);
    expect(journal.targets[0]?.rollback?.ok).toBe(true);
    expect(journal.steps.filter((step) => step.step === 'verify').every((step) => step.ok)).toBe(true);
    await expectRolledBack(configFile);

    // Act again: the alarm is still in ALARM, so the steady state does not hold and nothing is injected
    const again = await runExperiment({ document: experiment, run });
    await publisher.stop();
    expect(again.status).toBe('steady-state-failed');
    expect(again.targets[0]?.steadyState.checks).toContainEqual(
      expect.objectContaining({ name: `alarm ${alarmName}: ALARM`, ok: false }),
    );
    expect(again.steps.some((step) => step.step === 'push')).toBe(false);
    await expectRolledBack(configFile);
  }, 60_000);

  it('stops and rolls back when the metrics go dark mid-run', async () => {
    // Prepare
    const namespace = `Faultline/Test/${randomUUID()}`;
    const configFile = join(directory, `${randomUUID()}.json`);
    const publisher = await startPublisher({ namespace, configFile, errorsUnderFaults: false });
    const run = runSection(namespace, configFile, { durationSeconds: 20 });

    // Act: the publisher stops as soon as the experiment is in the store
    const stopped = (async () => {
      while (!(await faultsActive(configFile))) await new Promise((resolve) => setTimeout(resolve, 50));
      await publisher.stop();
    })();
    const journal = await runExperiment({ document: experiment, run });
    await stopped;

    // Assess
    expect(journal.status).toBe('stopped');
    expect(journal.breach?.condition).toBe('metric probe cloudwatch readable');
    expect(String(journal.breach?.observed)).toMatch(/^went dark: no data point for \d+ s/);
    expect(journal.targets[0]?.rollback?.ok).toBe(true);
    await expectRolledBack(configFile);
  }, 40_000);

  it('does not inject when a query finds no data points (a wrong metric name), and says which query', async () => {
    // Prepare
    const namespace = `Faultline/Test/${randomUUID()}`;
    const configFile = join(directory, `${randomUUID()}.json`);
    const publisher = await startPublisher({ namespace, configFile, errorsUnderFaults: false });
    const run = runSection(namespace, configFile);
    const target = run.targets[0];
    const probe = target?.metrics?.[0];
    if (target === undefined || probe === undefined || probe.kind !== 'cloudwatch')
      throw new Error('no probe');
    const wrong: RunSection = {
      ...run,
      targets: [{ ...target, metrics: [{ ...probe, errors: { ...probe.requests, metric: 'Errrors' } }] }],
    };

    // Act
    const journal = await runExperiment({ document: experiment, run: wrong });
    await publisher.stop();

    // Assess
    expect(journal.status).toBe('steady-state-failed');
    expect(journal.targets[0]?.steadyState.checks[0]?.name).toBe(
      'cloudwatch: no data points for the errors query (check its metric and dimensions, or set missingData: zero when it is only published when non-zero)',
    );
    expect(journal.steps.some((step) => step.step === 'push')).toBe(false);
  }, 30_000);

  it('does not inject when the service refuses the read, and the journal carries no credential', async () => {
    // Prepare: nothing listens on port 9 (discard); the SDK's retries fail, then the probe is unreadable
    const namespace = `Faultline/Test/${randomUUID()}`;
    const configFile = join(directory, `${randomUUID()}.json`);
    const run = runSection(namespace, configFile);
    const target = run.targets[0];
    const probe = target?.metrics?.[0];
    if (target === undefined || probe === undefined || probe.kind !== 'cloudwatch')
      throw new Error('no probe');
    const broken: RunSection = {
      ...run,
      targets: [{ ...target, metrics: [{ ...probe, endpoint: 'http://127.0.0.1:9' }] }],
    };

    // Act
    const journal = await runExperiment({ document: experiment, run: broken });

    // Assess
    expect(journal.status).toBe('steady-state-failed');
    const read = journal.steps.find((step) => step.step === 'metric-read');
    expect(read?.ok).toBe(false);
    expect(read?.detail).toMatch(/^cloudwatch: GetMetricData failed: /);
    expect(JSON.stringify(journal)).not.toContain(process.env.AWS_SECRET_ACCESS_KEY ?? 'testing');
  }, 30_000);
});
