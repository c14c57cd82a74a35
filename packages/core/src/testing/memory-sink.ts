import type { EventSink, FaultlineEvent, FaultlineEventType } from '../events/events.js';

/**
 * An event sink that keeps every event, for assertions. Call it like any sink.
 *
 * @example
 * ```ts
 * const sink: MemorySink = createMemorySink();
 * sink(event);
 * sink.ofType('inject');
 * ```
 */
export interface MemorySink extends EventSink {
  readonly events: readonly FaultlineEvent[];
  /** The events of one type, in order. */
  ofType(type: FaultlineEventType): FaultlineEvent[];
  clear(): void;
}

/**
 * Collects events in memory.
 *
 * @example
 * ```ts
 * import { createMemorySink } from '@faultline/core/testing';
 *
 * const sink = createMemorySink();
 * const wrapped = wrapHandler(handler, { source, onEvent: sink, logLevel: 'debug' });
 * await wrapped(event, context);
 * expect(sink.ofType('inject')).toHaveLength(1);
 * ```
 */
export function createMemorySink(): MemorySink {
  const events: FaultlineEvent[] = [];
  const sink = (event: FaultlineEvent) => {
    events.push(event);
  };
  return Object.assign(sink, {
    events,
    ofType: (type: FaultlineEventType) => events.filter((event) => event.type === type),
    clear: () => {
      events.length = 0;
    },
  });
}
