import type { EventContext, EventSink, FaultlineEvent } from '@faultline/core';

/**
 * The part of a Powertools for AWS Lambda `Logger` the sink uses (a `Logger` satisfies it; no Powertools import).
 *
 * @example
 * ```ts
 * const logger: PowertoolsLoggerLike = new Logger({ serviceName: 'orders' });
 * ```
 */
export interface PowertoolsLoggerLike {
  debug(message: string, ...extra: Record<string, unknown>[]): void;
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
}

/**
 * An event sink that writes faultline's events through a Powertools `Logger`: the event's `message` is the log
 * message, the whole event sits under the key `faultline` (so `faultline.type = "inject"` filters injections), and
 * the logger adds what it always adds — service, cold start, the Lambda context when it was injected, the X-Ray
 * trace id, its persistent keys. The engine filters by its level first (`FAULTLINE_LOG_LEVEL`, else
 * `AWS_LAMBDA_LOG_LEVEL`, else `POWERTOOLS_LOG_LEVEL`); the logger then applies its own.
 *
 * @example
 * ```ts
 * import { Logger } from '@aws-lambda-powertools/logger';
 * import { withFaults } from '@faultline/aws-lambda';
 * import { createPowertoolsLoggerSink } from '@faultline/aws-lambda/powertools';
 *
 * const logger = new Logger({ serviceName: 'orders' });
 * export const handler = withFaults(baseHandler, { onEvent: createPowertoolsLoggerSink(logger) });
 * ```
 */
export function createPowertoolsLoggerSink(logger: PowertoolsLoggerLike): EventSink {
  return (event) => {
    try {
      logger[event.level](event.message, { faultline: { ...event } });
    } catch {
      // Logging must never break the function it observes.
    }
  };
}

/**
 * The part of a Powertools for AWS Lambda `Metrics` the sink uses (a `Metrics` satisfies it; no Powertools import).
 *
 * @example
 * ```ts
 * const metrics: PowertoolsMetricsLike = new Metrics({ namespace: 'orders', serviceName: 'orders' });
 * ```
 */
export interface PowertoolsMetricsLike {
  singleMetric(): {
    addDimensions(dimensions: Record<string, string>): void;
    addMetric(name: string, unit: 'Count', value: number): void;
  };
}

/** The metrics the Powertools sink writes, by the event type each counts. */
export const powertoolsMetricNames = {
  inject: 'FaultlineInjections',
  'would-inject': 'FaultlineWouldInject',
  skipped: 'FaultlineSkipped',
  'budget-exhausted': 'FaultlineBudgetExhausted',
  'config-error': 'FaultlineConfigErrors',
} as const;

interface Batch {
  readonly counts: Map<string, number>;
  readonly experiments: string[];
  readonly faults: string[];
}

/**
 * A metrics sink (the engine's `metrics` option) that counts injections, would-inject, skipped faults, exhausted
 * budgets and config errors with a Powertools `Metrics` in its namespace: `FaultlineInjections`,
 * `FaultlineWouldInject`, `FaultlineSkipped`, `FaultlineBudgetExhausted`, `FaultlineConfigErrors` (unit Count), with
 * the dimensions `experiment` and `fault` (several faults of one invocation joined with `+`) and the instance's
 * default dimensions. The counts of one invocation are written when the engine flushes it, each metric as a Powertools
 * single metric (its own EMF line, so faultline's dimensions never mix with the metrics your handler adds); an invocation
 * where nothing fires writes nothing.
 *
 * @example
 * ```ts
 * import { Metrics } from '@aws-lambda-powertools/metrics';
 * import { withFaults } from '@faultline/aws-lambda';
 * import { createPowertoolsMetricsSink } from '@faultline/aws-lambda/powertools';
 *
 * const metrics = new Metrics({ namespace: 'orders', serviceName: 'orders' });
 * export const handler = withFaults(baseHandler, { metrics: createPowertoolsMetricsSink(metrics) });
 * ```
 */
export function createPowertoolsMetricsSink(metrics: PowertoolsMetricsLike): EventSink {
  // Keyed by request id: invocations may overlap.
  const batches = new Map<string, Batch>();
  const publish = (batch: Batch): void => {
    const dimensions = {
      experiment: batch.experiments.length === 0 ? 'none' : batch.experiments.join('+'),
      fault: batch.faults.length === 0 ? 'none' : batch.faults.join('+'),
    };
    for (const [name, count] of batch.counts) {
      try {
        const single = metrics.singleMetric();
        single.addDimensions(dimensions);
        single.addMetric(name, 'Count', count);
      } catch {
        // A metric must never break the function.
      }
    }
  };
  const sink: EventSink = (event: FaultlineEvent) => {
    const name = (powertoolsMetricNames as Readonly<Record<string, string>>)[event.type];
    if (name === undefined) return;
    const requestId = event.requestId;
    const batch = (requestId === undefined ? undefined : batches.get(requestId)) ?? {
      counts: new Map<string, number>(),
      experiments: [],
      faults: [],
    };
    batch.counts.set(name, (batch.counts.get(name) ?? 0) + 1);
    if (event.experimentId !== undefined && !batch.experiments.includes(event.experimentId)) {
      batch.experiments.push(event.experimentId);
    }
    if (event.type !== 'skipped' && event.faultId !== undefined && !batch.faults.includes(event.faultId)) {
      batch.faults.push(event.faultId);
    }
    if (requestId === undefined) publish(batch);
    else batches.set(requestId, batch);
  };
  sink.flush = (context: EventContext) => {
    const requestId = context.invocation?.requestId;
    if (requestId === undefined) return;
    const batch = batches.get(requestId);
    if (batch === undefined) return;
    batches.delete(requestId);
    publish(batch);
  };
  return sink;
}
