import { validateRunSection } from '@faultline/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runExperiment } from '../../src/runner/run-experiment.js';
import { findSignalBreach, judgeSignal, metricDarkness } from '../../src/runner/signals/metric-evaluation.js';
import {
  type MetricPoint,
  summarizePoints,
  toPointTimeline,
} from '../../src/runner/signals/metric-points.js';
import { assemblePoints } from '../../src/runner/signals/metric-reader.js';
import { createMetricWatch } from '../../src/runner/signals/metric-watch.js';
import {
  createPointSignal,
  latestWindowSummary,
  pointsWithin,
} from '../../src/runner/signals/point-signal.js';

const lambdaProbe = {
  kind: 'cloudwatch',
  requests: { namespace: 'AWS/Lambda', metric: 'Invocations', dimensions: { FunctionName: 'orders' } },
  errors: { namespace: 'AWS/Lambda', metric: 'Errors', dimensions: { FunctionName: 'orders' } },
  latencyMs: { p95: { namespace: 'AWS/Lambda', metric: 'Duration', dimensions: { FunctionName: 'orders' } } },
};

const observeOnly = {
  hypothesis: 'orders keep succeeding',
  targets: [
    {
      name: 'aws',
      cloud: 'aws',
      store: { kind: 'aws-ssm', parameter: '/faultline/orders' },
      metrics: [lambdaProbe],
    },
  ],
  steadyState: { successRatio: { min: 0.99 }, latencyMs: { p95: { max: 800 } }, sampleSeconds: 300 },
  durationSeconds: 600,
  stopConditions: [
    { metric: 'errorRate', op: 'gt', value: 0.05, windowSeconds: 120 },
    { kind: 'cloudwatch-alarm', alarmNames: ['orders-5xx'] },
  ],
};

function issuesOf(input: unknown): string[] {
  const result = validateRunSection(input);
  return result.ok ? [] : result.issues.map((issue) => `${issue.path}: ${issue.message}`);
}

