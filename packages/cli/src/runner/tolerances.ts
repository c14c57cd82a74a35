import type { RunSection } from '@faultline/core';
import type { ToleranceCheck } from './journal.js';
import type { SampleSummary } from './metrics.js';
import { round } from './run-context.js';
import type { SignalSummary } from './signals/metric-points.js';

/**
 * Compares a summary with the steady-state tolerances.
 *
 * @example
 * ```ts
 * evaluateTolerances(run, summarize(samples)).every((check) => check.ok);
 * ```
 */
export function evaluateTolerances(
  run: RunSection,
  summary: SampleSummary | SignalSummary,
): ToleranceCheck[] {
  const checks: ToleranceCheck[] = [];
  const { successRatio, latencyMs } = run.steadyState;
  if (successRatio !== undefined) {
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
    if (tolerance === undefined || observed === undefined) continue;
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
