import {
  FaultlineError,
  isThresholdStopCondition,
  type RunSection,
  type RunTarget,
  type ThresholdStopCondition,
} from '@faultline/core';
import {
  createStore,
  type ExperimentStore,
  type StoreCoordinates,
  type StoredExperiment,
} from '../stores/index.js';
import type { ArtilleryLoad } from './artillery/artillery-load.js';
import { createRunToken } from './injection-counts.js';
import type { JournalStep, RunJournal, StopBreach, ToleranceCheck } from './journal.js';
import type { LoadGenerator, ProbeRequest } from './load.js';
import type { Sample } from './metrics.js';
import { createLineProgress, type RunProgress } from './progress.js';
import { createRunRedactor, type RunRedactor } from './redact.js';
import type { RollbackRecord, TrackedStore } from './rollback.js';
import type { RunExperimentOptions } from './run-options.js';
import type { SignalJudgement } from './signals/metric-evaluation.js';
import type { SignalSummary } from './signals/metric-points.js';
import { createMetricWatch, type MetricWatch, type WatchedMetric } from './signals/metric-watch.js';

/** One target of the run: its store, what the store held before, what this run wrote, its load and rollback. */
export interface TargetState {
  readonly target: RunTarget;
  readonly store: TrackedStore;
  previous: StoredExperiment | undefined;
  pushedVersion: string | undefined;
  /** Every version this run wrote here: the rollback recognises its own experiment by them. */
  readonly writtenVersions: Set<string>;
  load: LoadGenerator | undefined;
  /** The target's Artillery process, when `load.driver` is `artillery` (then `load` stays undefined). */
  artillery?: ArtilleryLoad | undefined;
  /** The steady state judged from Artillery's periods. */
  artillerySteady?: MetricSteadyState | undefined;
  rollback: RollbackRecord | undefined;
}

/** How the run ended so far: every step may change it, the verdict reads it. */
export interface RunOutcome {
  status: RunJournal['status'];
  error: string | undefined;
  breach: StopBreach | undefined;
}

/** When each phase began, in ms since the start (the journal's `phases`), and what was pushed when. */
export interface RunPhases {
  steadyStateEndMs: number;
  loadStartMs: number | undefined;
  faultStartMs: number | undefined;
  measureStartMs: number | undefined;
  faultEndMs: number | undefined;
  /** The `window.end` pushed with the faults. */
  expiresAt: string | undefined;
  /** One mark per ramp step (probability NaN without a ramp). */
  readonly rampMarks: { probability: number; startMs: number }[];
}

/** A target's steady state: the summary shown, the checks and whether they all held. */
export interface TargetSteadyState {
  readonly summary: SignalSummary;
  readonly checks: ToleranceCheck[];
  readonly held: boolean;
}

/** A metric probe's steady-state window (epoch ms) and its judgement. */
export interface MetricSteadyState {
  readonly fromEpochMs: number;
  readonly toEpochMs: number;
  readonly judgement: SignalJudgement;
}

/** Appends a step to the journal. */
export type RecordStep = (step: string, ok: boolean, detail?: string, target?: string) => void;

/**
 * Everything the steps of a run share: the plan, the clock, the journal's steps, progress, the abort signals, the
 * targets and the metric watch, plus what the steps found so far (outcome, phases, steady state).
 */
export interface RunContext {
  readonly options: RunExperimentOptions;
  readonly run: RunSection;
  /** The experiment's id, as the journal and the rollback know it. */
  readonly experimentId: string;
  /**
   * This run's token: pushed as the experiment's `runToken` and sent by every probe request, so the functions name
   * the faults they injected (`x-faultline-injected`). Masked wherever the run writes or says anything.
   */
  readonly runToken: string;
  /** Epoch ms when the run started. */
  readonly startedAtEpoch: number;
  /** Milliseconds since the start (the journal's time axis). */
  readonly elapsedMs: () => number;
  /** Epoch ms now, on the same clock as {@link elapsedMs} (metric probes and alarms speak in epoch ms). */
  readonly nowEpochMs: () => number;
  readonly record: RecordStep;
  readonly steps: JournalStep[];
  readonly redact: RunRedactor;
  readonly progress: RunProgress;
  /** The caller's signal: aborting it interrupts the run. */
  readonly signal: AbortSignal;
  /** Everything the abort must interrupt waits on this one. */
  readonly stopSignal: AbortSignal;
  readonly openStore: (coordinates: StoreCoordinates) => ExperimentStore;
  readonly watch: MetricWatch;
  readonly thresholds: readonly ThresholdStopCondition[];
  readonly states: TargetState[];
  readonly outcome: RunOutcome;
  readonly phases: RunPhases;
  /** Each target's steady state, by target name. */
  readonly steadyByTarget: Map<string, TargetSteadyState>;
  /** Each metric probe's steady state. */
  readonly steadyByMetric: Map<WatchedMetric, MetricSteadyState>;
  /** The command probes' checks while the faults were active. */
  commandChecksDuring: ToleranceCheck[];
  /** Detaches from the caller's signal; called once when the run ends. */
  readonly release: () => void;
}

