import type { EventLevel, EventSink, FaultlineEvent, FaultlineEventType } from '../events/events.js';
import { isLevelEnabled } from '../events/json-line-sink.js';
import type { Clock } from './ports.js';

/** The level each event type is logged at. */
export const eventTypeLevels: Readonly<Record<FaultlineEventType, Exclude<EventLevel, 'silent'>>> = {
  inject: 'info',
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
};

/** Identifying fields of an event; all optional. */
export interface EventFields {
  readonly experimentId?: string | undefined;
  readonly faultId?: string | undefined;
  readonly faultType?: string | undefined;
  readonly requestId?: string | undefined;
  readonly configVersion?: string | undefined;
  readonly details?: Readonly<Record<string, unknown>> | undefined;
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
  /** The sink as an {@link EventSink} for collaborators that build their own events (the cached config). */
  readonly sink: EventSink;
}

export function createEventEmitter(options: {
  readonly sink: EventSink;
  readonly level: EventLevel;
  readonly clock: Clock;
  readonly configSource: string | undefined;
}): EventEmitter {
  const { sink, level: threshold, clock, configSource } = options;
  const deliver = (event: FaultlineEvent): void => {
    if (!isLevelEnabled(event.level, threshold)) return;
    try {
      sink(event);
    } catch {
      // A broken sink must not break the function it observes.
    }
  };
  return {
    enabled: (level) => isLevelEnabled(level, threshold),
    sink: deliver,
    emit(type, message, fields = {}, level = eventTypeLevels[type]) {
      if (!isLevelEnabled(level, threshold)) return;
      let time: string;
      try {
        time = new Date(clock.now()).toISOString();
      } catch {
        time = new Date().toISOString();
      }
      const event: { -readonly [K in keyof FaultlineEvent]: FaultlineEvent[K] } = {
        source: 'faultline',
        type,
        level,
        time,
        message,
      };
      if (fields.experimentId !== undefined) event.experimentId = fields.experimentId;
      if (fields.faultId !== undefined) event.faultId = fields.faultId;
      if (fields.faultType !== undefined) event.faultType = fields.faultType;
      if (fields.requestId !== undefined) event.requestId = fields.requestId;
      if (fields.configVersion !== undefined) event.configVersion = fields.configVersion;
      if (configSource !== undefined) event.configSource = configSource;
      if (fields.details !== undefined) event.details = fields.details;
      deliver(event);
    },
  };
}
