import { describeCoordinates, type StoreCoordinates } from '../stores/index.js';
import { countedFaultsOf, countInjections, type InjectionProof } from './injection-counts.js';
import type { MetricSignalJournal, RunJournal, SignalWindowJournal, TargetJournal } from './journal.js';
import { summarize, toTimeline } from './metrics.js';
import { type MetricSteadyState, type RunContext, samplesBetween, type TargetState } from './run-context.js';
import { judgeSignal, readProblems } from './signals/metric-evaluation.js';
import { toPointTimeline } from './signals/metric-points.js';
import type { WatchedMetric } from './signals/metric-watch.js';
import type { PointSignal } from './signals/point-signal.js';
import { evaluateTolerances } from './tolerances.js';

/**
 * The run's verdict from its targets': `not-run` when nothing was injected, `held` only when every target held,
 * `not-proven` when no target deviated but one's injections were not proven, else `deviated`.
 */
export function runVerdict(context: RunContext, targets: readonly TargetJournal[]): RunJournal['verdict'] {
  if (targets.every((target) => target.verdict === 'not-run') || context.phases.faultStartMs === undefined)
    return 'not-run';
  if (targets.every((target) => target.verdict === 'held')) return 'held';
  return targets.some((target) => target.verdict === 'deviated') ? 'deviated' : 'not-proven';
}

/** How far the functions' clocks may be off the runner's, for the experiment's own `window.start`. */
const clockMarginMs = 1000;

/**
 * The injections counted on a target over the measured fault window, against the pushed probabilities (and the
 * ramp). Targets without probe load are `not-observable`; a dry-run experiment is `dry-run`.
 */
function injectionProofOf(
  context: RunContext,
  state: TargetState,
  fromMs: number,
  toMs: number,
): InjectionProof {
  const { options, run, phases } = context;
  const { document } = options;
  const guard = document.guard as { maxInjectionsPerMinute?: unknown } | undefined;
  const window = document.window as { start?: unknown } | undefined;
  const windowStartMs = typeof window?.start === 'string' ? Date.parse(window.start) : Number.NaN;
  return countInjections({
    faults: countedFaultsOf(document, state.target.probe?.headers),
    experiment: {
      id: String(document.id),
      ...(typeof document.seed === 'string' ? { seed: document.seed } : {}),
    },
    injectionBudget: typeof guard?.maxInjectionsPerMinute === 'number',
    // The experiment's own start, plus a second for the functions' clocks.
    ...(Number.isFinite(windowStartMs)
      ? { compareFromMs: windowStartMs - context.startedAtEpoch + clockMarginMs }
      : {}),
    mode: options.document.mode === 'dry-run' ? 'dry-run' : 'enforce',
    samples: state.load === undefined ? undefined : samplesBetween(state, fromMs, toMs),
    steps: phases.rampMarks,
    propagationWaitMs: run.propagationWaitMs,
    // Cloud Functions' framework answers an injected error with a 500 that carries the marker; Lambda's and
    // Azure's hosts answer it themselves, without it.
    platformAnswersFailures: state.target.cloud !== 'gcp',
    ...(state.artillery === undefined
      ? {}
      : {
          unobservableReason:
            'load.driver artillery: its requests are not counted (it reports aggregates per period), so the run cannot prove injection here; see the functions’ inject events and the faultline injection metrics',
        }),
  });
}

/**
 * One target's journal and verdict: its steady state, its fault window and recovery (probe samples and metric
 * probes), its checks against the tolerances, and the reason for the verdict. `endMs` ends the recovery window.
 */
