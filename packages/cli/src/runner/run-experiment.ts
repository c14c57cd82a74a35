import {
  type AlarmStopCondition,
  FaultlineError,
  isThresholdStopCondition,
  type MetricProbe,
  type RunSection,
  type RunTarget,
  type StopCondition,
  type ThresholdStopCondition,
} from '@faultline/core';
import type { StoreCoordinates } from '../stores/index.js';
import {
  createStore,
  defaultStoreOperationTimeoutMs,
  describeCoordinates,
  type ExperimentStore,
  type StoredExperiment,
  StoreLostUpdateError,
} from '../stores/index.js';
import { runCommandProbes } from './command-probes.js';
import type {
  JournalStep,
  MetricSignalJournal,
  RunJournal,
  SignalWindowJournal,
  StopBreach,
  TargetJournal,
  ToleranceCheck,
} from './journal.js';
import { type LoadGenerator, sendProbe, startLoad } from './load.js';
import { type Sample, type SampleSummary, summarize, toTimeline } from './metrics.js';
import { createLineProgress, type RunProgress } from './progress.js';
import { createRunRedactor } from './redact.js';
import {
  describeReadBack,
  type RollbackRecord,
  rollBackStore,
  type TrackedStore,
  trackOperations,
} from './rollback.js';
import type { AlarmReader } from './signals/cloudwatch.js';
import {
  findSignalBreach,
  judgeSignal,
  metricDarkness,
  readProblems,
  type SignalJudgement,
} from './signals/metric-evaluation.js';
import { type SignalSummary, toPointTimeline } from './signals/metric-points.js';
import type { MetricReader } from './signals/metric-reader.js';
import { createMetricWatch, type WatchedMetric } from './signals/metric-watch.js';
import {
  faultSteps,
  findUnreachableStopConditions,
  plannedFaultWindowSeconds,
} from './stop-condition-check.js';

/** Options of {@link runExperiment}. */
export interface RunExperimentOptions {
  /** The experiment document pushed to the stores (no `run` section); its `faults` get the ramp probabilities. */
  readonly document: Record<string, unknown>;
  /** The resolved run section (placeholders already replaced). */
  readonly run: RunSection;
  /** Shown in the journal. */
  readonly file?: string;
  /** Aborting rolls back and ends the run with status `interrupted`. */
  readonly signal?: AbortSignal;
  /** Progress for people: the phase and its length (a live line on a terminal, timestamped lines otherwise). */
  readonly progress?: RunProgress;
  /** Progress as plain lines; used when `progress` is not given. */
  readonly onProgress?: (message: string) => void;
  /** Store factory (tests inject one); default {@link createStore} with `environment`. */
  readonly openStore?: (coordinates: StoreCoordinates) => ExperimentStore;
  readonly environment?: Readonly<Record<string, string | undefined>>;
  /** Chart resolution. Default: about ten requests per bucket, between 500 ms and 5 s. */
  readonly bucketMs?: number;
  /**
   * Values to mask wherever they would appear in the journal and the progress output (the values of secret
   * placeholders; see `resolveRunSecrets`). URL credentials and secret query parameters (`run.redact` and the
   * defaults) are masked in any case.
   */
  readonly secrets?: readonly string[];
  /**
   * Longest the rollback waits for a store's in-flight writes (also ones past their time bound) before it reads
   * the store back; a write still unsettled then makes that store's rollback "not ok". Default 25 000 ms.
   */
  readonly fenceTimeoutMs?: number;
  /** Metric probe reader factory (tests inject one); default: by the probe's kind, with the cloud's SDK. */
  readonly openMetricReader?: (probe: MetricProbe) => MetricReader;
  /** CloudWatch alarm reader factory (tests inject one); default: DescribeAlarms with the AWS SDK. */
  readonly openAlarmReader?: (condition: AlarmStopCondition) => AlarmReader;
}

/** Sequential requests per target before the steady-state sample, to leave cold starts out of it. */
const warmUpRequests = 3;

/** How often stop conditions are evaluated while faults are active. */
const stopCheckIntervalMs = 200;

