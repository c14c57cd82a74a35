import type { EventLevel, EventSink, FaultlineEvent } from '../events/events.js';
import { isLevelEnabled } from '../events/json-line-sink.js';
import { readSinkLogLevel } from './log-level.js';

/**
 * Options of {@link createLambdaLogSink}.
 *
 * @example
 * ```ts
 * const options: LambdaLogSinkOptions = { level: 'warn', format: 'json' };
 * ```
 */
export interface LambdaLogSinkOptions {
  /**
   * Lowest level written. Default: `FAULTLINE_LOG_LEVEL`, else `AWS_LAMBDA_LOG_LEVEL` (Lambda's advanced logging
   * controls), else `POWERTOOLS_LOG_LEVEL`, else `info`.
   */
  readonly level?: EventLevel;
  /** Lambda's log format. Default: `AWS_LAMBDA_LOG_FORMAT` (`JSON` or `Text`, case-insensitive), else text. */
  readonly format?: 'json' | 'text';
  /** Where `AWS_LAMBDA_LOG_*` and `FAULTLINE_LOG_LEVEL` are read from, once. Default `process.env`. */
  readonly environment?: Readonly<Record<string, string | undefined>>;
  /** The console to write to. Default: the global one (which the Lambda runtime instruments). */
  readonly console?: Pick<Console, 'debug' | 'info' | 'warn' | 'error'>;
}

/**
 * The event sink for AWS Lambda's own log pipeline. Each event goes to the console method of its level
 * (`console.debug` … `console.error`), which the Lambda runtime tags with the level and the request id and filters by
 * `AWS_LAMBDA_LOG_LEVEL`. With the JSON log format (`AWS_LAMBDA_LOG_FORMAT=JSON`) the event is handed over as an
 * object, so it becomes the structured `message` of Lambda's JSON line (query `message.type = "inject"` in Logs
 * Insights) rather than a string inside it; with the text format it is one JSON line.
 *
 * @example
 * ```ts
 * import { createLambdaLogSink } from '@faultline/core';
 * import { withFaults } from '@faultline/aws-lambda';
 *
 * export const handler = withFaults(baseHandler, { onEvent: createLambdaLogSink({ level: 'debug' }) });
 * ```
 */
export function createLambdaLogSink(options: LambdaLogSinkOptions = {}): EventSink {
  const environment = options.environment ?? process.env;
  const threshold = options.level ?? readSinkLogLevel(environment);
  const format =
    options.format ?? (environment.AWS_LAMBDA_LOG_FORMAT?.trim().toLowerCase() === 'json' ? 'json' : 'text');
  const target = options.console ?? console;
  return (event) => {
    if (!isLevelEnabled(event.level, threshold)) return;
    try {
      const method = target[event.level];
      if (format === 'json') method.call(target, plain(event));
      else method.call(target, JSON.stringify(event));
    } catch {
      // Logging must never break the function it observes.
    }
  };
}

/** A copy without anything `JSON.stringify` cannot write (the runtime serialises the object itself). */
function plain(event: FaultlineEvent): FaultlineEvent {
  try {
    JSON.stringify(event);
    return event;
  } catch {
    const { details: _details, ...rest } = event;
    return { ...rest, details: { unserializable: true } };
  }
}