describe('the run section with metric probes', () => {
  it('accepts an observe-only run (no load) judged by CloudWatch metrics and an alarm, with defaults', () => {
    const result = validateRunSection(observeOnly);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const probe = result.run.targets[0]?.metrics?.[0];
    expect(probe).toMatchObject({
      periodSeconds: 60,
      delaySeconds: 120,
      pollIntervalSeconds: 30,
      onUnreadable: 'stop',
    });
    expect(result.run.stopConditions[1]).toMatchObject({ insufficientData: 'ok', pollIntervalSeconds: 10 });
    expect(result.run.load).toBeUndefined();
  });

  it('refuses a tolerance no signal of the target measures, naming the target and the fix', () => {
    const { errors: _errors, ...withoutErrors } = lambdaProbe;
    const targets = [{ ...observeOnly.targets[0], metrics: [withoutErrors] }];
    expect(issuesOf({ ...observeOnly, targets })).toEqual([
      'run.steadyState.successRatio: cannot be measured on target "aws": none of its metric probes measures the success ratio',
      'run.stopConditions[0]: cannot be measured on target "aws": none of its metric probes measures errorRate',
    ]);
  });

  it('needs a fault window length without load, and a probe for every target with load', () => {
    const { durationSeconds: _duration, ...noDuration } = observeOnly;
    expect(issuesOf(noDuration)).toEqual([
      'run.durationSeconds: is required when there is neither load nor ramp (the length of the fault window)',
    ]);
    expect(issuesOf({ ...noDuration, load: { ratePerSecond: 5, durationSeconds: 600 } })).toEqual([
      'run.targets[0].probe: is required with run.load (the request the load sends)',
    ]);
  });

  it('refuses a probe that nothing sends and a target that nothing observes', () => {
    const targets = [
      {
        name: 'aws',
        cloud: 'aws',
        store: { kind: 'file', path: 'x.json' },
        probe: { url: 'http://127.0.0.1:1/' },
      },
    ];
    expect(issuesOf({ ...observeOnly, targets, stopConditions: [] })).toEqual([
      'run.targets[0].probe: is never sent: run.load is not set',
    ]);
    const bare = [{ name: 'aws', cloud: 'aws', store: { kind: 'file', path: 'x.json' } }];
    expect(issuesOf({ ...observeOnly, targets: bare, stopConditions: [] })).toEqual([
      'run.targets[0].metrics: is required when the target has no probe: nothing would observe it',
    ]);
  });

  it('refuses windows that hold no whole period of a metric probe', () => {
    expect(
      issuesOf({
        ...observeOnly,
        steadyState: { successRatio: { min: 0.99 }, sampleSeconds: 30 },
        durationSeconds: 90,
        stopConditions: [],
      }),
    ).toEqual([
      'run.steadyState.sampleSeconds: is 30 s, but metric probe cloudwatch (run.targets[0].metrics[0]) counts whole 60 s periods: the sample would hold none',
      'run.durationSeconds: is 90 s, but metric probe cloudwatch (run.targets[0].metrics[0]) counts whole 60 s periods: the fault window would hold none',
    ]);
    const { durationSeconds: _duration, ...withoutDuration } = observeOnly;
    expect(
      issuesOf({
        ...withoutDuration,
        targets: [{ ...observeOnly.targets[0], probe: { url: 'http://127.0.0.1:9/orders' } }],
        load: { ratePerSecond: 5, durationSeconds: 90 },
        stopConditions: [],
      }),
    ).toContain(
      'run.load.durationSeconds: is 90 s, but metric probe cloudwatch (run.targets[0].metrics[0]) counts whole 60 s periods: the fault window would hold none',
    );
  });

  it('checks each kind on its own terms', () => {
    const targets = (metric: unknown) => [{ ...observeOnly.targets[0], metrics: [metric] }];
    expect(issuesOf({ ...observeOnly, targets: targets({ ...lambdaProbe, kind: 'datadog' }) })[0]).toBe(
      'run.targets[0].metrics[0].kind: must be one of "cloudwatch", "cloud-monitoring", "azure-monitor", got "datadog"',
    );
    expect(
      issuesOf({
        ...observeOnly,
        stopConditions: [],
        targets: targets({
          kind: 'azure-monitor',
          resourceId: '/subscriptions/s/resourceGroups/g/providers/Microsoft.Web/sites/orders',
          requests: { metric: 'Requests' },
          errors: { metric: 'Http5xx' },
          latencyMs: { p95: { metric: 'HttpResponseTime' } },
        }),
      }),
    ).toEqual(['run.targets[0].metrics[0].region: is required (or endpoint)']);
    expect(
      issuesOf({
        ...observeOnly,
        stopConditions: [],
        targets: targets({ ...lambdaProbe, requests: { ...lambdaProbe.requests, statistic: 'Median' } }),
      })[0],
    ).toMatch(/^run\.targets\[0\]\.metrics\[0\]\.requests\.statistic: /);
    expect(
      issuesOf({ ...observeOnly, stopConditions: [{ kind: 'cloudwatch-alarm', alarmNames: [] }] })[0],
    ).toMatch(/^run\.stopConditions\[0\]\.alarmNames: /);
  });
});

