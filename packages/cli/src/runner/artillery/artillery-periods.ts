import type { MetricPoint } from '../signals/metric-points.js';

/** Artillery aggregates its metrics in 10-second periods aligned to the wall clock (documented, not configurable). */
export const artilleryPeriodMs = 10_000;

/** One intermediate report as faultline's live-stats plugin prints it. */
export interface ArtilleryPeriodReport {
  /** Start of the period, epoch ms. */
  readonly period: number;
  /** `http.requests`, `http.responses`, `http.codes.<status>` and `errors.<code>` counters of the period. */
  readonly counters: Readonly<Record<string, number>>;
  /** `http.response_time` summary of the period (ms): p50, p95, p99, max, count; empty without responses. */
  readonly latency: Readonly<Record<string, number>>;
}

/** The line prefix of a period report in Artillery's output. */
export const periodLinePrefix = 'faultline-period ';

/** The line the plugin prints when Artillery's phase starts sending. */
export const startedLine = 'faultline-started';

/**
 * Parses one line of Artillery's output: a period report, or `undefined` for anything else (Artillery's own output,
 * a broken line).
 *
 * @example
 * ```ts
 * parsePeriodLine('faultline-period {"period":1796315980000,"counters":{"http.codes.200":10},"latency":{}}');
 * ```
 */
export function parsePeriodLine(line: string): ArtilleryPeriodReport | undefined {
  if (!line.startsWith(periodLinePrefix)) return undefined;
  try {
    const parsed = JSON.parse(line.slice(periodLinePrefix.length)) as Partial<ArtilleryPeriodReport>;
    if (typeof parsed.period !== 'number' || !Number.isFinite(parsed.period)) return undefined;
    return {
      period: parsed.period,
      counters: numbersOf(parsed.counters),
      latency: numbersOf(parsed.latency),
    };
  } catch {
    return undefined;
  }
}

/**
 * Turns a period report into a data point judged like the built-in driver's requests: a request is one that got an
 * answer or failed (`errors.*`: timeouts, refused connections); it failed when it got no answer or a status outside
 * `expectStatus` (default: 2xx and 3xx). Latency percentiles are Artillery's, over the answered requests (a request
 * that timed out has no response time in Artillery; it counts as an error instead).
 *
 * @example
 * ```ts
 * toMetricPoint(report, [200, 404]); // { timestampMs, periodMs: 10000, requests, errors, p50, p95, p99 }
 * ```
 */
export function toMetricPoint(
  report: ArtilleryPeriodReport,
  expectStatus: readonly number[] | undefined,
): MetricPoint {
  let answered = 0;
  let unexpected = 0;
  let failed = 0;
  for (const [name, value] of Object.entries(report.counters)) {
    if (name.startsWith('http.codes.')) {
      const status = Number(name.slice('http.codes.'.length));
      answered += value;
      const ok = expectStatus === undefined ? status >= 200 && status < 400 : expectStatus.includes(status);
      if (!ok) unexpected += value;
    } else if (name.startsWith('errors.')) {
      failed += value;
    }
  }
  const { p50, p95, p99 } = report.latency;
  return {
    timestampMs: report.period,
    periodMs: artilleryPeriodMs,
    requests: answered + failed,
    errors: unexpected + failed,
    ...(answered === 0 || p50 === undefined ? {} : { p50 }),
    ...(answered === 0 || p95 === undefined ? {} : { p95 }),
    ...(answered === 0 || p99 === undefined ? {} : { p99 }),
  };
}

function numbersOf(value: unknown): Record<string, number> {
  const result: Record<string, number> = {};
  if (typeof value !== 'object' || value === null) return result;
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry === 'number' && Number.isFinite(entry)) result[key] = entry;
  }
  return result;
}
