import { FaultlineError } from '../errors/faultline-error.js';
import type { EventContext, EventSink, FaultlineEvent } from '../events/events.js';

/**
 * The dimensions an EMF metric line can carry: `experiment` (experiment id), `fault` (fault id), `faultType`,
 * `function` (the invocation's function name).
 */
export const metricDimensions = ['experiment', 'fault', 'faultType', 'function'] as const;
/**
 * @example
 * ```ts
 * const dimension: MetricDimension = 'experiment';
 * ```
 */
export type MetricDimension = (typeof metricDimensions)[number];

/** The metrics faultline counts, each with the event type it counts. */
export const faultlineMetricNames = {
  inject: 'Injections',
  'would-inject': 'WouldInject',
  skipped: 'Skipped',
  'budget-exhausted': 'BudgetExhausted',
  'config-error': 'ConfigErrors',
} as const;

/**
 * Options of {@link createEmfSink}.
 *
 * @example
 * ```ts
 * const options: EmfSinkOptions = { namespace: 'chaos/orders', dimensions: [['experiment'], ['experiment', 'fault']] };
 * ```
 */
export interface EmfSinkOptions {
  /** CloudWatch namespace (1–255 characters). Default `faultline`. */
  readonly namespace?: string;
  /**
   * Dimension sets: each set is one CloudWatch metric series per combination of its values (at most 30 dimensions a
   * set). Default `[['experiment', 'fault']]`.
   */
  readonly dimensions?: readonly (readonly MetricDimension[])[];
  /**
   * Receives each EMF document as one line (without a newline). Default: `process.stdout.write`, which CloudWatch
   * Logs reads as it is — Lambda's JSON log format wraps `console` output into its own object, and CloudWatch only
   * extracts metrics from a log event that is the EMF document itself.
   */
  readonly write?: (line: string) => void;
}

/** The default namespace of faultline's metrics. */
export const defaultMetricNamespace = 'faultline';

const defaultDimensionSets: readonly (readonly MetricDimension[])[] = [['experiment', 'fault']];
/** What a dimension without a value (a config error has no fault) is set to: EMF needs a string for each key. */
const noValue = 'none';
const maxDimensionValueLength = 1024;

/** The counts of one invocation (or one event outside invocations), written as one EMF document. */
interface MetricBatch {
  readonly counts: Map<string, number>;
  readonly experiments: string[];
  readonly faults: string[];
  readonly faultTypes: string[];
  functionName: string | undefined;
  requestId: string | undefined;
  traceId: string | undefined;
  timestampMs: number;
}

/**
 * An event sink that turns faultline's events into CloudWatch metrics with the Embedded Metric Format: `Injections`,
 * `WouldInject`, `Skipped`, `BudgetExhausted` and `ConfigErrors` (unit Count) in `namespace`, with the dimensions
 * asked for. The events about one invocation are batched into **one** EMF line, written when the engine flushes the
 * invocation (its run finished, or the decision ran nothing), so an invocation never costs more than one line; an
 * event outside invocations (a config error) is written at once. Other events are not counted.
 *
 * When several faults are injected into one invocation, its line's `fault` dimension holds their ids joined with
 * `+` in file order (`slow-pricing+orders-crash`): one EMF line has one value per dimension. Use a dimension set
 * with `experiment` alone for exact totals.
 *
 * The AWS Lambda adapter writes these lines by default next to its JSON log lines; use this to compose your own
 * `onEvent`.
 *
 * @example
 * ```ts
 * import { combineEventSinks, createEmfSink, createJsonLineSink } from '@faultline/core';
 * import { withFaults } from '@faultline/aws-lambda';
 *
 * export const handler = withFaults(baseHandler, {
 *   onEvent: combineEventSinks(createJsonLineSink(), createEmfSink({ namespace: 'chaos/orders' })),
 * });
 * ```
 */