describe('period points', () => {
  const point = (timestampMs: number, requests: number, errors: number, p95?: number): MetricPoint => ({
    timestampMs,
    periodMs: 1000,
    requests,
    errors,
    ...(p95 === undefined ? {} : { p95 }),
  });

  it('summarise by adding counts and taking the worst period percentile', () => {
    expect(summarizePoints([point(0, 100, 2, 180), point(1000, 50, 10, 400)])).toEqual({
      count: 150,
      errors: 12,
      successRatio: 0.92,
      errorRate: 0.08,
      latencyMs: { p95: 400 },
      points: 2,
    });
    expect(summarizePoints([]).successRatio).toBe(1);
  });

  it('never report a success ratio outside [0, 1], whatever the services count', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ requests: fc.nat(10_000), errors: fc.nat(20_000) }), { maxLength: 20 }),
        (counts) => {
          const summary = summarizePoints(
            counts.map((count, index) => point(index * 1000, count.requests, count.errors)),
          );
          return (
            summary.successRatio >= 0 &&
            summary.successRatio <= 1 &&
            summary.errorRate >= 0 &&
            summary.errorRate <= 1
          );
        },
      ),
    );
  });

  it('judge whole periods only, and read stop windows from the newest data within the fault window', () => {
    const points = [point(0, 10, 0), point(1000, 10, 5), point(2000, 10, 9), point(3000, 10, 9)];
    expect(pointsWithin(points, 500, 3500).map((entry) => entry.timestampMs)).toEqual([1000, 2000]);
    expect(latestWindowSummary(points, 2000, 10_000)?.count).toBe(20);
    expect(latestWindowSummary(points, 0, 1000)?.errors).toBe(9);
    const signal = createPointSignal({
      label: 'cloudwatch',
      kind: 'cloudwatch',
      description: 'test',
      periodMs: 1000,
      delayMs: 0,
      measures: { errors: true, p50: false, p95: false, p99: false },
    });
    signal.add(points);
    const run = validateRunSection(observeOnly);
    if (!run.ok) throw new Error('invalid');
    expect(
      judgeSignal(run.run, signal, 0, 2000).checks.map((check) => [check.name, check.observed, check.ok]),
    ).toEqual([['success ratio (cloudwatch)', 0.75, false]]);
    const breach = findSignalBreach(
      signal,
      [{ metric: 'errorRate', op: 'gt', value: 0.5, windowSeconds: 2, minSamples: 5 }],
      1000,
    );
    expect(breach?.observed).toBe(0.9);
    expect(
      findSignalBreach(
        signal,
        [{ metric: 'errorRate', op: 'gt', value: 0.5, windowSeconds: 2, minSamples: 50 }],
        1000,
      ),
    ).toBeUndefined();
    expect(toPointTimeline(points, 1000)[0]).toEqual({ atMs: -500, periodMs: 1000, count: 10, errors: 0 });
  });

  it('join each role by period: no errors point counts none, latency in seconds becomes milliseconds', () => {
    const result = assemblePoints(60_000, [
      {
        role: 'requests',
        values: new Map([
          [0, 100],
          [60_000, 80],
        ]),
        missingData: 'unreadable',
      },
      { role: 'errors', values: new Map([[0, 3]]), missingData: 'zero' },
      { role: 'p95', values: new Map([[60_000, 0.25]]), missingData: 'unreadable', scale: 1000 },
      { role: 'p99', values: new Map(), missingData: 'unreadable' },
    ]);
    expect(result.points).toEqual([
      { timestampMs: 0, periodMs: 60_000, requests: 100, errors: 3 },
      { timestampMs: 60_000, periodMs: 60_000, requests: 80, errors: 0, p95: 250 },
    ]);
    expect(result.emptyRoles).toEqual(['p99']);
  });

  it('count a probe as dark when its newest period is older than its delay plus two periods', async () => {
    const run = validateRunSection({
      ...observeOnly,
      targets: [
        {
          ...observeOnly.targets[0],
          metrics: [{ ...lambdaProbe, periodSeconds: 60, delaySeconds: 120, pollIntervalSeconds: 10 }],
        },
      ],
    });
    if (!run.ok) throw new Error('invalid');
    let now = 1_000_000_000;
    const watch = createMetricWatch(run.run, {
      now: () => now,
      record: () => {},
      openMetricReader: () => ({
        read: async () => ({
          points: [{ timestampMs: 1_000_000_000 - 60_000, periodMs: 60_000, requests: 5, errors: 0 }],
          emptyRoles: [],
        }),
        close: async () => {},
      }),
      openAlarmReader: () => ({ read: async () => [], close: async () => {} }),
    });
    const [metric] = watch.metrics;
    if (metric === undefined) throw new Error('no metric');
    await watch.readMetric(metric, 0, now);
    expect(metricDarkness(metric, now)).toBeUndefined();
    now += 240_000;
    expect(metricDarkness(metric, now)).toBeUndefined();
    // Nothing was read since: the service stopped answering in time.
    now += 1000;
    expect(metricDarkness(metric, now)).toBe(
      'went dark: no read completed for 241 s (expected within 240 s)',
    );
    // Read again, and the service still has nothing newer: the signal itself went dark.
    await watch.readMetric(metric, 0, now);
    expect(metricDarkness(metric, now)).toMatch(/^went dark: no data point for 241 s/);
    await watch.close();
  });

  it('judge the age of the data as of the read, so a slow read of fresh data is not dark', async () => {
    const run = validateRunSection({
      ...observeOnly,
      targets: [
        {
          ...observeOnly.targets[0],
          metrics: [{ ...lambdaProbe, periodSeconds: 1, delaySeconds: 1, pollIntervalSeconds: 0.5 }],
        },
      ],
      steadyState: { successRatio: { min: 0.99 }, sampleSeconds: 3 },
      durationSeconds: 4,
      stopConditions: [],
    });
    if (!run.ok) throw new Error(JSON.stringify(run.issues));
    let now = 1_000_000_000;
    const watch = createMetricWatch(run.run, {
      now: () => now,
      record: () => {},
      openMetricReader: () => ({
        // Data up to the read's start; the answer takes 3.5 s, more than the delay and grace (3 s).
        read: async () => {
          const newestStart = now - 1000;
          now += 3500;
          return {
            points: [{ timestampMs: newestStart, periodMs: 1000, requests: 5, errors: 0 }],
            emptyRoles: [],
          };
        },
        close: async () => {},
      }),
    });
    const [metric] = watch.metrics;
    if (metric === undefined) throw new Error('no metric');
    await watch.readMetric(metric, 0, now);
    expect(metricDarkness(metric, now)).toBeUndefined();
    await watch.close();
  });
});

