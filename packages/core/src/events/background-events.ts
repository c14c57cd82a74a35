import type { EventContext, EventSink, FaultlineEvent } from './events.js';

/**
 * Wraps a console sink (the log formats' default sinks) so that events about no invocation (config loaded, config
 * missing or failing, setup) are written off the invocation's path: queued, and written on the next turn of the
 * event loop (`setImmediate`), before any later event, and at the latest when the process exits. A cold instance's
 * first console line costs about a millisecond (Node creates `process.stdout` on first use), and the config-load
 * line comes right before the first invocation's response: written a turn later, it no longer delays that response.
 * Per-invocation events (they carry the invocation, or its request id) are written at once, after any queued ones,
 * so the lines keep their order.
 */
export function deferBackgroundEvents(sink: EventSink): DeferringSink {
  let queued: FaultlineEvent[] | undefined;
  const writeQueued = (): void => {
    const events = queued;
    if (events === undefined) return;
    queued = undefined;
    process.off('exit', writeQueued);
    for (const event of events) write(sink, event, undefined);
  };
  const deferred: DeferringSink = (event, context) => {
    if (context === undefined && event.requestId === undefined) {
      if (queued === undefined) {
        queued = [];
        setImmediate(writeQueued);
        // `process.exit()` skips the queue's turn; its `exit` event does not.
        process.once('exit', writeQueued);
      }
      queued.push(event);
      return;
    }
    writeQueued();
    write(sink, event, context);
  };
  const flush = sink.flush;
  if (flush !== undefined) {
    deferred.flush = (context) => {
      writeQueued();
      flush.call(sink, context);
    };
  }
  deferred.writeQueued = writeQueued;
  return deferred;
}

/** An {@link EventSink} that queues background events; `writeQueued` writes them now (the engine's `close`). */
export interface DeferringSink extends EventSink {
  writeQueued(): void;
}

function write(sink: EventSink, event: FaultlineEvent, context: EventContext | undefined): void {
  try {
    if (context === undefined) sink(event);
    else sink(event, context);
  } catch {
    // A broken sink must not break the function it observes.
  }
}
