import type { RunSection, ThresholdStopCondition } from '@faultline/core';
import type { ToleranceCheck } from '../journal.js';
import { evaluateTolerances } from '../tolerances.js';
import { type SignalSummary, summarizePoints } from './metric-points.js';
import type { MetricRole } from './metric-reader.js';
import type { WatchedMetric } from './metric-watch.js';
import { latestWindowSummary, type PointSignal, pointsWithin, staleness } from './point-signal.js';

/** A signal judged over one window: its summary, the checks, and whether they all held. */
export interface SignalJudgement {
  readonly summary: SignalSummary;
  readonly checks: ToleranceCheck[];
  readonly held: boolean;
}

/**
 * Judges a point signal over `[fromEpochMs, toEpochMs)` (whole periods only): the tolerances it measures, and it
 * must have counted requests there. `problems` are reasons it could not be read (they fail the judgement).
 */
export function judgeSignal(
  run: RunSection,
  signal: PointSignal,
  fromEpochMs: number,
  toEpochMs: number,
  problems: readonly string[] = [],
): SignalJudgement {
  const summary = summarizePoints(pointsWithin(signal.points(), fromEpochMs, toEpochMs));
  const checks = evaluateTolerances(run, summary, signal.measures).map((check) => ({
    ...check,
    name: `${check.name} (${signal.label})`,
  }));
  const failures: ToleranceCheck[] = problems.map((problem) => ({
    name: `${signal.label}: ${problem}`,
    observed: 0,
    tolerance: 'readable',
    ok: false,
  }));
  if (problems.length === 0 && summary.count === 0) {
    failures.push({
      name: `requests counted (${signal.label})`,
      observed: 0,
      tolerance: '> 0 in whole periods of the window',
      ok: false,
    });
  }
  const all = [...failures, ...checks];
  return { summary, checks: all, held: all.every((check) => check.ok) };
}

/** What a read of a metric probe could not deliver, in words. */
export function readProblems(metric: WatchedMetric, emptyRoles: readonly MetricRole[] | undefined): string[] {
  if (metric.lastError !== undefined) return [`unreadable (${metric.lastError})`];
  return (emptyRoles ?? []).map(
    (role) =>
      `no data points for the ${role} query (check its metric and dimensions, or set missingData: zero when it is only published when non-zero)`,
  );
}

/** The value of a threshold condition's metric in a summary, or `undefined` when the signal does not measure it. */
export function observedMetric(
  summary: SignalSummary,
  condition: ThresholdStopCondition,
  measures: PointSignal['measures'],
): number | undefined {
  switch (condition.metric) {
    case 'successRatio':
      return measures.errors ? summary.successRatio : undefined;
    case 'errorRate':
      return measures.errors ? summary.errorRate : undefined;
    case 'errorCount':
      return measures.errors ? summary.errors : undefined;
    case 'latencyP95Ms':
      return measures.p95 ? summary.latencyMs.p95 : undefined;
    case 'latencyP99Ms':
      return measures.p99 ? summary.latencyMs.p99 : undefined;
  }
}

/**
 * The first threshold condition a point signal breaches over the latest data within the fault window, or
 * `undefined`. `minSamples` counts requests.
 */
export function findSignalBreach(
  signal: PointSignal,
  conditions: readonly ThresholdStopCondition[],
  faultStartEpochMs: number,
): { readonly condition: ThresholdStopCondition; readonly observed: number } | undefined {
  const points = signal.points();
  for (const condition of conditions) {
    const summary = latestWindowSummary(points, faultStartEpochMs, condition.windowSeconds * 1000);
    if (summary === undefined || summary.count < condition.minSamples) continue;
    const observed = observedMetric(summary, condition, signal.measures);
    if (observed === undefined) continue;
    if (condition.op === 'lt' ? observed < condition.value : observed > condition.value) {
      return { condition, observed };
    }
  }
  return undefined;
}

/**
 * Why a metric probe counts as dark while faults are active, or `undefined`: its latest read failed, or its newest
 * data point is older than the probe's delay plus two periods (or poll intervals).
 */
export function metricDarkness(metric: WatchedMetric, nowEpochMs: number): string | undefined {
  if (metric.lastError !== undefined) return `unreadable: ${metric.lastError}`;
  const graceMs = 2 * Math.max(metric.probe.periodSeconds, metric.probe.pollIntervalSeconds) * 1000;
  // The data's age as of the latest read: what the service had then, not how long that read took.
  const stale = staleness(metric.signal, metric.lastReadEpochMs ?? nowEpochMs, graceMs);
  if (stale !== undefined) return `went dark: ${stale}`;
  // Reads that stop completing (a hung or very slow service) leave the latest data ageing unseen.
  const limitMs = metric.signal.delayMs + graceMs;
  const sinceReadMs = metric.lastReadDoneEpochMs === undefined ? 0 : nowEpochMs - metric.lastReadDoneEpochMs;
  if (sinceReadMs > limitMs) {
    return `went dark: no read completed for ${Math.round(sinceReadMs / 1000)} s (expected within ${Math.round(limitMs / 1000)} s)`;
  }
  return undefined;
}