export function createEmfSink(options: EmfSinkOptions = {}): EventSink {
  const namespace = options.namespace ?? defaultMetricNamespace;
  const dimensionSets = options.dimensions ?? defaultDimensionSets;
  checkEmfOptions(namespace, dimensionSets);
  const write = options.write ?? writeToStdout;
  const usedDimensions = metricDimensions.filter((dimension) =>
    dimensionSets.some((set) => set.includes(dimension)),
  );
  // Keyed by request id: invocations may overlap (Lambda's multi-concurrency, tests).
  const batches = new Map<string, MetricBatch>();

  const writeBatch = (batch: MetricBatch): void => {
    try {
      write(JSON.stringify(toEmfDocument(batch, namespace, dimensionSets, usedDimensions)));
    } catch {
      // A metrics line must never break the function.
    }
  };

  const sink: EventSink = (event: FaultlineEvent, context?: EventContext) => {
    const metric = (faultlineMetricNames as Readonly<Record<string, string>>)[event.type];
    if (metric === undefined) return;
    const requestId = event.requestId;
    let batch = requestId === undefined ? undefined : batches.get(requestId);
    if (batch === undefined) {
      batch = {
        counts: new Map(),
        experiments: [],
        faults: [],
        faultTypes: [],
        functionName: undefined,
        requestId,
        traceId: undefined,
        timestampMs: Date.parse(event.time) || Date.now(),
      };
    }
    batch.counts.set(metric, (batch.counts.get(metric) ?? 0) + 1);
    addOnce(batch.experiments, event.experimentId);
    if (event.type !== 'skipped') {
      addOnce(batch.faults, event.faultId);
      addOnce(batch.faultTypes, event.faultType);
    }
    batch.functionName ??= context?.invocation?.function;
    batch.traceId ??= event.traceId;
    if (requestId === undefined) writeBatch(batch);
    else batches.set(requestId, batch);
  };
  sink.flush = (context) => {
    const requestId = context.invocation?.requestId;
    if (requestId === undefined) return;
    const batch = batches.get(requestId);
    if (batch === undefined) return;
    batches.delete(requestId);
    writeBatch(batch);
  };
  return sink;
}

function toEmfDocument(
  batch: MetricBatch,
  namespace: string,
  dimensionSets: readonly (readonly MetricDimension[])[],
  usedDimensions: readonly MetricDimension[],
): Record<string, unknown> {
  const values: Record<MetricDimension, string> = {
    experiment: joined(batch.experiments),
    fault: joined(batch.faults),
    faultType: joined(batch.faultTypes),
    function: dimensionValue(batch.functionName ?? noValue),
  };
  const document: Record<string, unknown> = {
    _aws: {
      Timestamp: batch.timestampMs,
      CloudWatchMetrics: [
        {
          Namespace: namespace,
          Dimensions: dimensionSets.map((set) => [...set]),
          Metrics: [...batch.counts.keys()].map((name) => ({ Name: name, Unit: 'Count' })),
        },
      ],
    },
  };
  for (const dimension of usedDimensions) document[dimension] = values[dimension];
  for (const [name, count] of batch.counts) document[name] = count;
  // Not dimensions: searchable properties that join the line with the invocation's logs and trace.
  if (batch.requestId !== undefined) document.requestId = batch.requestId;
  if (batch.traceId !== undefined) document.traceId = batch.traceId;
  return document;
}

function addOnce(list: string[], value: string | undefined): void {
  if (value !== undefined && !list.includes(value)) list.push(value);
}

function joined(values: readonly string[]): string {
  return values.length === 0 ? noValue : dimensionValue(values.join('+'));
}

function dimensionValue(value: string): string {
  return value === '' ? noValue : value.slice(0, maxDimensionValueLength);
}

function writeToStdout(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Refuses options the EMF specification does not allow, when the sink is created rather than per line. */
function checkEmfOptions(namespace: string, dimensionSets: readonly (readonly MetricDimension[])[]): void {
  if (typeof namespace !== 'string' || namespace.length < 1 || namespace.length > 255) {
    throw new FaultlineError(
      'INVALID_OPTION',
      `metrics namespace must be 1 to 255 characters, got ${JSON.stringify(namespace)}; e.g. namespace: 'faultline'`,
    );
  }
  if (!Array.isArray(dimensionSets) || dimensionSets.length === 0) {
    throw new FaultlineError(
      'INVALID_OPTION',
      "metrics dimensions must be a non-empty list of dimension sets, e.g. [['experiment', 'fault']]",
    );
  }
  for (const set of dimensionSets) {
    if (!Array.isArray(set) || set.length > 30) {
      throw new FaultlineError(
        'INVALID_OPTION',
        'each metrics dimension set must be a list of at most 30 dimensions',
      );
    }
    for (const dimension of set) {
      if (!(metricDimensions as readonly string[]).includes(dimension)) {
        throw new FaultlineError(
          'INVALID_OPTION',
          `unknown metrics dimension ${JSON.stringify(dimension)}; use ${metricDimensions.join(', ')}`,
        );
      }
    }
  }
}
