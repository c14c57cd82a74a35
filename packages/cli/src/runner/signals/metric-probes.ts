import type { MetricProbe } from '@faultline/core';
import { metricProbeMeasures } from '@faultline/core';
import { createAzureMonitorReader } from './azure-monitor.js';
import { createCloudMonitoringReader } from './cloud-monitoring.js';
import { createCloudWatchReader } from './cloudwatch.js';
import type { MetricReader } from './metric-reader.js';
import { metricProbeLabel } from './metric-reader.js';
import { createPointSignal, type PointSignal } from './point-signal.js';

/** Options shared by the metric readers. */
export interface MetricReaderOptions {
  /** Where `tokenEnv` variables are read; default `process.env`. */
  readonly environment?: Readonly<Record<string, string | undefined>>;
}

/**
 * The reader of one metric probe, by its kind. The cloud SDK is loaded on the first read.
 *
 * @example
 * ```ts
 * const reader = createMetricReader(run.targets[0].metrics[0]);
 * ```
 */
export function createMetricReader(probe: MetricProbe, options: MetricReaderOptions = {}): MetricReader {
  switch (probe.kind) {
    case 'cloudwatch':
      return createCloudWatchReader(probe);
    case 'cloud-monitoring':
      return createCloudMonitoringReader(probe, options);
    case 'azure-monitor':
      return createAzureMonitorReader(probe, options);
  }
}

/** The point signal of a metric probe, still empty. */
export function createMetricSignal(probe: MetricProbe): PointSignal {
  return createPointSignal({
    label: metricProbeLabel(probe),
    kind: probe.kind,
    description: describeMetricProbe(probe),
    periodMs: probe.periodSeconds * 1000,
    delayMs: probe.delaySeconds * 1000,
    measures: metricProbeMeasures(probe),
  });
}

/**
 * What a metric probe reads, in one line (its requests query; the other roles in short).
 *
 * @example
 * ```ts
 * describeMetricProbe(probe); // 'cloudwatch AWS/Lambda Invocations FunctionName=orders (+ errors, p95), 60 s periods'
 * ```
 */
export function describeMetricProbe(probe: MetricProbe): string {
  const roles = [
    ...(probe.errors === undefined ? [] : ['errors']),
    ...(['p50', 'p95', 'p99'] as const).filter((role) => probe.latencyMs?.[role] !== undefined),
  ];
  const extra = roles.length === 0 ? '' : ` (+ ${roles.join(', ')})`;
  const period = `${probe.periodSeconds} s periods`;
  switch (probe.kind) {
    case 'cloudwatch': {
      const dimensions = Object.entries(probe.requests.dimensions ?? {})
        .map(([name, value]) => `${name}=${value}`)
        .join(',');
      return `cloudwatch ${probe.requests.namespace} ${probe.requests.metric}${dimensions === '' ? '' : ` ${dimensions}`}${extra}, ${period}`;
    }
    case 'cloud-monitoring':
      return `cloud-monitoring ${probe.projectId}: ${probe.requests.filter}${extra}, ${period}`;
    case 'azure-monitor':
      return `azure-monitor ${probe.resourceId} ${probe.requests.metric}${extra}, ${period}`;
  }
}
