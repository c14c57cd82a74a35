import {
  isThresholdStopCondition,
  type RunSection,
  type ThresholdStopCondition,
  type ValidationIssue,
} from '@faultline/core';

/**
 * Finds the stop conditions of a run section that can never fire with its planned load and duration, so a stop
 * button that does nothing is refused before anything is injected, instead of being discovered during an outage.
 *
 * A condition is checked over a sliding window that starts at the first push, and it never fires on fewer than
 * `minSamples` requests. Per target, the load starts at most `ratePerSecond × seconds` requests in a window; the
 * window is `windowSeconds`, cut to the fault window when that is shorter (every step's `propagationWaitMs` plus its
 * `durationSeconds`). A condition is also unreachable when its threshold lies outside what can be measured: an
 * error rate above 1 or a success ratio below 0, or a latency above the probes' own timeout (a request is cut off
 * at `probe.timeoutMs`, so it never measures longer).
 *
 * Returns one issue per unreachable condition, with its path, the arithmetic and the fix; an empty list when every
 * condition can fire.
 *
 * @example
 * ```ts
 * const issues = findUnreachableStopConditions(run);
 * // [{ path: 'run.stopConditions[0].minSamples', message: 'needs 100000 requests in its window, …', hint: '…' }]
 * ```
 */
export function findUnreachableStopConditions(run: RunSection, path = 'run'): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  // Only synthetic load has a known rate; real traffic read by metric probes can be any size, and an Artillery
  // driver's requests reach faultline in 10 s periods.
  const load = run.load;
  const probeOnly = run.targets.every((target) => (target.metrics ?? []).length === 0);
  if (load === undefined || load.driver !== 'builtin' || !probeOnly) return issues;
  const faultWindowSeconds = plannedFaultWindowSeconds(run);
  const rate = load.ratePerSecond;
  run.stopConditions.forEach((condition, index) => {
    if (!isThresholdStopCondition(condition)) return;
    const at = `${path}.stopConditions[${index}]`;
    const seconds = Math.min(condition.windowSeconds, faultWindowSeconds);
    // Requests start on a fixed schedule: at most one more than rate × seconds fit into the window.
    const mostSamples = Math.floor(rate * seconds) + 1;
    if (condition.minSamples > mostSamples) {
      const neededRate = Math.ceil((condition.minSamples / seconds) * 10) / 10;
      issues.push({
        path: `${at}.minSamples`,
        message: `needs ${condition.minSamples} requests in its window, but ${rate} req/s over ${formatSeconds(seconds)}${seconds < condition.windowSeconds ? ' (the whole fault window)' : ''} sends at most ${mostSamples} per target: "${describe(condition)}" can never fire`,
        hint: `lower minSamples to at most ${mostSamples}, or raise load.ratePerSecond to ${neededRate}${seconds < condition.windowSeconds ? ' or lengthen the fault window' : ` or windowSeconds to ${Math.ceil(condition.minSamples / rate)}`}`,
      });
    }
    const reason = impossibleThreshold(run, condition);
    if (reason !== undefined) issues.push({ path: `${at}.value`, ...reason });
  });
  return issues;
}

/**
 * The steps of the fault window: the ramp's, or one step at the documents' own probabilities lasting
 * `load.durationSeconds` (or `durationSeconds` for a run without load).
 */
export function faultSteps(
  run: RunSection,
): readonly { readonly probability: number | undefined; readonly durationSeconds: number }[] {
  if (run.ramp !== undefined) return run.ramp;
  return [{ probability: undefined, durationSeconds: run.load?.durationSeconds ?? run.durationSeconds ?? 0 }];
}

/** Seconds from the first push to the planned end of the fault window: every step's propagation wait + duration. */
export function plannedFaultWindowSeconds(run: RunSection): number {
  return faultSteps(run).reduce((sum, step) => sum + run.propagationWaitMs / 1000 + step.durationSeconds, 0);
}

function impossibleThreshold(
  run: RunSection,
  condition: ThresholdStopCondition,
): { message: string; hint: string } | undefined {
  const { metric, op, value } = condition;
  const label = `"${describe(condition)}"`;
  if ((metric === 'errorRate' || metric === 'successRatio') && op === 'gt' && value >= 1)
    return {
      message: `${label} can never fire: a ratio is never above 1`,
      hint: 'use a value below 1, e.g. 0.2',
    };
  if (op === 'lt' && value <= 0)
    return {
      message: `${label} can never fire: ${metric} is never below 0`,
      hint: `use a value above 0${metric === 'successRatio' ? ', e.g. 0.8' : ''}`,
    };
  if ((metric === 'latencyP95Ms' || metric === 'latencyP99Ms') && op === 'gt') {
    const longestTimeoutMs = Math.max(...run.targets.map((target) => target.probe?.timeoutMs ?? 0));
    if (value >= longestTimeoutMs)
      return {
        message: `${label} can never fire: every probe gives up after ${longestTimeoutMs} ms (probe.timeoutMs), so no request measures longer`,
        hint: `use a value below ${longestTimeoutMs}, or raise the targets' probe.timeoutMs above ${value}`,
      };
  }
  return undefined;
}

function describe(condition: ThresholdStopCondition): string {
  return `${condition.metric} ${condition.op === 'lt' ? '<' : '>'} ${condition.value} over ${condition.windowSeconds} s, at least ${condition.minSamples} requests`;
}

function formatSeconds(seconds: number): string {
  return `${Math.round(seconds * 10) / 10} s`;
}
