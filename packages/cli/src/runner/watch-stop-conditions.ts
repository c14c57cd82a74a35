import { isThresholdStopCondition, type StopCondition, type ThresholdStopCondition } from '@faultline/core';
import { findArtilleryBreach } from './artillery/artillery-steps.js';
import type { StopBreach } from './journal.js';
import { round, type SampleSummary, summarize } from './metrics.js';
import { type RunContext, samplesBetween, sleep, throwIfAborted } from './run-context.js';
import { findSignalBreach, metricDarkness } from './signals/metric-evaluation.js';

/** How often stop conditions are evaluated while faults are active. */
const stopCheckIntervalMs = 200;

/**
 * Waits `durationMs` while checking the stop conditions every {@link stopCheckIntervalMs}. On a breach: records
 * it in `context.outcome` (status `stopped`), switches every store off at once and returns `true`. Throws
 * `RunInterrupted` when the caller aborts.
 */
export async function watchStopConditions(context: RunContext, durationMs: number): Promise<boolean> {
  const until = performance.now() + durationMs;
  while (performance.now() < until) {
    await sleep(Math.min(stopCheckIntervalMs, Math.max(0, until - performance.now())), context.stopSignal);
    throwIfAborted(context);
    const found = findBreach(context);
    if (found !== undefined) {
      context.outcome.breach = found;
      context.outcome.status = 'stopped';
      context.record('stop-condition', false, `${found.condition}: observed ${found.observed}`, found.target);
      context.progress.note(
        `STOP: ${found.target === undefined ? '' : `${found.target}: `}${found.condition} (observed ${found.observed}) — switching off everywhere`,
      );
      await switchOffEverywhere(context);
      return true;
    }
  }
  return false;
}

/**
 * Switches every store off: one conditional write per store, in parallel, each journaled (the full restore
 * follows in the rollback). Never rejects.
 */
export async function switchOffEverywhere(context: RunContext): Promise<void> {
  await Promise.all(
    context.states.map(async (state) => {
      try {
        const result = await state.store.setEnabled(false);
        context.record(
          'switch-off',
          true,
          `${result.outcome}${result.version === undefined ? '' : ` (version ${result.version})`}`,
          state.target.name,
        );
        if (result.version !== undefined) {
          state.pushedVersion = result.version;
          state.writtenVersions.add(result.version);
        }
      } catch (switchError) {
        context.record('switch-off', false, (switchError as Error).message, state.target.name);
      }
    }),
  );
}

/**
 * The first stop condition breached now, if any: metric probes gone dark and unreadable or firing alarms first
 * (an experiment nobody can see is stopped), then thresholds on metric probes, then thresholds on probe samples.
 */
export function findBreach(context: RunContext): StopBreach | undefined {
  const { watch, thresholds, startedAtEpoch } = context;
  const faultStartMs = context.phases.faultStartMs ?? 0;
  const now = context.elapsedMs();
  for (const metric of watch.metrics) {
    if (metric.probe.onUnreadable !== 'stop') continue;
    const dark = metricDarkness(metric, startedAtEpoch + now);
    if (dark !== undefined) {
      return {
        atMs: now,
        target: metric.target,
        condition: `metric probe ${metric.signal.label} readable`,
        observed: dark,
      };
    }
  }
  for (const alarm of watch.alarms) {
    const { condition } = alarm;
    if (alarm.lastError !== undefined && condition.onUnreadable === 'stop') {
      return { atMs: now, condition: `${alarm.label} readable`, observed: alarm.lastError };
    }
    for (const state of alarm.states ?? []) {
      const fires =
        state.state === 'ALARM' ||
        (state.state === 'INSUFFICIENT_DATA' && condition.insufficientData === 'stop') ||
        (state.state === 'MISSING' && condition.onUnreadable === 'stop');
      if (fires)
        return {
          atMs: now,
          condition: `cloudwatch-alarm ${state.name} not in ALARM`,
          observed: state.state,
        };
    }
  }
  const artilleryBreach = findArtilleryBreach(context);
  if (artilleryBreach !== undefined) return artilleryBreach;
  for (const metric of watch.metrics) {
    const found = findSignalBreach(metric.signal, thresholds, startedAtEpoch + faultStartMs);
    if (found !== undefined) {
      return {
        atMs: now,
        target: metric.target,
        condition: `${describeStopCondition(found.condition)} (${metric.signal.label})`,
        observed: round(found.observed, found.condition.metric.endsWith('Ms') ? 1 : 4),
      };
    }
  }
  for (const condition of thresholds) {
    for (const state of context.states) {
      if (state.load === undefined) continue;
      const windowSamples = samplesBetween(
        state,
        Math.max(faultStartMs, now - condition.windowSeconds * 1000),
        now + 1,
      );
      if (windowSamples.length < condition.minSamples) continue;
      const observed = metricOf(summarize(windowSamples), condition);
      if (condition.op === 'lt' ? observed < condition.value : observed > condition.value) {
        return {
          atMs: now,
          target: state.target.name,
          condition: describeStopCondition(condition),
          // Ratios keep 4 digits: 0.52 shown as 0.5 would read as "0.5 > 0.5" in the journal.
          observed: round(observed, condition.metric.endsWith('Ms') ? 1 : 4),
        };
      }
    }
  }
  return undefined;
}

function metricOf(summary: SampleSummary, condition: ThresholdStopCondition): number {
  switch (condition.metric) {
    case 'successRatio':
      return summary.successRatio;
    case 'errorRate':
      return summary.errorRate;
    case 'latencyP95Ms':
      return summary.latencyMs.p95;
    case 'latencyP99Ms':
      return summary.latencyMs.p99;
    case 'errorCount':
      return summary.errors;
  }
}

/**
 * A stop condition in words, e.g. `errorRate > 0.2 over 3 s`.
 *
 * @example
 * ```ts
 * describeStopCondition({ metric: 'errorRate', op: 'gt', value: 0.2, windowSeconds: 3, minSamples: 5 });
 * ```
 */
export function describeStopCondition(condition: StopCondition): string {
  if (!isThresholdStopCondition(condition))
    return `cloudwatch-alarm ${condition.alarmNames.join(', ')} not in ALARM`;
  return `${condition.metric} ${condition.op === 'lt' ? '<' : '>'} ${condition.value} over ${condition.windowSeconds} s`;
}
