import type { RunSection } from '@faultline/core';
import type { ToleranceCheck } from './journal.js';
import { round, type SampleSummary } from './metrics.js';
import type { SignalSummary } from './signals/metric-points.js';

const measuresEverything: Readonly<Record<'errors' | 'p50' | 'p95' | 'p99', boolean>> = {
  errors: true,
  p50: true,
  p95: true,
  p99: true,
};

/**
 * Compares a summary with the steady-state tolerances. With `measures` (what a metric probe can measure), a
 * latency percentile the source does not provide, or a success ratio without an errors query, is left out
 * (validation makes sure some signal of every target measures each tolerance); a summary without a percentile is
 * never judged on it.
 *
 * @example
 * ```ts
 * evaluateTolerances(run, summarize(samples)).every((check) => check.ok);
 * ```
 */
export function evaluateTolerances(
  run: RunSection,
  summary: SampleSummary | SignalSummary,
  measures: Readonly<Record<'errors' | 'p50' | 'p95' | 'p99', boolean>> = measuresEverything,
): ToleranceCheck[] {
  const checks: ToleranceCheck[] = [];
  const { successRatio, latencyMs } = run.steadyState;
  if (successRatio !== undefined && measures.errors) {
    checks.push({
      name: 'success ratio',
      observed: round(summary.successRatio, 4),
      tolerance: `≥ ${successRatio.min}`,
      ok: summary.successRatio >= successRatio.min,
    });
  }
  for (const key of ['p50', 'p95', 'p99'] as const) {
    const tolerance = latencyMs?.[key];
    const observed = summary.latencyMs[key];
    // A summary without this percentile (a metric probe that does not read it) is not judged on it.
    if (tolerance === undefined || !measures[key] || observed === undefined) continue;
    checks.push({
      name: `${key} latency ms`,
      observed,
      tolerance: `≤ ${tolerance.max}`,
      ok: observed <= tolerance.max,
    });
  }
  return checks;
}

/** A summary and its checks in one journal line. */
export function describeChecks(summary: SignalSummary, checks: readonly ToleranceCheck[]): string {
  return `${summary.count} requests; ${checks.map((check) => `${check.name} ${check.observed} ${check.tolerance} ${check.ok ? 'ok' : 'FAILED'}`).join(', ')}`;
}