/** Builds the shared state of one run from its options; opens nothing yet (stores open in `openTargetStores`). */
export function createRunContext(options: RunExperimentOptions): RunContext {
  const { run } = options;
  const startedAtEpoch = Date.now();
  const startedAt = performance.now();
  const elapsedMs = () => Math.round(performance.now() - startedAt);
  // Secrets in probe URLs (`?code=`, userinfo, secret placeholders) never reach the journal, the report or the
  // progress output: everything the run records or says passes through one redactor.
  const runToken = createRunToken();
  const redact = createRunRedactor({
    names: run.redact ?? [],
    secrets: [...(options.secrets ?? []), runToken],
  });
  const progress = redact.progress(options.progress ?? createLineProgress(options.onProgress ?? (() => {})));
  const signal = options.signal ?? new AbortController().signal;
  const steps: JournalStep[] = [];
  const record: RecordStep = (step, ok, detail, target) => {
    const atMs = elapsedMs();
    steps.push({
      at: new Date(startedAtEpoch + atMs).toISOString(),
      atMs,
      step,
      ok,
      ...(target === undefined ? {} : { target }),
      ...(detail === undefined ? {} : { detail }),
    });
  };
  const openStore =
    options.openStore ??
    ((coordinates: StoreCoordinates) =>
      createStore(coordinates, options.environment, {
        onWarning: (message) => progress.note(`warning: ${message}`),
      }));
  // Metric probes and alarms speak in their own timestamps (epoch ms); the journal in ms since the start.
  const nowEpochMs = () => startedAtEpoch + elapsedMs();
  const watch = createMetricWatch(run, {
    ...(options.environment === undefined ? {} : { environment: options.environment }),
    ...(options.openMetricReader === undefined ? {} : { openMetricReader: options.openMetricReader }),
    ...(options.openAlarmReader === undefined ? {} : { openAlarmReader: options.openAlarmReader }),
    now: nowEpochMs,
    record: (step, ok, detail, target) => record(step, ok, detail, target),
  });
  const stopController = new AbortController();
  const onAbort = () => stopController.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  return {
    options,
    run,
    experimentId: String(options.document.id ?? 'experiment'),
    runToken,
    startedAtEpoch,
    elapsedMs,
    nowEpochMs,
    record,
    steps,
    redact,
    progress,
    signal,
    stopSignal: stopController.signal,
    openStore,
    watch,
    thresholds: run.stopConditions.filter(isThresholdStopCondition),
    states: [],
    outcome: { status: 'completed', error: undefined, breach: undefined },
    phases: {
      steadyStateEndMs: 0,
      loadStartMs: undefined,
      faultStartMs: undefined,
      measureStartMs: undefined,
      faultEndMs: undefined,
      expiresAt: undefined,
      rampMarks: [],
    },
    steadyByTarget: new Map(),
    steadyByMetric: new Map(),
    commandChecksDuring: [],
    release: () => signal.removeEventListener('abort', onAbort),
  };
}

/** Thrown (and caught by the run) when the caller aborts: the run rolls back and ends `interrupted`. */
export class RunInterrupted extends FaultlineError {
  override readonly name = 'RunInterrupted';

  constructor() {
    super('RUN_INTERRUPTED', 'the run was interrupted');
  }
}

/** Throws {@link RunInterrupted} once the caller has aborted. */
export function throwIfAborted(context: RunContext): void {
  if (context.signal.aborted) throw new RunInterrupted();
}

/** Waits `ms`; rejects with {@link RunInterrupted} as soon as `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new RunInterrupted());
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new RunInterrupted());
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** A target's probe request as this run sends it: with the run token, so responses name injected faults. */
export function probeOf(context: RunContext, state: TargetState): ProbeRequest | undefined {
  const probe = state.target.probe;
  return probe === undefined ? undefined : { ...probe, runToken: context.runToken };
}

/** A target's probe samples in `[fromMs, toMs)` (ms since the start). */
export function samplesBetween(state: TargetState, fromMs: number, toMs: number): Sample[] {
  return (state.load?.samples ?? []).filter((sample) => sample.atMs >= fromMs && sample.atMs < toMs);
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
