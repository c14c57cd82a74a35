import { FaultlineError, type RunSection, type RunTarget } from '@faultline/core';
import type { StopBreach } from '../journal.js';
import { round } from '../metrics.js';
import { type RunContext, sleep, type TargetState } from '../run-context.js';
import { findSignalBreach, judgeSignal } from '../signals/metric-evaluation.js';
import { staleness } from '../signals/point-signal.js';
import { plannedFaultWindowSeconds } from '../stop-condition-check.js';
import { describeStopCondition } from '../watch-stop-conditions.js';
import { artilleryReportDelayMs, startArtilleryLoad } from './artillery-load.js';
import { artilleryPeriodMs } from './artillery-periods.js';
import { resolveArtilleryNode, resolveArtilleryPackage } from './artillery-runtime.js';

/** Artillery's fault window must hold this many of its 10 s periods, so at least one lies wholly inside it. */
const minimumFaultPeriods = 2;

/** Margin added to Artillery's planned phase: the runner stops it itself; the phase only bounds a lost runner. */
const phaseMarginSeconds = 120;

/** Whether the run drives its load with Artillery. */
export function usesArtillery(run: RunSection): boolean {
  return run.load?.driver === 'artillery';
}

/**
 * Refuses an Artillery run this CLI cannot carry out, before any store is opened: a platform other than `local`, a
 * fault window too short for Artillery's 10 s periods, no Node >= 22.18, or no artillery package. Each message names
 * the field or the setting and the fix; nothing falls back to the built-in driver.
 */
export function refuseUnusableArtillery(
  run: RunSection,
  environment: Readonly<Record<string, string | undefined>>,
): void {
  const load = run.load;
  if (load?.driver !== 'artillery') return;
  const platform = load.artillery?.platform ?? 'local';
  if (platform !== 'local') {
    throw new FaultlineError(
      'INVALID_OPTION',
      `run.load.artillery.platform: ${platform} is not supported by this version of the CLI (Artillery runs on this machine only); use platform: local, nothing was injected`,
    );
  }
  // The verdict measures from the end of the first propagation wait to the end of the fault window.
  const measuredSeconds = plannedFaultWindowSeconds(run) - run.propagationWaitMs / 1000;
  const neededSeconds = (minimumFaultPeriods * artilleryPeriodMs) / 1000;
  if (measuredSeconds < neededSeconds) {
    throw new FaultlineError(
      'INVALID_OPTION',
      `run.${run.ramp === undefined ? 'load.durationSeconds' : 'ramp'}: the measured fault window is ${round(measuredSeconds)} s, but Artillery reports in ${artilleryPeriodMs / 1000} s periods and the verdict needs at least one whole period under fault; make it at least ${neededSeconds} s (or use driver: builtin), nothing was injected`,
    );
  }
  resolveArtilleryNode(environment);
  resolveArtilleryPackage();
}

/**
 * Starts Artillery against every loaded target (in parallel) and waits until each sends. A target whose Artillery
 * started is kept in `state.artillery` even when another one fails, so the run's end stops it.
 */
