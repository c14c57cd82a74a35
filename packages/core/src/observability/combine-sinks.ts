import type { EventSink } from '../events/events.js';

/**
 * One sink that delivers every event to each of `sinks` in order (a throwing sink does not keep the others from it)
 * and forwards `flush` to those that batch.
 *
 * @example
 * ```ts
 * import { combineEventSinks, createEmfSink, createJsonLineSink } from '@faultline/core';
 * const onEvent = combineEventSinks(createJsonLineSink(), createEmfSink());
 * ```
 */
export function combineEventSinks(...sinks: readonly EventSink[]): EventSink {
  const combined: EventSink = (event, context) => {
    for (const sink of sinks) {
      try {
        sink(event, context);
      } catch {
        // One broken sink must not silence the others.
      }
    }
  };
  if (sinks.some((sink) => typeof sink.flush === 'function')) {
    combined.flush = (context) => {
      for (const sink of sinks) {
        try {
          sink.flush?.(context);
        } catch {
          // as above
        }
      }
    };
  }
  return combined;
}
