import { type MetricPoint, mergePoints, type SignalSummary, summarizePoints } from './metric-points.js';
import type { MetricRole } from './metric-reader.js';

/**
 * A signal made of period data points (a metric probe, or Artillery's periods): the points read so far, and the
 * windows the run judges. Every window is in epoch milliseconds, in the source's own timestamps.
 */
export interface PointSignal {
  /** Shown in the journal, e.g. `cloudwatch` or the probe's name. */
  readonly label: string;
  /** `cloudwatch`, `cloud-monitoring`, `azure-monitor` or `artillery`. */
  readonly kind: string;
  /** What is read, e.g. `AWS/Lambda Invocations FunctionName=orders`. */
  readonly description: string;
  readonly periodMs: number;
  /** How long after a period ends its data point is complete. */
  readonly delayMs: number;
  /** What the signal measures (a check it cannot measure is left out, never passed silently). */
  readonly measures: {
    readonly errors: boolean;
    readonly p50: boolean;
    readonly p95: boolean;
    readonly p99: boolean;
  };
  /** Every point read so far, oldest first. */
  points(): MetricPoint[];
  /** Adds points read from the source. */
  add(points: readonly MetricPoint[]): void;
  /** Roles that returned no data point in the steady-state read (see `missingData`). */
  emptyRoles: readonly MetricRole[];
}

/**
 * Creates an empty point signal.
 *
 * @example
 * ```ts
 * const signal = createPointSignal({ label: 'cloudwatch', kind: 'cloudwatch', description: '…', periodMs: 60_000, delayMs: 120_000, measures });
 * ```
 */
export function createPointSignal(options: Omit<PointSignal, 'points' | 'add' | 'emptyRoles'>): PointSignal {
  const known = new Map<number, MetricPoint>();
  return {
    ...options,
    emptyRoles: [],
    points: () => [...known.values()].sort((a, b) => a.timestampMs - b.timestampMs),
    add: (points) => mergePoints(known, points),
  };
}

/**
 * The points whose whole period lies in `[fromEpochMs, toEpochMs)`: a period that straddles the start of the fault
 * window (or its end, the rollback) mixes two regimes and is left out.
 */
export function pointsWithin(
  points: readonly MetricPoint[],
  fromEpochMs: number,
  toEpochMs: number,
): MetricPoint[] {
  return points.filter(
    (point) => point.timestampMs >= fromEpochMs && point.timestampMs + point.periodMs <= toEpochMs,
  );
}

/**
 * The summary a stop condition compares: the latest `windowMs` of data that exists (the services publish with a
 * delay, so "the last five minutes" are the five minutes before the newest point), limited to periods that overlap
 * the fault window. `undefined` when no such period exists yet.
 */
export function latestWindowSummary(
  points: readonly MetricPoint[],
  faultStartEpochMs: number,
  windowMs: number,
): SignalSummary | undefined {
  const newest = points.at(-1);
  if (newest === undefined) return undefined;
  const newestEndMs = newest.timestampMs + newest.periodMs;
  const fromMs = Math.max(faultStartEpochMs, newestEndMs - windowMs);
  const inWindow = points.filter((point) => point.timestampMs + point.periodMs > fromMs);
  return inWindow.length === 0 ? undefined : summarizePoints(inWindow);
}

/**
 * Why a signal went dark, or `undefined` while its newest period is as fresh as the source can be: the newest point
 * must end no earlier than `delayMs` plus `graceMs` ago.
 */
export function staleness(signal: PointSignal, nowEpochMs: number, graceMs: number): string | undefined {
  const newest = signal.points().at(-1);
  if (newest === undefined) return 'no data points yet';
  const ageMs = nowEpochMs - (newest.timestampMs + newest.periodMs);
  if (ageMs <= signal.delayMs + graceMs) return undefined;
  return `no data point for ${Math.round(ageMs / 1000)} s (newest period ${new Date(newest.timestampMs).toISOString()}; expected within ${Math.round((signal.delayMs + graceMs) / 1000)} s)`;
}
