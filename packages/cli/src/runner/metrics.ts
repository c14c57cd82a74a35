/** One request made by the load generator. */
export interface Sample {
  /** Milliseconds since the run started, when the request was sent. */
  readonly atMs: number;
  readonly latencyMs: number;
  readonly ok: boolean;
  /** HTTP status, absent on network errors and timeouts. */
  readonly status?: number;
  /** Short reason for failures, e.g. `timeout`, `HTTP 503`. */
  readonly error?: string;
  /** The request's own id, sent as `x-faultline-probe-id` (requests of a load generator only). */
  readonly probeId?: string;
  /** The fault ids the response's `x-faultline-injected` header named (absent when it had none). */
  readonly injected?: readonly string[];
}

/** Aggregates of a set of samples. */
export interface SampleSummary {
  readonly count: number;
  readonly errors: number;
  /** Share of successful requests in [0, 1]; 1 when there are no samples. */
  readonly successRatio: number;
  readonly errorRate: number;
  readonly latencyMs: {
    readonly p50: number;
    readonly p95: number;
    readonly p99: number;
    readonly max: number;
  };
}

/**
 * Nearest-rank percentile of an ascending list (`p` in [0, 100]); 0 for an empty list.
 *
 * @example
 * ```ts
 * percentile([10, 20, 30, 40], 50); // 20
 * ```
 */
export function percentile(sortedAscending: readonly number[], p: number): number {
  if (sortedAscending.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sortedAscending.length);
  return sortedAscending[Math.min(sortedAscending.length, Math.max(1, rank)) - 1] as number;
}

/**
 * Summarizes samples: counts, success ratio, latency percentiles (over every request, failed ones included — a
 * timeout is the slowest kind of answer).
 *
 * @example
 * ```ts
 * summarize(samples).latencyMs.p95;
 * ```
 */
export function summarize(samples: readonly Sample[]): SampleSummary {
  const latencies = samples.map((sample) => sample.latencyMs).sort((a, b) => a - b);
  const errors = samples.filter((sample) => !sample.ok).length;
  const count = samples.length;
  return {
    count,
    errors,
    successRatio: count === 0 ? 1 : (count - errors) / count,
    errorRate: count === 0 ? 0 : errors / count,
    latencyMs: {
      p50: round(percentile(latencies, 50)),
      p95: round(percentile(latencies, 95)),
      p99: round(percentile(latencies, 99)),
      max: round(latencies.at(-1) ?? 0),
    },
  };
}

/** One bucket of the timeline drawn in the report. */
export interface TimelineBucket {
  /** Middle of the bucket, ms since the run started (where its point is drawn, so a chart never shows a change
   * before it happened). */
  readonly atMs: number;
  readonly count: number;
  readonly errors: number;
  readonly p50: number;
  readonly p95: number;
}

/**
 * Groups samples into fixed buckets for the report's charts.
 *
 * @example
 * ```ts
 * const timeline = toTimeline(samples, 1000);
 * ```
 */
export function toTimeline(samples: readonly Sample[], bucketMs: number): TimelineBucket[] {
  const buckets = new Map<number, Sample[]>();
  for (const sample of samples) {
    const key = Math.floor(sample.atMs / bucketMs) * bucketMs;
    const list = buckets.get(key) ?? [];
    list.push(sample);
    buckets.set(key, list);
  }
  return [...buckets.entries()]
    .sort(([a], [b]) => a - b)
    .map(([startMs, list]) => {
      const summary = summarize(list);
      return {
        atMs: startMs + bucketMs / 2,
        count: summary.count,
        errors: summary.errors,
        p50: summary.latencyMs.p50,
        p95: summary.latencyMs.p95,
      };
    });
}

/** `value` rounded to `digits` decimals (the journal's precision: 0.1 ms, ratios to 4 digits). */
export function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
