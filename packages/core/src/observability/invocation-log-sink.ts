import type { EventLevel, EventSink } from '../events/events.js';
import { createJsonLineSink, isLevelEnabled } from '../events/json-line-sink.js';
import { readSinkLogLevel } from './log-level.js';

/**
 * Options of {@link createInvocationLogSink}.
 *
 * @example
 * ```ts
 * const options: InvocationLogSinkOptions = { level: 'debug' };
 * ```
 */
export interface InvocationLogSinkOptions {
  /** Lowest level written. Default: `FAULTLINE_LOG_LEVEL`, else `info`. */
  readonly level?: EventLevel;
  /** Where `FAULTLINE_LOG_LEVEL` is read from, once. Default `process.env`. */
  readonly environment?: Readonly<Record<string, string | undefined>>;
}

/**
 * The event sink for platforms that give each invocation its own logger (Azure Functions' `InvocationContext`): an
 * event about an invocation is written as one JSON line through `invocation.platformLog` at its level, so the
 * platform correlates it with the invocation — in Application Insights it is a trace with the invocation's
 * `operation_Id` and `InvocationId`, its properties readable with `parse_json(message)`. Events outside invocations
 * (config loads and errors) go to the console as JSON lines.
 *
 * The Azure Functions adapter uses it by default.
 *
 * @example
 * ```ts
 * import { createInvocationLogSink } from '@faultline/core';
 * import { withFaults } from '@faultline/azure-functions';
 *
 * app.http('orders', { handler: withFaults(handler, { onEvent: createInvocationLogSink({ level: 'debug' }) }) });
 * ```
 */
export function createInvocationLogSink(options: InvocationLogSinkOptions = {}): EventSink {
  const threshold = options.level ?? readSinkLogLevel(options.environment ?? process.env);
  const fallback = createJsonLineSink({ level: threshold });
  return (event, context) => {
    const log = context?.invocation?.platformLog;
    if (log === undefined) {
      fallback(event);
      return;
    }
    if (!isLevelEnabled(event.level, threshold)) return;
    try {
      log(event.level, JSON.stringify(event));
    } catch {
      // The platform's logger failed or the details cannot be written: fall back to the console once.
      fallback(event);
    }
  };
}
