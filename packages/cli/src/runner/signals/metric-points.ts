/**
 * Period data points — what a monitoring service (CloudWatch, Cloud Monitoring, Azure Monitor) or a load tool
 * (Artillery) reports instead of single requests — and how they summarise into the same shape as the synthetic
 * probe's requests, so the same tolerances and stop conditions judge both.
 */

import { round } from '../metrics.js';

/** One period of a signal, as its source reported it. */
export interface MetricPoint {
  /** Start of the period (epoch ms), as the source timestamps it. */
  readonly timestampMs: number;
  readonly periodMs: number;
  /** Requests in the period; absent when the source had no data point for it. */
  readonly requests?: number;
  /** Failed requests in the period; absent when the source had no data point for it. */
  readonly errors?: number;
  /** Latency percentiles of the period, in milliseconds, where the source measures them. */
  readonly p50?: number;
  readonly p95?: number;
  readonly p99?: number;
}

/** A summary of requests, from single requests or from period data points. */
export interface SignalSummary {
  /** Requests counted. */
  readonly count: number;
  readonly errors: number;
  /** Share of successful requests in [0, 1]; 1 when there are no requests. */
  readonly successRatio: number;
  readonly errorRate: number;
  /** Latency percentiles in ms; a percentile the source does not measure is absent. */
  readonly latencyMs: {
    readonly p50?: number;
    readonly p95?: number;
    readonly p99?: number;
    readonly max?: number;
  };
  /** Period data points summarised (absent for single requests). */
  readonly points?: number;
}

/**
 * Summarises period data points: requests and errors are added up; a latency percentile over several periods is
 * the highest of the periods' percentiles (percentiles cannot be added up; the worst period is the conservative
 * reading for a tolerance or a stop condition).
 *
 * @example
 * ```ts
 * summarizePoints([{ timestampMs: 0, periodMs: 60_000, requests: 100, errors: 2, p95: 180 }]);
 * // { count: 100, errors: 2, successRatio: 0.98, errorRate: 0.02, latencyMs: { p95: 180 }, points: 1 }
 * ```
 */
export function summarizePoints(points: readonly MetricPoint[]): SignalSummary {
  let count = 0;
  let errors = 0;
  const worst: { p50?: number; p95?: number; p99?: number } = {};
  for (const point of points) {
    count += point.requests ?? 0;
    errors += point.errors ?? 0;
    for (const key of ['p50', 'p95', 'p99'] as const) {
      const value = point[key];
      // A period without requests has no meaningful latency (some services report 0 for it).
      if (value === undefined || !Number.isFinite(value) || (point.requests ?? 1) === 0) continue;
      worst[key] = Math.max(worst[key] ?? Number.NEGATIVE_INFINITY, value);
    }
  }
  // Errors counted by another metric than requests can exceed them (retries, several errors per request).
  const failed = Math.min(errors, count);
  const latencyMs: { p50?: number; p95?: number; p99?: number; max?: number } = {};
  for (const key of ['p50', 'p95', 'p99'] as const) {
    const value = worst[key];
    if (value !== undefined) latencyMs[key] = round(value);
  }
  return {
    count: round(count),
    errors: round(errors),
    successRatio: count === 0 ? 1 : round((count - failed) / count, 4),
    errorRate: count === 0 ? 0 : round(failed / count, 4),
    latencyMs,
    points: points.length,
  };
}

/** One point of a signal's timeline in the journal: a period, placed at its middle (ms since the run started). */
export interface SignalTimelinePoint {
  readonly atMs: number;
  readonly periodMs: number;
  readonly count: number;
  readonly errors: number;
  readonly p50?: number;
  readonly p95?: number;
  readonly p99?: number;
}

/**
 * The journal's timeline of period points, ordered, relative to the run's start (negative before it: the
 * steady-state sample of an observe-only run lies in the past).
 *
 * @example
 * ```ts
 * toPointTimeline(points, journalStartEpochMs);
 * ```
 */
export function toPointTimeline(points: readonly MetricPoint[], startEpochMs: number): SignalTimelinePoint[] {
  return [...points]
    .sort((a, b) => a.timestampMs - b.timestampMs)
    .map((point) => ({
      atMs: point.timestampMs - startEpochMs + point.periodMs / 2,
      periodMs: point.periodMs,
      count: round(point.requests ?? 0),
      errors: round(point.errors ?? 0),
      ...(point.p50 === undefined ? {} : { p50: round(point.p50) }),
      ...(point.p95 === undefined ? {} : { p95: round(point.p95) }),
      ...(point.p99 === undefined ? {} : { p99: round(point.p99) }),
    }));
}

/**
 * Merges newly read points into `known` by period start: a later read of the same period replaces the earlier one
 * (the services complete the newest period as data arrives).
 */
export function mergePoints(known: Map<number, MetricPoint>, fresh: readonly MetricPoint[]): void {
  for (const point of fresh) known.set(point.timestampMs, point);
}
