import type { AlarmStopCondition, MetricProbe, RunSection } from '@faultline/core';
import { type AlarmReader, type AlarmState, createAlarmReader } from './cloudwatch.js';
import { createMetricReader, createMetricSignal } from './metric-probes.js';
import {
  describeServiceError,
  type MetricReader,
  type MetricRole,
  metricProbeLabel,
} from './metric-reader.js';
import type { PointSignal } from './point-signal.js';

/** One metric probe of one target, and what reading it found so far. */
export interface WatchedMetric {
  readonly target: string;
  readonly probe: MetricProbe;
  readonly signal: PointSignal;
  readonly reader: MetricReader;
  /** The reason the latest read failed; `undefined` after a successful read. */
  lastError: string | undefined;
  /**
   * When the latest successful read started (epoch ms): the data's age is judged as of then, so a slow read of
   * fresh data is not taken for data gone dark.
   */
  lastReadEpochMs: number | undefined;
  /** When the latest successful read completed (epoch ms). */
  lastReadDoneEpochMs: number | undefined;
  /** Reads that failed, in all. */
  failedReads: number;
  reads: number;
}

/** One `cloudwatch-alarm` stop condition, and the alarm states read last. */
export interface WatchedAlarm {
  readonly condition: AlarmStopCondition;
  readonly label: string;
  readonly reader: AlarmReader;
  states: AlarmState[] | undefined;
  lastError: string | undefined;
  failedReads: number;
}

/** Options of {@link createMetricWatch}. */
export interface MetricWatchOptions {
  /** Where probes read `tokenEnv`; default `process.env`. */
  readonly environment?: Readonly<Record<string, string | undefined>>;
  /** Reader factory (tests inject one); default by the probe's kind. */
  readonly openMetricReader?: (probe: MetricProbe) => MetricReader;
  /** Alarm reader factory (tests inject one); default DescribeAlarms. */
  readonly openAlarmReader?: (condition: AlarmStopCondition) => AlarmReader;
  /** Epoch milliseconds now. */
  readonly now: () => number;
  /** A journal entry: called when a probe's reads start failing and when they recover. */
  readonly record: (step: string, ok: boolean, detail: string, target?: string) => void;
}

/** Every metric probe and alarm of a run, read on demand and polled while faults are active. */
export interface MetricWatch {
  readonly metrics: readonly WatchedMetric[];
  readonly alarms: readonly WatchedAlarm[];
  /** Reads one metric probe over `[fromEpochMs, toEpochMs)` and keeps what it found; never rejects. */
  readMetric(
    metric: WatchedMetric,
    fromEpochMs: number,
    toEpochMs: number,
  ): Promise<MetricRole[] | undefined>;
  /** Reads every alarm once; never rejects. */
  readAlarms(): Promise<void>;
  /** Polls every probe (each at its `pollIntervalSeconds`) and every alarm, from now until {@link stopPolling}. */
  startPolling(horizonMs: number): void;
  stopPolling(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Creates the readers of a run's metric probes and alarm stop conditions (the cloud SDKs load on the first read).
 *
 * @example
 * ```ts
 * const watch = createMetricWatch(run, { now: Date.now, record: (step, ok, detail) => console.log(step, ok, detail) });
 * ```
 */
export function createMetricWatch(run: RunSection, options: MetricWatchOptions): MetricWatch {
  const openReader =
    options.openMetricReader ??
    ((probe: MetricProbe) =>
      createMetricReader(
        probe,
        options.environment === undefined ? {} : { environment: options.environment },
      ));
  const openAlarm =
    options.openAlarmReader ?? ((condition: AlarmStopCondition) => createAlarmReader(condition));
  const metrics: WatchedMetric[] = run.targets.flatMap((target) =>
    (target.metrics ?? []).map((probe) => ({
      target: target.name,
      probe,
      signal: createMetricSignal(probe),
      reader: openReader(probe),
      lastError: undefined,
      lastReadEpochMs: undefined,
      lastReadDoneEpochMs: undefined,
      failedReads: 0,
      reads: 0,
    })),
  );
  const alarms: WatchedAlarm[] = run.stopConditions.flatMap((condition) =>
    'kind' in condition
      ? [
          {
            condition,
            label: `cloudwatch-alarm ${condition.alarmNames.join(', ')}`,
            reader: openAlarm(condition),
            states: undefined,
            lastError: undefined,
            failedReads: 0,
          },
        ]
      : [],
  );
  const timers = new Set<NodeJS.Timeout>();
  const inFlight = new Set<Promise<unknown>>();
  let polling = false;

  async function readMetric(
    metric: WatchedMetric,
    fromEpochMs: number,
    toEpochMs: number,
  ): Promise<MetricRole[] | undefined> {
    const label = metricProbeLabel(metric.probe);
    metric.reads++;
    const startedEpochMs = options.now();
    try {
      const result = await metric.reader.read(fromEpochMs, toEpochMs);
      metric.signal.add(result.points);
      metric.lastReadEpochMs = Math.max(metric.lastReadEpochMs ?? startedEpochMs, startedEpochMs);
      metric.lastReadDoneEpochMs = options.now();
      if (metric.lastError !== undefined)
        options.record('metric-read', true, `${label}: readable again`, metric.target);
      metric.lastError = undefined;
      return [...result.emptyRoles];
    } catch (error) {
      const reason = error instanceof Error ? error.message : describeServiceError(error);
      metric.failedReads++;
      // One entry per failure streak, not one per poll.
      if (metric.lastError === undefined) options.record('metric-read', false, reason, metric.target);
      metric.lastError = reason;
      return undefined;
    }
  }

  async function readAlarm(alarm: WatchedAlarm): Promise<void> {
    try {
      const states = await alarm.reader.read();
      const changed =
        alarm.states === undefined ||
        states.some((state, index) => state.state !== alarm.states?.[index]?.state);
      alarm.states = states;
      if (changed || alarm.lastError !== undefined) {
        options.record(
          'alarm-state',
          states.every((state) => state.state === 'OK'),
          states.map((state) => `${state.name} ${state.state}`).join(', '),
        );
      }
      alarm.lastError = undefined;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      alarm.failedReads++;
      if (alarm.lastError === undefined) options.record('alarm-state', false, reason);
      alarm.lastError = reason;
    }
  }

  function schedule(task: () => Promise<void>, intervalMs: number): void {
    if (!polling) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!polling) return;
      const running = task().finally(() => {
        inFlight.delete(running);
        schedule(task, intervalMs);
      });
      inFlight.add(running);
    }, intervalMs);
    timers.add(timer);
  }

  return {
    metrics,
    alarms,
    readMetric,
    async readAlarms() {
      await Promise.all(alarms.map(readAlarm));
    },
    startPolling(horizonMs) {
      if (polling) return;
      polling = true;
      for (const metric of metrics) {
        const periodMs = metric.probe.periodSeconds * 1000;
        const task = async () => {
          const now = options.now();
          await readMetric(metric, now - horizonMs - metric.signal.delayMs - 2 * periodMs, now + periodMs);
        };
        schedule(task, metric.probe.pollIntervalSeconds * 1000);
      }
      for (const alarm of alarms) {
        schedule(() => readAlarm(alarm), alarm.condition.pollIntervalSeconds * 1000);
      }
    },
    async stopPolling() {
      polling = false;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await Promise.allSettled([...inFlight]);
    },
    async close() {
      polling = false;
      for (const timer of timers) clearTimeout(timer);
      await Promise.allSettled([
        ...metrics.map((metric) => metric.reader.close()),
        ...alarms.map((alarm) => alarm.reader.close()),
      ]);
    },
  };
}
