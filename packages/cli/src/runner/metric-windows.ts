import type { ToleranceCheck } from './journal.js';
import { type RunContext, sleep } from './run-context.js';
import { judgeSignal, readProblems } from './signals/metric-evaluation.js';

/**
 * Reads every metric probe's steady-state window and judges it (into `context.steadyByMetric`). With load, the
 * window is the load's sample (read once its periods are complete); without, it is the latest `sampleSeconds` of
 * complete data before now.
 */
export async function judgeMetricSteadyState(context: RunContext): Promise<void> {
  const { watch, run, progress } = context;
  if (watch.metrics.length === 0) return;
  const sampleMs = run.steadyState.sampleSeconds * 1000;
  const windows = watch.metrics.map((metric) => {
    // Without load: the last `sampleSeconds` of complete periods before now (periods aligned to the epoch).
    const toEpochMs =
      context.phases.loadStartMs === undefined
        ? Math.floor((context.nowEpochMs() - metric.signal.delayMs) / metric.signal.periodMs) *
          metric.signal.periodMs
        : context.startedAtEpoch + context.phases.steadyStateEndMs;
    return { metric, fromEpochMs: toEpochMs - sampleMs, toEpochMs };
  });
  const readyAtMs = Math.max(...windows.map((window) => window.toEpochMs + window.metric.signal.delayMs));
  const waitMs = readyAtMs - context.nowEpochMs();
  if (waitMs > 0) {
    progress.phase(
      'steady-state',
      `steady state: waiting ${Math.ceil(waitMs / 1000)} s for the metric probes' data to be complete`,
      waitMs,
    );
    await sleep(waitMs, context.stopSignal);
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
      context.steadyByMetric.set(metric, { fromEpochMs, toEpochMs, judgement });
    }),
  );
}

/** The alarms of `cloudwatch-alarm` stop conditions before injecting: one in ALARM means no steady state. */
export async function checkAlarms(context: RunContext): Promise<ToleranceCheck[]> {
  const { watch } = context;
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

/**
 * Metric probes publish late: waits until the fault window's periods are complete in every metric probe, then
 * reads them all once more. Never rejects on abort (the run is ending anyway).
 */
export async function settleMetrics(context: RunContext, endOfFaultsMs: number): Promise<void> {
  const { watch, startedAtEpoch } = context;
  if (watch.metrics.length === 0) return;
  const readyAtEpochMs = Math.max(
    ...watch.metrics.map((metric) => startedAtEpoch + endOfFaultsMs + metric.signal.delayMs),
  );
  const waitMs = readyAtEpochMs - context.nowEpochMs();
  if (waitMs > 0) {
    context.progress.phase(
      'settle',
      `waiting ${Math.ceil(waitMs / 1000)} s for the metric probes' data of the fault window`,
      waitMs,
    );
    await sleep(waitMs, context.signal).catch(() => {});
  }
  const fromEpochMs = Math.min(
    ...watch.metrics.map(
      (metric) =>
        (context.steadyByMetric.get(metric)?.fromEpochMs ?? startedAtEpoch) - metric.signal.periodMs,
    ),
  );
  await Promise.all(
    watch.metrics.map((metric) => watch.readMetric(metric, fromEpochMs, context.nowEpochMs())),
  );
}