/** Default of {@link RunExperimentOptions.fenceTimeoutMs}: a store operation's own bound, plus a margin. */
const defaultFenceTimeoutMs = defaultStoreOperationTimeoutMs + 5000;

interface TargetState {
  readonly target: RunTarget;
  readonly store: TrackedStore;
  previous: StoredExperiment | undefined;
  pushedVersion: string | undefined;
  /** Every version this run wrote here: the rollback recognises its own experiment by them. */
  readonly writtenVersions: Set<string>;
  load: LoadGenerator | undefined;
  rollback: RollbackRecord | undefined;
}

/**
 * Runs an experiment the chaos-engineering way: check the steady state (stop before injecting if it does not
 * hold) → push and enable the faults in every target's store → wait for propagation → drive load while checking
 * the stop conditions (a breach switches everything off at once) → optional ramp → measure → verdict per target →
 * ALWAYS roll back (restore the previous stored document, or remove ours; switch off if that fails), also on
 * errors and on abort. Returns the journal; never throws for a failed run (only for programming errors).
 *
 * @example
 * ```ts
 * const journal = await runExperiment({ document: toRuntimeDocument(raw), run, signal });
 * console.log(journal.verdict); // 'held' | 'deviated' | 'not-run'
 * ```
 */
export async function runExperiment(options: RunExperimentOptions): Promise<RunJournal> {
  const { run } = options;
  const startedAtEpoch = Date.now();
  const startedAt = performance.now();
  const elapsedMs = () => Math.round(performance.now() - startedAt);
  // Secrets in probe URLs (`?code=`, userinfo, secret placeholders) never reach the journal, the report or the
  // progress output: everything the run records or says passes through one redactor.
  const redact = createRunRedactor({ names: run.redact ?? [], secrets: options.secrets ?? [] });
  const progress = redact.progress(options.progress ?? createLineProgress(options.onProgress ?? (() => {})));
  const signal = options.signal ?? new AbortController().signal;
  const steps: JournalStep[] = [];
  const record = (step: string, ok: boolean, detail?: string, target?: string) => {
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
  const stopLabels = run.stopConditions.map(describeStopCondition);
  const experimentId = String(options.document.id ?? 'experiment');
  // About ten requests per chart bucket, so a single failure does not look like a 20 % spike.
  const bucketMs =
    options.bucketMs ??
    Math.min(5000, Math.max(500, Math.round(10_000 / (run.load?.ratePerSecond ?? 1) / 500) * 500));
  const thresholds = run.stopConditions.filter(isThresholdStopCondition);
  // Metric probes and alarms speak in their own timestamps (epoch ms); the journal in ms since the start.
  const nowEpochMs = () => startedAtEpoch + elapsedMs();
  const watch = createMetricWatch(run, {
    ...(options.environment === undefined ? {} : { environment: options.environment }),
    ...(options.openMetricReader === undefined ? {} : { openMetricReader: options.openMetricReader }),
    ...(options.openAlarmReader === undefined ? {} : { openAlarmReader: options.openAlarmReader }),
    now: nowEpochMs,
    record: (step, ok, detail, target) => record(step, ok, detail, target),
  });
  /** Each metric probe's steady-state window (epoch ms) and judgement. */
  const metricSteady = new Map<
    WatchedMetric,
    { fromEpochMs: number; toEpochMs: number; judgement: SignalJudgement }
  >();
  let alarmChecks: ToleranceCheck[] = [];

  let status: RunJournal['status'] = 'completed';
  let error: string | undefined;
  let breach: StopBreach | undefined;
  let steadyStateEndMs = 0;
  let loadStartMs: number | undefined;
  let faultStartMs: number | undefined;
  let measureStartMs: number | undefined;
  let faultEndMs: number | undefined;
  let expiresAt: string | undefined;
  const rampMarks: { probability: number; startMs: number }[] = [];
  const states: TargetState[] = [];
  const steadyResults = new Map<
    string,
    { summary: SignalSummary; checks: ToleranceCheck[]; held: boolean }
  >();
  let commandChecksBefore: ToleranceCheck[] = [];
  let commandChecksDuring: ToleranceCheck[] = [];

  // Everything the abort signal must interrupt waits through this.
  const stopController = new AbortController();
  const onAbort = () => stopController.abort();
  signal.addEventListener('abort', onAbort, { once: true });

  try {
    if (run.load?.driver === 'artillery') {
      // Refused before any store is opened: a driver that is accepted but not run would judge nothing.
      throw new FaultlineError(
        'INVALID_OPTION',
        'run.load.driver: artillery is not available in this version of the CLI, nothing was injected; use driver: builtin (up to 1000 requests/s from this machine) or an observe-only run judged by metric probes',
      );
    }
    // Every store on its own: one that cannot be configured is named, with the others still listed.
    const unopened: string[] = [];
    for (const target of run.targets) {
      try {
        states.push({
          target,
          store: trackOperations(openStore(target.store as StoreCoordinates)),
          previous: undefined,
          pushedVersion: undefined,
          writtenVersions: new Set(),
          load: undefined,
          rollback: undefined,
        });
      } catch (openError) {
        unopened.push(`${target.name}: ${messageOf(openError)}`);
        record('open-store', false, messageOf(openError), target.name);
      }
    }
    if (unopened.length > 0) {
      // Nothing was written yet: refuse the whole run rather than inject on some targets only.
      throw new FaultlineError(
        'STORE_ACCESS_FAILED',
        `cannot open every store, nothing was injected (${unopened.join('; ')})`,
      );
    }
    record(
      'start',
      true,
      `${run.targets.length} target(s): ${run.targets.map((target) => target.name).join(', ')}`,
    );
    // `faultline run` refuses these unless told to go on; a library caller gets them in the journal either way.
    const unreachable = findUnreachableStopConditions(run);
    record(
      'stop-conditions',
      unreachable.length === 0 && run.stopConditions.length > 0,
      run.stopConditions.length === 0
        ? 'none: nothing stops the run early'
        : unreachable.length === 0
          ? `${run.stopConditions.length} condition(s), each can fire with the planned load`
          : unreachable.map((issue) => `${issue.path}: ${issue.message}`).join('; '),
    );

    // 1. Remember what every store holds, so the rollback can restore it exactly.
    await Promise.all(
      states.map(async (state) => {
        state.previous = await state.store.read();
        record(
          'read-previous',
          true,
          state.previous === undefined ? 'store empty' : `version ${state.previous.version}`,
          state.target.name,
        );
      }),
    );

    // Warm-up (not measured): first requests pay for connection setup and cold starts, which is not the steady state.
    const loaded = run.load === undefined ? [] : states.filter((state) => state.target.probe !== undefined);
    if (loaded.length > 0)
      progress.phase('warm-up', `warming up: ${warmUpRequests} requests per target (not measured)`);
    await Promise.all(
      loaded.map(async (state) => {
        const probe = state.target.probe as NonNullable<RunTarget['probe']>;
        const warmUp: Sample[] = [];
        for (let index = 0; index < warmUpRequests; index++) warmUp.push(await sendProbe(probe, elapsedMs));
        const ok = warmUp.filter((sample) => sample.ok).length;
        record(
          'warm-up',
          ok > 0,
          `${ok}/${warmUp.length} warm-up requests succeeded (not measured)`,
          state.target.name,
        );
      }),
    );
    if (signal.aborted) throw new RunInterrupted();

    // 2. Steady state: load for `sampleSeconds`, then compare with the tolerances. Load keeps running afterwards
    //    so the charts show one continuous timeline.
    const load = run.load;
    if (load !== undefined && loaded.length > 0) {
      progress.phase(
        'steady-state',
        `steady state: sampling ${run.steadyState.sampleSeconds} s at ${load.ratePerSecond} req/s per target`,
        run.steadyState.sampleSeconds * 1000,
      );
      loadStartMs = elapsedMs();
      for (const state of loaded) {
        state.load = startLoad({
          probe: state.target.probe as NonNullable<RunTarget['probe']>,
          ratePerSecond: load.ratePerSecond,
          concurrency: load.concurrency,
          elapsedMs,
        });
      }
      await sleep(run.steadyState.sampleSeconds * 1000, stopController.signal);
    }
    steadyStateEndMs = elapsedMs();
    await judgeMetricSteadyState();
    alarmChecks = await checkAlarms();
    commandChecksBefore = await runCommandProbes(run, stopController.signal);
    let steadyHeld = true;
    for (const state of states) {
      const metrics = watch.metrics.filter((metric) => metric.target === state.target.name);
      const probeSummary =
        state.load === undefined ? undefined : summarize(samplesBetween(state, 0, steadyStateEndMs));
      const probeChecks = probeSummary === undefined ? [] : evaluateTolerances(run, probeSummary);
      const metricJudgements = metrics.map((metric) => metricSteady.get(metric)?.judgement);
      const checks = [
        ...probeChecks,
        ...metricJudgements.flatMap((judgement) => judgement?.checks ?? []),
        ...alarmChecks,
        ...commandChecksBefore,
      ];
      const summary = probeSummary ?? metricJudgements[0]?.summary ?? summarize([]);
      const held =
        (probeSummary === undefined || probeSummary.count > 0) &&
        metricJudgements.every((judgement) => judgement?.held === true) &&
        checks.every((check) => check.ok);
      steadyResults.set(state.target.name, { summary, checks, held });
      record('steady-state', held, describeChecks(summary, checks), state.target.name);
      if (!held) steadyHeld = false;
    }
    if (signal.aborted) throw new RunInterrupted();
    if (!steadyHeld) {
      status = 'steady-state-failed';
      progress.note('steady state does NOT hold: stopping before injecting anything');
      return await finish();
    }
    progress.note('steady state holds');

    // 3. Inject: push (compare-and-set against what we read) and enable, every target at once.
    const steps_ = faultSteps(run);
    // Metric probes and alarms are read in the background from here on; the stop conditions use what they read.
    watch.startPolling(Math.max(0, ...thresholds.map((condition) => condition.windowSeconds * 1000)));
    // The last line of defence: if this process is killed (SIGKILL, a lost machine) nothing rolls back, so what is
    // pushed expires by itself at the planned end of the fault window plus a margin.
    const plannedFaultMs = plannedFaultWindowSeconds(run) * 1000;
    expiresAt = expiryOf(options.document, Date.now() + plannedFaultMs + run.expiryMarginSeconds * 1000);
    const expiring = withWindowEnd(options.document, expiresAt);
    faultStartMs = elapsedMs();
    for (const [index, step] of steps_.entries()) {
      const document =
        step.probability === undefined ? expiring : withProbability(expiring, step.probability);
      progress.phase(
        'push',
        step.probability === undefined
          ? `injecting: pushing "${String(options.document.id)}" to ${states.length} store(s), expiring at ${expiresAt}`
          : `ramp step ${index + 1}/${steps_.length}: probability ${step.probability}`,
      );
      // allSettled, not all: when one push fails, the others are still in flight, and the rollback must know
      // what they wrote before it decides anything.
      const pushes = await Promise.allSettled(
        states.map(async (state) => {
          const expectedVersion = state.pushedVersion ?? state.previous?.version ?? null;
          try {
            const written = await state.store.write({ ...document, enabled: true }, { expectedVersion });
            state.pushedVersion = written.version;
            state.writtenVersions.add(written.version);
            record(
              'push',
              true,
              `version ${written.version}${step.probability === undefined ? '' : ` (probability ${step.probability})`}`,
              state.target.name,
            );
          } catch (pushError) {
            // A lost update on SSM: our write landed (the rollback must recognise it) over someone else's.
            if (pushError instanceof StoreLostUpdateError)
              state.writtenVersions.add(pushError.writtenVersion);
            record('push', false, messageOf(pushError), state.target.name);
            throw pushError;
          }
        }),
      );
      const failedPush = pushes.find((push) => push.status === 'rejected');
      if (failedPush !== undefined) throw failedPush.reason;
      rampMarks.push({ probability: step.probability ?? Number.NaN, startMs: elapsedMs() });
      if (run.propagationWaitMs > 0) {
        progress.phase(
          'propagation',
          `waiting ${run.propagationWaitMs} ms for functions to pick it up`,
          run.propagationWaitMs,
        );
        const breached = await watchStopConditions(run.propagationWaitMs);
        if (breached) break;
      }
      if (index === 0) measureStartMs = elapsedMs();
      progress.phase(
        'observe',
        `observing for ${step.durationSeconds} s while checking ${run.stopConditions.length} stop condition(s)`,
        step.durationSeconds * 1000,
      );
      const breached = await watchStopConditions(step.durationSeconds * 1000);
      if (breached) break;
    }
    if (signal.aborted) throw new RunInterrupted();
    commandChecksDuring = breach === undefined ? await runCommandProbes(run, stopController.signal) : [];
  } catch (caught) {
    if (caught instanceof RunInterrupted || signal.aborted) {
      status = 'interrupted';
      // The binary aborts with the signal's name (SIGINT, SIGTERM, SIGHUP) as the reason.
      const by = typeof signal.reason === 'string' ? signal.reason : 'the operator';
      record('interrupted', false, `aborted by ${by}: rolling back`);
      progress.note(`interrupted (${by}): rolling back`);
    } else {
      status = 'failed';
      error = messageOf(caught);
      record('error', false, error);
      progress.note(`error: ${error} — rolling back`);
    }
  }
  return await finish();

  async function watchStopConditions(durationMs: number): Promise<boolean> {
    const until = performance.now() + durationMs;
    while (performance.now() < until) {
      await sleep(
        Math.min(stopCheckIntervalMs, Math.max(0, until - performance.now())),
        stopController.signal,
      );
      if (signal.aborted) throw new RunInterrupted();
      const found = findBreach();
      if (found !== undefined) {
        breach = found;
        status = 'stopped';
        record('stop-condition', false, `${found.condition}: observed ${found.observed}`, found.target);
        progress.note(
          `STOP: ${found.target === undefined ? '' : `${found.target}: `}${found.condition} (observed ${found.observed}) — switching off everywhere`,
        );
        // Switch off first (one conditional write per store, in parallel); the full restore follows in finish().
        await Promise.all(
          states.map(async (state) => {
            try {
              const result = await state.store.setEnabled(false);
              record(
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
              record('switch-off', false, (switchError as Error).message, state.target.name);
            }
          }),
        );
        return true;
      }
    }
    return false;
  }

  function findBreach(): StopBreach | undefined {
    const now = elapsedMs();
    // Signals gone dark and alarms first: an experiment nobody can see is stopped.
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
    for (const metric of watch.metrics) {
      const found = findSignalBreach(metric.signal, thresholds, startedAtEpoch + (faultStartMs ?? 0));
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
      for (const state of states) {
        if (state.load === undefined) continue;
        const windowSamples = samplesBetween(
          state,
          Math.max(faultStartMs ?? 0, now - condition.windowSeconds * 1000),
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

  async function finish(): Promise<RunJournal> {
    // 4. Roll back, always: restore what was there before, or remove what we created.
    if (faultStartMs !== undefined) {
      faultEndMs = elapsedMs();
      progress.phase('rollback', 'rolling back');
      await Promise.all(states.map((state) => rollBack(state)));
    }
    await watch.stopPolling();
    // 5. Recovery: keep the load a little longer to show that things went back to normal.
    if (faultStartMs !== undefined && status !== 'interrupted' && run.recoverySeconds > 0) {
      progress.phase(
        'recovery',
        `recovery: ${run.recoverySeconds} s${run.load === undefined ? '' : ' of load'} after the rollback`,
        run.recoverySeconds * 1000,
      );
      await sleep(run.recoverySeconds * 1000, signal).catch(() => {});
    }
    await Promise.all(states.map((state) => state.load?.stop()));
    // 6. Metric probes publish late: wait until the fault window's periods are complete, then read them once more.
    if (faultStartMs !== undefined && faultEndMs !== undefined && status !== 'interrupted') {
      await settleMetrics(faultEndMs);
    }
    const endMs = elapsedMs();
    await Promise.allSettled([...states.map((state) => state.store.close()), watch.close()]);
    signal.removeEventListener('abort', onAbort);

    const targets: TargetJournal[] = states.map((state) => targetJournal(state, endMs));
    const verdict: RunJournal['verdict'] =
      targets.every((target) => target.verdict === 'not-run') || faultStartMs === undefined
        ? 'not-run'
        : targets.every((target) => target.verdict === 'held')
          ? 'held'
          : 'deviated';
    record('finish', status === 'completed', `status ${status}, verdict ${verdict}`);
    progress.end();
    return redact.journal({
      journalVersion: 1,
      experiment: {
        id: String(options.document.id ?? 'experiment'),
        ...(typeof options.document.description === 'string'
          ? { description: options.document.description }
          : {}),
        ...(options.file === undefined ? {} : { file: options.file }),
      },
      hypothesis: run.hypothesis,
      startedAt: new Date(startedAtEpoch).toISOString(),
      finishedAt: new Date(startedAtEpoch + endMs).toISOString(),
      durationMs: endMs,
      status,
      verdict,
      ...(error === undefined ? {} : { error }),
      phases: {
        steadyStateEndMs,
        ...(faultStartMs === undefined ? {} : { faultStartMs }),
        ...(measureStartMs === undefined ? {} : { measureStartMs }),
        ...(faultEndMs === undefined ? {} : { faultEndMs }),
        endMs,
      },
      ...(expiresAt === undefined ? {} : { expiresAt }),
      ...(run.ramp === undefined ? {} : { ramp: rampMarks }),
      stopConditions: stopLabels,
      ...(breach === undefined ? {} : { breach }),
      steps,
      targets,
    });
  }

  async function rollBack(state: TargetState): Promise<void> {
    const name = state.target.name;
    const fenceTimeoutMs = options.fenceTimeoutMs ?? defaultFenceTimeoutMs;
    state.rollback = await rollBackStore({
      store: state.store,
      previous: state.previous,
      experimentId,
      writtenVersions: state.writtenVersions,
      fence: () => state.store.whenSettled(fenceTimeoutMs),
    });
    record('rollback', state.rollback.ok, state.rollback.detail ?? state.rollback.action, name);
    record('verify', state.rollback.ok, `read back: ${describeReadBack(state.rollback.verified)}`, name);
    if (!state.rollback.ok) {
      progress.note(`ROLLBACK NOT VERIFIED on ${name}: ${describeReadBack(state.rollback.verified)}`);
      status = status === 'completed' ? 'failed' : status;
      error ??= `rollback not verified on ${name}: ${state.rollback.detail ?? describeReadBack(state.rollback.verified)}`;
    }
  }

  /**
   * Reads every metric probe's steady-state window and judges it. With load, the window is the load's sample (read
   * once its periods are complete); without, it is the latest `sampleSeconds` of complete data before now.
   */
  async function judgeMetricSteadyState(): Promise<void> {
    if (watch.metrics.length === 0) return;
    const sampleMs = run.steadyState.sampleSeconds * 1000;
    const windows = watch.metrics.map((metric) => {
      // Without load: the last `sampleSeconds` of complete periods before now (periods aligned to the epoch).
      const toEpochMs =
        loadStartMs === undefined
          ? Math.floor((nowEpochMs() - metric.signal.delayMs) / metric.signal.periodMs) *
            metric.signal.periodMs
          : startedAtEpoch + steadyStateEndMs;
      return { metric, fromEpochMs: toEpochMs - sampleMs, toEpochMs };
    });
    const readyAtMs = Math.max(...windows.map((window) => window.toEpochMs + window.metric.signal.delayMs));
    const waitMs = readyAtMs - nowEpochMs();
    if (waitMs > 0) {
      progress.phase(
        'steady-state',
        `steady state: waiting ${Math.ceil(waitMs / 1000)} s for the metric probes' data to be complete`,
        waitMs,
      );
      await sleep(waitMs, stopController.signal);
    } else {
      progress.phase(
        'steady-state',
        `steady state: reading the last ${run.steadyState.sampleSeconds} s of ${watch.metrics.length} metric probe(s)`,
      );
    }
    await Promise.all(
      windows.map(async ({ metric, fromEpochMs, toEpochMs }) => {
        const emptyRoles = await watch.readMetric(metric, fromEpochMs - metric.signal.periodMs, toEpochMs);
        const judgement = judgeSignal(
          run,
          metric.signal,
          fromEpochMs,
          toEpochMs,
          readProblems(metric, emptyRoles),
        );
        metricSteady.set(metric, { fromEpochMs, toEpochMs, judgement });
      }),
    );
  }

  /** The alarms of `cloudwatch-alarm` stop conditions before injecting: one in ALARM means no steady state. */
  async function checkAlarms(): Promise<ToleranceCheck[]> {
    if (watch.alarms.length === 0) return [];
    await watch.readAlarms();
    return watch.alarms.flatMap((alarm): ToleranceCheck[] => {
      if (alarm.lastError !== undefined)
        return [
          {
            name: `${alarm.label}: unreadable (${alarm.lastError})`,
            observed: 0,
            tolerance: 'readable',
            ok: false,
          },
        ];
      return (alarm.states ?? []).map((state) => ({
        name: `alarm ${state.name}: ${state.state}`,
        observed: state.state === 'OK' ? 0 : 1,
        tolerance: alarm.condition.insufficientData === 'stop' ? 'OK' : 'not ALARM',
        ok:
          state.state === 'OK' ||
          (state.state === 'INSUFFICIENT_DATA' && alarm.condition.insufficientData === 'ok'),
      }));
    });
  }

  /** Waits until the fault window's periods are complete in every metric probe, then reads them all once more. */
  async function settleMetrics(endOfFaultsMs: number): Promise<void> {
    if (watch.metrics.length === 0) return;
    const readyAtEpochMs = Math.max(
      ...watch.metrics.map((metric) => startedAtEpoch + endOfFaultsMs + metric.signal.delayMs),
    );
    const waitMs = readyAtEpochMs - nowEpochMs();
    if (waitMs > 0) {
      progress.phase(
        'settle',
        `waiting ${Math.ceil(waitMs / 1000)} s for the metric probes' data of the fault window`,
        waitMs,
      );
      await sleep(waitMs, signal).catch(() => {});
    }
    const fromEpochMs = Math.min(
      ...watch.metrics.map(
        (metric) => (metricSteady.get(metric)?.fromEpochMs ?? startedAtEpoch) - metric.signal.periodMs,
      ),
    );
    await Promise.all(watch.metrics.map((metric) => watch.readMetric(metric, fromEpochMs, nowEpochMs())));
  }

  function metricJournal(
    metric: WatchedMetric,
    endMs: number,
  ): MetricSignalJournal & { fault?: SignalWindowJournal } {
    const steady = metricSteady.get(metric);
    const relative = (epochMs: number) => epochMs - startedAtEpoch;
    const measureFrom = measureStartMs ?? faultStartMs;
    let fault: SignalWindowJournal | undefined;
    let recovery: MetricSignalJournal['recovery'];
    if (measureFrom !== undefined && faultEndMs !== undefined) {
      const problems = readProblems(metric, undefined);
      const judgement = judgeSignal(
        run,
        metric.signal,
        startedAtEpoch + measureFrom,
        startedAtEpoch + faultEndMs,
        problems,
      );
      fault = { fromMs: measureFrom, toMs: faultEndMs, ...judgement };
      const recoveryJudgement = judgeSignal(
        run,
        metric.signal,
        startedAtEpoch + faultEndMs,
        startedAtEpoch + endMs,
      );
      recovery = { fromMs: faultEndMs, toMs: endMs, summary: recoveryJudgement.summary };
    }
    return {
      name: metric.signal.label,
      kind: metric.signal.kind,
      description: metric.signal.description,
      periodMs: metric.signal.periodMs,
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
      timeline: toPointTimeline(metric.signal.points(), startedAtEpoch),
      reads: metric.reads,
      failedReads: metric.failedReads,
    };
  }

  function targetJournal(state: TargetState, endMs: number): TargetJournal {
    const steady = steadyResults.get(state.target.name) ?? {
      summary: summarize(samplesBetween(state, 0, steadyStateEndMs || endMs)),
      checks: [],
      held: false,
    };
    const metrics = watch.metrics.filter((metric) => metric.target === state.target.name);
    const metricJournals = metrics.map((metric) => metricJournal(metric, endMs));
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
          ? status === 'steady-state-failed'
            ? 'steady state held here, but not on every target: nothing was injected anywhere'
            : 'not started'
          : 'steady state did not hold before injecting',
      };
    }
    const measureFrom = measureStartMs ?? faultStartMs;
    const probeSummary =
      state.load === undefined ? undefined : summarize(samplesBetween(state, measureFrom, faultEndMs));
    const metricFaults = metricJournals.map((journal) => journal.fault);
    const faultSummary = probeSummary ?? metricFaults[0]?.summary ?? summarize([]);
    const checks = [
      ...(probeSummary === undefined ? [] : evaluateTolerances(run, probeSummary)),
      ...metricFaults.flatMap((fault) => fault?.checks ?? []),
      ...commandChecksDuring,
    ];
    const recovery =
      state.load === undefined
        ? (metricJournals[0]?.recovery?.summary ?? summarize([]))
        : summarize(samplesBetween(state, faultEndMs, endMs + 1));
    const breachedHere = breach?.target === state.target.name;
    const held =
      status === 'completed' &&
      faultSummary.count > 0 &&
      metricFaults.every((fault) => fault?.held === true) &&
      checks.every((check) => check.ok);
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
                  ? 'every tolerance held'
                  : checks
                      .filter((check) => !check.ok)
                      .map((check) => `${check.name} ${check.observed} (needs ${check.tolerance})`)
                      .join('; ');
    return {
      ...common,
      fault: { summary: faultSummary, checks },
      recovery: { summary: recovery },
      // A run that failed or was interrupted measured nothing conclusive: it neither held nor deviated.
      verdict: held ? 'held' : status === 'interrupted' || status === 'failed' ? 'not-run' : 'deviated',
      reason,
    };
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

class RunInterrupted extends FaultlineError {
  override readonly name = 'RunInterrupted';

  constructor() {
    super('RUN_INTERRUPTED', 'the run was interrupted');
  }
}

function samplesBetween(state: TargetState, fromMs: number, toMs: number): Sample[] {
  return (state.load?.samples ?? []).filter((sample) => sample.atMs >= fromMs && sample.atMs < toMs);
}

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

function describeChecks(summary: SignalSummary, checks: readonly ToleranceCheck[]): string {
  return `${summary.count} requests; ${checks.map((check) => `${check.name} ${check.observed} ${check.tolerance} ${check.ok ? 'ok' : 'FAILED'}`).join(', ')}`;
}

/**
 * The `window.end` the pushed experiment gets: `plannedEndMs`, or the document's own earlier end. Refuses a document
 * whose window starts after that (the functions would reject `start >= end`, and keep their previous config).
 */
function expiryOf(document: Record<string, unknown>, plannedEndMs: number): string {
  const window = (document.window ?? {}) as { start?: unknown; end?: unknown };
  const ownEndMs = typeof window.end === 'string' ? Date.parse(window.end) : Number.NaN;
  const endMs = Number.isFinite(ownEndMs) && ownEndMs < plannedEndMs ? ownEndMs : plannedEndMs;
  const startMs = typeof window.start === 'string' ? Date.parse(window.start) : Number.NaN;
  if (Number.isFinite(startMs) && startMs >= endMs) {
    throw new FaultlineError(
      'EXPERIMENT_INVALID',
      `window.start (${String(window.start)}) is after the run's planned end (${new Date(endMs).toISOString()}): nothing would be injected; move window.start earlier or remove it`,
    );
  }
  return Number.isFinite(ownEndMs) && ownEndMs < plannedEndMs
    ? String(window.end)
    : new Date(plannedEndMs).toISOString();
}

function withWindowEnd(document: Record<string, unknown>, end: string): Record<string, unknown> {
  const window = typeof document.window === 'object' && document.window !== null ? document.window : {};
  return { ...document, window: { ...window, end } };
}

function withProbability(document: Record<string, unknown>, probability: number): Record<string, unknown> {
  const faults = Array.isArray(document.faults) ? document.faults : [];
  return { ...document, faults: faults.map((fault) => ({ ...(fault as object), probability })) };
}

function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
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