export async function startArtilleryTargets(
  context: RunContext,
  loaded: readonly TargetState[],
): Promise<void> {
  const { run } = context;
  const load = run.load as NonNullable<RunSection['load']>;
  // Upper bound of the load's length: steady state (whole periods plus the report delay), the fault window, the
  // recovery and the wait for the fault window's last periods; the runner stops Artillery itself long before.
  const plannedSeconds =
    Math.ceil(run.steadyState.sampleSeconds / (artilleryPeriodMs / 1000) + 1) * (artilleryPeriodMs / 1000) +
    plannedFaultWindowSeconds(run) +
    run.recoverySeconds +
    (2 * artilleryReportDelayMs + 5 * artilleryPeriodMs) / 1000 +
    phaseMarginSeconds;
  context.progress.phase('steady-state', `starting Artillery against ${loaded.length} target(s)`);
  const started = await Promise.allSettled(
    loaded.map(async (state) => {
      state.artillery = await startArtilleryLoad({
        label: state.target.name,
        probe: state.target.probe as NonNullable<RunTarget['probe']>,
        ratePerSecond: load.ratePerSecond,
        durationSeconds: plannedSeconds,
        ...(context.options.environment === undefined ? {} : { environment: context.options.environment }),
        signal: context.stopSignal,
      });
      context.record(
        'load-driver',
        true,
        `${state.artillery.description}: ${load.ratePerSecond} req/s`,
        state.target.name,
      );
    }),
  );
  const failed = started.find((result) => result.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
}

/**
 * The steady state from Artillery's periods: the whole periods after every Artillery started, `sampleSeconds`
 * rounded up to whole periods; waits until they are reported and judges each target's (into
 * `state.artillerySteady`). Sets `phases.steadyStateEndMs` to the window's end.
 */
export async function sampleArtillerySteadyState(
  context: RunContext,
  loaded: readonly TargetState[],
): Promise<void> {
  const { run } = context;
  const running = loaded.filter((state) => state.artillery !== undefined);
  if (running.length === 0) return;
  const latestStart = Math.max(...running.map((state) => state.artillery?.startedAtEpochMs ?? 0));
  const fromEpochMs = Math.ceil(latestStart / artilleryPeriodMs) * artilleryPeriodMs;
  const periods = Math.max(1, Math.ceil((run.steadyState.sampleSeconds * 1000) / artilleryPeriodMs));
  const toEpochMs = fromEpochMs + periods * artilleryPeriodMs;
  context.progress.phase(
    'steady-state',
    `steady state: sampling ${periods} Artillery period(s) of ${artilleryPeriodMs / 1000} s at ${run.load?.ratePerSecond} req/s per target`,
    toEpochMs + artilleryReportDelayMs - context.nowEpochMs(),
  );
  // A loaded machine may hand the periods in late: wait up to two more periods (the wait ends as soon as they are in).
  await waitForPeriods(
    context,
    running,
    toEpochMs - artilleryPeriodMs,
    toEpochMs + artilleryReportDelayMs + 2 * artilleryPeriodMs,
  );
  context.phases.steadyStateEndMs = toEpochMs - context.startedAtEpoch;
  for (const state of running) {
    const artillery = state.artillery;
    if (artillery === undefined) continue;
    const problems = artillery.failure === undefined ? [] : [artillery.failure];
    state.artillerySteady = {
      fromEpochMs,
      toEpochMs,
      judgement: judgeSignal(run, artillery.signal, fromEpochMs, toEpochMs, problems),
    };
  }
}

/**
 * After the fault window: waits (never longer than Artillery's report delay) until the period holding the fault
 * window's end is reported by every Artillery, so the verdict sees every whole period under fault. Never rejects.
 */
export async function settleArtillery(context: RunContext, endOfFaultsMs: number): Promise<void> {
  const running = context.states.filter((state) => state.artillery !== undefined);
  if (running.length === 0) return;
  const endEpochMs = context.startedAtEpoch + endOfFaultsMs;
  const lastWholeStart = Math.floor(endEpochMs / artilleryPeriodMs) * artilleryPeriodMs - artilleryPeriodMs;
  const deadline = lastWholeStart + 3 * artilleryPeriodMs + artilleryReportDelayMs;
  if (deadline > context.nowEpochMs())
    context.progress.phase(
      'settle',
      `waiting up to ${Math.ceil((deadline - context.nowEpochMs()) / 1000)} s for Artillery's periods of the fault window`,
      deadline - context.nowEpochMs(),
    );
  await waitForPeriods(context, running, lastWholeStart, deadline).catch(() => {});
}

/** Stops every target's Artillery and waits for its process to exit. Never rejects. */
export async function stopArtilleryTargets(context: RunContext): Promise<void> {
  await Promise.allSettled(context.states.map((state) => state.artillery?.stop()));
}

/**
 * A stop condition breached by Artillery's numbers, or `undefined`: Artillery ending early or going silent stops the
 * run first (load that is not running judges nothing), then the threshold conditions over its latest periods.
 */
export function findArtilleryBreach(context: RunContext): StopBreach | undefined {
  const now = context.elapsedMs();
  const faultStartEpochMs = context.startedAtEpoch + (context.phases.faultStartMs ?? 0);
  for (const state of context.states) {
    const artillery = state.artillery;
    if (artillery === undefined) continue;
    const silent = staleness(artillery.signal, context.nowEpochMs(), 2 * artilleryPeriodMs);
    const problem =
      artillery.failure ?? (silent === undefined ? undefined : `Artillery went silent: ${silent}`);
    if (problem !== undefined) {
      return { atMs: now, target: state.target.name, condition: 'Artillery load running', observed: problem };
    }
    const found = findSignalBreach(artillery.signal, context.thresholds, faultStartEpochMs);
    if (found !== undefined) {
      return {
        atMs: now,
        target: state.target.name,
        condition: `${describeStopCondition(found.condition)} (${artillery.signal.label})`,
        observed: round(found.observed, found.condition.metric.endsWith('Ms') ? 1 : 4),
      };
    }
  }
  return undefined;
}

/**
 * Waits until every running Artillery reported the period starting at `periodStartEpochMs` (or a later one), one
 * ended, or `deadlineEpochMs` passed. Rejects with `RunInterrupted` on abort.
 */
async function waitForPeriods(
  context: RunContext,
  running: readonly TargetState[],
  periodStartEpochMs: number,
  deadlineEpochMs: number,
): Promise<void> {
  const reported = (state: TargetState) =>
    state.artillery?.failure !== undefined ||
    (state.artillery?.signal.points().some((point) => point.timestampMs >= periodStartEpochMs) ?? true);
  while (!running.every(reported) && context.nowEpochMs() < deadlineEpochMs) {
    await sleep(250, context.stopSignal);
  }
}
