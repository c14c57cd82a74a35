/**
 * Structured decision events: one JSON line per injection, dry-run "would inject", config load, config error,
 * expiry, … Each names the experiment, fault, type, request and config version it concerns.
 *
 * @example
 * ```ts
 * import { eventTypes } from '@faultline/core';
 * eventTypes.includes('inject'); // true
 * ```
 */
export const eventTypes = [
  /** A fault was injected into an invocation. */
  'inject',
  /** Dry-run mode: a fault would have been injected. */
  'would-inject',
  /** A new config version was loaded (once per version). */
  'config-load',
  /** The store answered that no config exists: no faults (once per condition). */
  'config-missing',
  /** Loading or parsing the config failed: the last good config (or none) stays in force (once per condition). */
  'config-error',
  /** An invalid fault entry was skipped; valid entries still apply (once per config version and entry). */
  'fault-skipped',
  /** The experiment window has ended (once per config version). */
  'expired',
  /** `guard.maxInjectionsPerMinute` reached: sampled invocations run untouched until the minute rolls over. */
  'budget-exhausted',
  /** The experiment targets a production stage without `guard.allowProduction` (once per config version). */
  'production-refused',
  /**
   * An invocation started while a fault that acts on the whole instance (`scope: process`: `config`, `diskfill`) was
   * acting in another, sampled invocation: it sees the changed environment or the filled disk too. One event per
   * such fault; `details.injectedRequestId` names the sampled invocation.
   */
  'neighbour-affected',
  /** A cleanup step failed; the invocation result is unaffected. */
  'cleanup-error',
  /** faultline itself failed; the handler ran untouched (fail open). */
  'internal-error',
  /**
   * A note from a fault while it acted that is not an injection of its own, e.g. a `timeout` fault skipped because
   * the platform reported no deadline, or a `corrupt` fault with no HTTP response to change. Debug level.
   */
  'fault-detail',
  /**
   * A zero-code install (Lambda layer, Cloud Functions or Azure Functions preload) reports what it wrapped, left
   * alone or could not load.
   */
  'setup',
] as const;
/**
 * @example
 * ```ts
 * const type: FaultlineEventType = 'would-inject';
 * ```
 */
export type FaultlineEventType = (typeof eventTypes)[number];

/**
 * @example
 * ```ts
 * import { eventLevels } from '@faultline/core';
 * eventLevels; // ['debug', 'info', 'warn', 'error', 'silent']
 * ```
 */
export const eventLevels = ['debug', 'info', 'warn', 'error', 'silent'] as const;
/**
 * @example
 * ```ts
 * const level: EventLevel = 'debug';
 * ```
 */
export type EventLevel = (typeof eventLevels)[number];

/**
 * One structured event. Serialized as one JSON line by the default sink.
 *
 * @example
 * ```ts
 * // {"source":"faultline","type":"inject","level":"info","time":"2026-11-29T12:00:00.000Z",
 * //  "message":"injecting latency fault slow","experimentId":"orders","faultId":"slow","faultType":"latency",
 * //  "requestId":"c0ffee","configVersion":"7","configSource":"ssm:/faultline/orders"}
 * ```
 */
export interface FaultlineEvent {
  readonly source: 'faultline';
  readonly type: FaultlineEventType;
  readonly level: Exclude<EventLevel, 'silent'>;
  /** ISO 8601 time of the event. */
  readonly time: string;
  readonly message: string;
  readonly experimentId?: string;
  readonly faultId?: string;
  readonly faultType?: string;
  readonly requestId?: string;
  readonly configVersion?: string;
  /** Name of the config source, e.g. `ssm:/faultline/orders`. Never contains credentials. */
  readonly configSource?: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * Receives events. Must not throw; if it does, faultline swallows the error.
 *
 * @example
 * ```ts
 * const onEvent: EventSink = (event) => {
 *   if (event.type === 'inject') metrics.increment('chaos.injections', { fault: event.faultId });
 * };
 * ```
 */
export type EventSink = (event: FaultlineEvent) => void;