describe('the Artillery load driver', () => {
  async function refusal(load: Record<string, unknown>) {
    const { durationSeconds: _duration, ...withoutDuration } = observeOnly;
    const { metrics: _metrics, ...target } = observeOnly.targets[0] as (typeof observeOnly.targets)[0];
    const validated = validateRunSection({
      ...withoutDuration,
      targets: [{ ...target, probe: { url: 'http://127.0.0.1:9/orders' } }],
      load: { ratePerSecond: 5000, durationSeconds: 600, driver: 'artillery', ...load },
    });
    if (!validated.ok) throw new Error(JSON.stringify(validated.issues));
    let opened = 0;
    const journal = await runExperiment({
      document: { id: 'orders', faults: [] },
      run: validated.run,
      openStore: () => {
        opened += 1;
        throw new Error('no store in this test');
      },
    });
    return { journal, opened };
  }

  it('refuses the lambda and fargate platforms before any store is opened, saying what to use instead', async () => {
    const { journal, opened } = await refusal({ artillery: { platform: 'lambda', count: 4 } });

    expect(journal.status).toBe('failed');
    expect(journal.verdict).toBe('not-run');
    expect(journal.error).toBe(
      'run.load.artillery.platform: lambda is not supported by this version of the CLI (Artillery runs on this machine only); use platform: local, nothing was injected',
    );
    expect(opened).toBe(0);
  });

  it('refuses a measured fault window shorter than two of its 10 s periods before any store is opened', async () => {
    const { journal, opened } = await refusal({ durationSeconds: 10 });

    expect(journal.status).toBe('failed');
    expect(journal.error).toMatch(
      /^run\.load\.durationSeconds: the measured fault window is 10 s, but Artillery reports in 10 s periods .* at least 20 s/,
    );
    expect(opened).toBe(0);
  });
});
