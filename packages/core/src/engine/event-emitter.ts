import type {
  EventContext,
  EventLevel,
  EventSink,
  FaultlineEvent,
  FaultlineEventType,
} from '../events/events.js';
import { isoTime } from '../events/iso-time.js';
import { isLevelEnabled } from '../events/json-line-sink.js';
import type { Invocation } from '../invocation/invocation.js';
import { parseTraceHeaders, type TraceContext } from '../observability/trace-context.js';
import type { Clock } from './ports.js';

/** The level each event type is logged at. */
export const eventTypeLevels: Readonly<Record<FaultlineEventType, Exclude<EventLevel, 'silent'>>> = {
  inject: 'info',
  skipped: 'info',
  'would-inject': 'info',
  'config-load': 'info',
  'config-missing': 'warn',
  'config-error': 'error',
  'fault-skipped': 'warn',
  expired: 'info',
  'budget-exhausted': 'warn',
  'production-refused': 'warn',
  'neighbour-affected': 'warn',
  'cleanup-error': 'error',
  'internal-error': 'error',
  'fault-detail': 'debug',
  setup: 'info',
  deprecation: 'warn',
};

/** Identifying fields of an event; all optional. */
export interface EventFields {
  readonly experimentId?: string | undefined;
  readonly faultId?: string | undefined;
  readonly faultType?: string | undefined;
  readonly requestId?: string | undefined;
  readonly configVersion?: string | undefined;
  readonly details?: Readonly<Record<string, unknown>> | undefined;
  /**
   * The invocation a per-invocation event is about: gives the event its `requestId` (unless set) and its trace ids,
   * read only once the event passed the level filter, and is handed to the sink.
   */
  readonly invocation?: Invocation | undefined;
}

/** Builds, filters and delivers events; a throwing sink is swallowed. */
export interface EventEmitter {
  /** Whether an event at `level` would be delivered (check before building expensive details). */
  enabled(level: Exclude<EventLevel, 'silent'>): boolean;
  emit(
    type: FaultlineEventType,
    message: string,
    fields?: EventFields,
    level?: Exclude<EventLevel, 'silent'>,
  ): void;
  /** Tells a batching sink that the events about `invocation` are all delivered (see {@link EventSink.flush}). */
  flush(invocation: Invocation): void;
  /** The sink as an {@link EventSink} for collaborators that build their own events (the cached config). */
  readonly sink: EventSink;
}

/** The event types a metrics sink counts; it gets them whatever the log level. */
export const countedEventTypes: ReadonlySet<FaultlineEventType> = new Set<FaultlineEventType>([
  'inject',
  'would-inject',
  'skipped',
  'budget-exhausted',
  'config-error',
]);

export function createEventEmitter(options: {
  readonly sink: EventSink;
  readonly level: EventLevel;
  readonly clock: Clock;
  readonly configSource: string | undefined;
  /** Gets every counted event ({@link countedEventTypes}) whatever the level, and `flush` like the sink. */
  readonly metrics?: EventSink | undefined;
}): EventEmitter {
  const { sink, level: threshold, clock, configSource, metrics } = options;
  const call = (target: EventSink, event: FaultlineEvent, context: EventContext | undefined): void => {
    try {
      if (context === undefined) target(event);
      else target(event, context);
    } catch {
      // A broken sink must not break the function it observes.
    }
  };
  const deliver = (event: FaultlineEvent, context?: EventContext): void => {
    if (isLevelEnabled(event.level, threshold)) call(sink, event, context);
    if (metrics !== undefined && countedEventTypes.has(event.type)) call(metrics, event, context);
  };
  const flushers = [sink, metrics].filter(
    (target): target is EventSink & { flush(context: EventContext): void } =>
      typeof target?.flush === 'function',
  );
  return {
    enabled: (level) => isLevelEnabled(level, threshold),
    sink: deliver,
    flush(invocation) {
      if (flushers.length === 0) return;
      for (const target of flushers) {
        try {
          target.flush({ invocation });
        } catch {
          // as above
        }
      }
    },
    emit(type, message, fields = {}, level = eventTypeLevels[type]) {
      if (!isLevelEnabled(level, threshold) && (metrics === undefined || !countedEventTypes.has(type))) {
        return;
      }
      let time: string;
      try {
        time = isoTime(clock.now());
      } catch {
        time = isoTime(Date.now());
      }
      const event: { -readonly [K in keyof FaultlineEvent]: FaultlineEvent[K] } = {
        source: 'faultline',
        type,
        level,
        time,
        message,
      };
      const invocation = fields.invocation;
      if (fields.experimentId !== undefined) event.experimentId = fields.experimentId;
      if (fields.faultId !== undefined) event.faultId = fields.faultId;
      if (fields.faultType !== undefined) event.faultType = fields.faultType;
      const requestId = fields.requestId ?? invocation?.requestId;
      if (requestId !== undefined) event.requestId = requestId;
      if (invocation !== undefined) {
        const trace = traceOf(invocation);
        if (trace !== undefined) {
          event.traceId = trace.traceId;
          if (trace.spanId !== undefined) event.spanId = trace.spanId;
        }
      }
      if (fields.configVersion !== undefined) event.configVersion = fields.configVersion;
      if (configSource !== undefined) event.configSource = configSource;
      if (fields.details !== undefined) event.details = fields.details;
      deliver(event, invocation === undefined ? undefined : { invocation });
    },
  };
}

/**
 * The invocation's trace, read through the adapter's getter; a failing or odd getter means "no trace". On AWS Lambda
 * the runtime sets `_X_AMZN_TRACE_ID` for each invocation before calling the handler, so the Lambda adapter needs no
 * getter of its own (its code loaded at import stays small): the variable is read here, when an event is written.
 */
function traceOf(invocation: Invocation): TraceContext | undefined {
  try {
    const headers =
      invocation.traceHeaders ??
      (invocation.cloud === 'aws' ? { xray: process.env._X_AMZN_TRACE_ID } : undefined);
    return parseTraceHeaders(headers);
  } catch {
    return undefined;
  }
}