export function judgeTarget(context: RunContext, state: TargetState, endMs: number): TargetJournal {
  const { run, phases, outcome, watch } = context;
  const { faultStartMs, faultEndMs } = phases;
  const steady = context.steadyByTarget.get(state.target.name) ?? {
    summary: summarize(samplesBetween(state, 0, phases.steadyStateEndMs || endMs)),
    checks: [],
    held: false,
  };
  const metrics = watch.metrics.filter((metric) => metric.target === state.target.name);
  const artillery = artilleryJournal(context, state, endMs);
  const metricJournals = [
    ...(artillery === undefined ? [] : [artillery]),
    ...metrics.map((metric) => metricJournal(context, metric, endMs)),
  ];
  const bucketMs =
    context.options.bucketMs ??
    // About ten requests per chart bucket, so a single failure does not look like a 20 % spike.
    Math.min(5000, Math.max(500, Math.round(10_000 / (run.load?.ratePerSecond ?? 1) / 500) * 500));
  const common = {
    name: state.target.name,
    cloud: state.target.cloud,
    store: describeCoordinates(state.target.store as StoreCoordinates),
    ...(state.target.probe === undefined ? {} : { probeUrl: state.target.probe.url }),
    steadyState: steady,
    ...(metricJournals.length === 0 ? {} : { metrics: metricJournals }),
    skippedRequests: state.load?.skipped ?? 0,
    timeline: toTimeline(state.load?.samples ?? [], bucketMs),
    ...(state.pushedVersion === undefined ? {} : { pushedVersion: state.pushedVersion }),
    ...(state.rollback === undefined ? {} : { rollback: state.rollback }),
  };
  if (faultStartMs === undefined || faultEndMs === undefined) {
    return {
      ...common,
      verdict: 'not-run',
      reason: steady.held
        ? outcome.status === 'steady-state-failed'
          ? 'steady state held here, but not on every target: nothing was injected anywhere'
          : 'not started'
        : 'steady state did not hold before injecting',
    };
  }
  const measureFrom = phases.measureStartMs ?? faultStartMs;
  const probeSummary =
    state.load === undefined ? undefined : summarize(samplesBetween(state, measureFrom, faultEndMs));
  const metricFaults = metricJournals.map((journal) => journal.fault);
  const faultSummary = probeSummary ?? metricFaults[0]?.summary ?? summarize([]);
  const checks = [
    ...(probeSummary === undefined ? [] : evaluateTolerances(run, probeSummary)),
    ...metricFaults.flatMap((fault) => fault?.checks ?? []),
    ...context.commandChecksDuring,
  ];
  const recovery =
    state.load === undefined
      ? (metricJournals[0]?.recovery?.summary ?? summarize([]))
      : summarize(samplesBetween(state, faultEndMs, endMs + 1));
  const { status, breach, error } = outcome;
  const breachedHere = breach?.target === state.target.name;
  const injection = injectionProofOf(context, state, measureFrom, faultEndMs);
  const tolerated =
    status === 'completed' &&
    faultSummary.count > 0 &&
    metricFaults.every((fault) => fault?.held === true) &&
    checks.every((check) => check.ok);
  // Green needs faults that fired: a target whose probe saw no (or far too few) injections is not proven.
  const unproven = injection.status === 'not-proven' || injection.status === 'dry-run';
  const held = tolerated && !unproven;
  const reason =
    status === 'interrupted'
      ? 'interrupted before the measurement finished'
      : status === 'failed'
        ? `the run failed before the measurement finished: ${error ?? 'unknown error'}`
        : breachedHere
          ? `stop condition breached: ${breach?.condition}`
          : breach !== undefined
            ? breach.target === undefined
              ? `run stopped: ${breach.condition} (observed ${breach.observed})`
              : `run stopped: another target breached ${breach.condition}`
            : faultSummary.count === 0
              ? 'no requests measured during the fault window'
              : held
                ? `every tolerance held; injection ${injection.status === 'proven' ? 'proven' : 'not observable by the probe'}`
                : tolerated
                  ? `every tolerance held, but injection is not proven: ${injection.reason}`
                  : checks
                      .filter((check) => !check.ok)
                      .map((check) => `${check.name} ${check.observed} (needs ${check.tolerance})`)
                      .join('; ');
  return {
    ...common,
    fault: { summary: faultSummary, checks },
    recovery: { summary: recovery },
    injection,
    // A run that failed or was interrupted measured nothing conclusive: it neither held nor deviated.
    verdict: held
      ? 'held'
      : status === 'interrupted' || status === 'failed'
        ? 'not-run'
        : tolerated
          ? 'not-proven'
          : 'deviated',
    reason,
  };
}

/** One metric probe's journal: its steady state, fault window and recovery judgements and its timeline. */
function metricJournal(
  context: RunContext,
  metric: WatchedMetric,
  endMs: number,
): MetricSignalJournal & { fault?: SignalWindowJournal } {
  return pointSignalJournal(
    context,
    {
      signal: metric.signal,
      steady: context.steadyByMetric.get(metric),
      problems: readProblems(metric, undefined),
      reads: metric.reads,
      failedReads: metric.failedReads,
    },
    endMs,
  );
}

/** A target's Artillery periods in the journal, like a metric probe's (a crash counts as a failed read). */
function artilleryJournal(
  context: RunContext,
  state: TargetState,
  endMs: number,
): (MetricSignalJournal & { fault?: SignalWindowJournal }) | undefined {
  const artillery = state.artillery;
  if (artillery === undefined) return undefined;
  const failed = artillery.failure === undefined ? [] : [artillery.failure];
  return pointSignalJournal(
    context,
    {
      signal: artillery.signal,
      steady: state.artillerySteady,
      problems: failed,
      reads: artillery.signal.points().length,
      failedReads: failed.length,
    },
    endMs,
  );
}

/**
 * A point signal's journal (a metric probe, or Artillery's periods): its steady state, its fault window (whole
 * periods between the propagation wait and the rollback) and recovery judgements, and every period as the timeline.
 */
function pointSignalJournal(
  context: RunContext,
  source: {
    readonly signal: PointSignal;
    readonly steady: MetricSteadyState | undefined;
    /** Why the signal could not be read, failing the fault window's judgement. */
    readonly problems: readonly string[];
    readonly reads: number;
    readonly failedReads: number;
  },
  endMs: number,
): MetricSignalJournal & { fault?: SignalWindowJournal } {
  const { run, startedAtEpoch, phases } = context;
  const { signal, steady } = source;
  const relative = (epochMs: number) => epochMs - startedAtEpoch;
  const measureFrom = phases.measureStartMs ?? phases.faultStartMs;
  const { faultEndMs } = phases;
  let fault: SignalWindowJournal | undefined;
  let recovery: MetricSignalJournal['recovery'];
  if (measureFrom !== undefined && faultEndMs !== undefined) {
    const judgement = judgeSignal(
      run,
      signal,
      startedAtEpoch + measureFrom,
      startedAtEpoch + faultEndMs,
      source.problems,
    );
    fault = { fromMs: measureFrom, toMs: faultEndMs, ...judgement };
    const recoveryJudgement = judgeSignal(run, signal, startedAtEpoch + faultEndMs, startedAtEpoch + endMs);
    recovery = { fromMs: faultEndMs, toMs: endMs, summary: recoveryJudgement.summary };
  }
  return {
    name: signal.label,
    kind: signal.kind,
    description: signal.description,
    periodMs: signal.periodMs,
    ...(steady === undefined
      ? {}
      : {
          steadyState: {
            fromMs: relative(steady.fromEpochMs),
            toMs: relative(steady.toEpochMs),
            ...steady.judgement,
          },
        }),
    ...(fault === undefined ? {} : { fault }),
    ...(recovery === undefined ? {} : { recovery }),
    timeline: toPointTimeline(signal.points(), startedAtEpoch),
    reads: source.reads,
    failedReads: source.failedReads,
  };
}
