import { sampleArtillerySteadyState, startArtilleryTargets } from './artillery/artillery-steps.js';
import { runCommandProbes } from './command-probes.js';
import { type ProbeRequest, startLoad } from './load.js';
import { checkAlarms, judgeMetricSteadyState } from './metric-windows.js';
import { summarize } from './metrics.js';
import { loadedTargets } from './preflight.js';
import { probeOf, type RunContext, samplesBetween, sleep } from './run-context.js';
import { describeChecks, evaluateTolerances } from './tolerances.js';

/**
 * Starts the load on every loaded target and samples it for `steadyState.sampleSeconds`; sets
 * `phases.loadStartMs` and `phases.steadyStateEndMs`. The load keeps running afterwards so the charts show one
 * continuous timeline.
 */
export async function sampleSteadyState(context: RunContext): Promise<void> {
  const { run } = context;
  const load = run.load;
  const loaded = loadedTargets(context);
  if (load?.driver === 'artillery' && loaded.length > 0) {
    await startArtilleryTargets(context, loaded);
    context.phases.loadStartMs = context.elapsedMs();
    await sampleArtillerySteadyState(context, loaded);
    return;
  }
  if (load !== undefined && loaded.length > 0) {
    context.progress.phase(
      'steady-state',
      `steady state: sampling ${run.steadyState.sampleSeconds} s at ${load.ratePerSecond} req/s per target`,
      run.steadyState.sampleSeconds * 1000,
    );
    context.phases.loadStartMs = context.elapsedMs();
    for (const state of loaded) {
      state.load = startLoad({
        probe: probeOf(context, state) as ProbeRequest,
        ratePerSecond: load.ratePerSecond,
        concurrency: load.concurrency,
        elapsedMs: context.elapsedMs,
      });
    }
    await sleep(run.steadyState.sampleSeconds * 1000, context.stopSignal);
  }
  context.phases.steadyStateEndMs = context.elapsedMs();
}

/**
 * Judges the steady state of every target (into `context.steadyByTarget`) from its probe sample, its metric
 * probes, the stop conditions' alarms and the command probes. Returns whether it held on every target: the run
 * injects nothing unless it did.
 */
export async function judgeSteadyState(context: RunContext): Promise<boolean> {
  const { run, watch } = context;
  await judgeMetricSteadyState(context);
  const alarmChecks = await checkAlarms(context);
  const commandChecks = await runCommandProbes(run, context.stopSignal);
  let steadyHeld = true;
  for (const state of context.states) {
    const metrics = watch.metrics.filter((metric) => metric.target === state.target.name);
    const probeSummary =
      state.load === undefined
        ? undefined
        : summarize(samplesBetween(state, 0, context.phases.steadyStateEndMs));
    const probeChecks = probeSummary === undefined ? [] : evaluateTolerances(run, probeSummary);
    const metricJudgements = [
      ...(state.artillery === undefined ? [] : [state.artillerySteady?.judgement]),
      ...metrics.map((metric) => context.steadyByMetric.get(metric)?.judgement),
    ];
    const checks = [
      ...probeChecks,
      ...metricJudgements.flatMap((judgement) => judgement?.checks ?? []),
      ...alarmChecks,
      ...commandChecks,
    ];
    const summary = probeSummary ?? metricJudgements[0]?.summary ?? summarize([]);
    const held =
      (probeSummary === undefined || probeSummary.count > 0) &&
      metricJudgements.every((judgement) => judgement?.held === true) &&
      checks.every((check) => check.ok);
    context.steadyByTarget.set(state.target.name, { summary, checks, held });
    context.record('steady-state', held, describeChecks(summary, checks), state.target.name);
    if (!held) steadyHeld = false;
  }
  return steadyHeld;
}
