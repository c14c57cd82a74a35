import { describeError } from '../errors/describe-error.js';
import type { EventSink, FaultlineEvent } from './events.js';

/**
 * Reports a failure of faultline's own that happens outside an engine (setting a wrapper up, loading the engine's
 * runtime) as one `internal-error` event, in the same shape the engine's events have: to `onEvent` when given, else
 * as one JSON line on `console.error`. Never throws.
 *
 * @example
 * ```ts
 * reportInternalErrorLine('faultline could not be set up; the function runs without it', error, { onEvent });
 * // {"source":"faultline","type":"internal-error","level":"error","time":"…","message":"faultline could not be set up; …","details":{"errorName":"InvalidConfigOptionError","errorMessage":"fetchBudgetMs: …","errorCode":"INVALID_OPTION"}}
 * ```
 */
export function reportInternalErrorLine(
  message: string,
  error: unknown,
  options: { readonly configSource?: string | undefined; readonly onEvent?: EventSink | undefined } = {},
): void {
  try {
    const event: FaultlineEvent = {
      source: 'faultline',
      type: 'internal-error',
      level: 'error',
      // Not `isoTime` (iso-time.ts): this module is in what every adapter entry loads at import, whose size is
      // budgeted, and it writes only when faultline itself failed.
      time: new Date().toISOString(),
      message,
      ...(options.configSource === undefined ? {} : { configSource: options.configSource }),
      details: describeError(error),
    };
    if (options.onEvent === undefined) console.error(JSON.stringify(event));
    else options.onEvent(event);
  } catch {
    // Nothing left to report with.
  }
}
