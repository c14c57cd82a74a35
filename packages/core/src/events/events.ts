import type { Invocation } from '../invocation/invocation.js';

/**
 * Structured decision events: one JSON line per injection, dry-run "would inject", config load, config error,
 * expiry, … Each names the experiment, fault, type, request and config version it concerns.
 */
export const eventTypes = [
  /** A fault was injected into an invocation. */
  'inject',
  /**
   * A fault was sampled for an invocation but cannot act on it (no deadline for a `timeout`, an HTTP request for a
   * `duplicate`, a host that calls the handler once, …): nothing was injected; `details.reason` says why.
   */
  'skipped',
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
  /** A setting is used under a deprecated name (e.g. a renamed environment variable); once per engine. */
  'deprecation',
] as const;
/**
 * @example
 * ```ts
 * const type: FaultlineEventType = 'would-inject';
 * ```
 */
export type FaultlineEventType = (typeof eventTypes)[number];

/**
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
  /**
   * The trace of the invocation (X-Ray `1-…` form on AWS, 32 hex digits elsewhere), so logs and traces join. Only on
   * per-invocation events, when the platform handed over a trace.
   */
  readonly traceId?: string;
  /** The span the invocation runs under, when the trace header names one. */
  readonly spanId?: string;
  readonly configVersion?: string;
  /** Name of the config source, e.g. `ssm:/faultline/orders`. Never contains credentials. */
  readonly configSource?: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * What a sink learns about an event besides the event itself.
 *
 * @example
 * ```ts
 * const onEvent: EventSink = (event, context) => {
 *   if (context?.invocation?.cloud === 'azure') console.info(event.message);
 * };
 * ```
 */
export interface EventContext {
  /**
   * The invocation a per-invocation event is about (`inject`, `would-inject`, `skipped`, `fault-detail`, …), e.g. to
   * write through the platform's own per-invocation logger. Absent on config and setup events.
   */
  readonly invocation?: Invocation;
}

/**
 * Receives events. Must not throw; if it does, faultline swallows the error.
 *
 * A sink may batch (one CloudWatch EMF line per invocation): the engine calls its optional `flush` once the events
 * about an invocation are all delivered (when its run finishes, or right after the decision when no fault runs).
 *
 * @example
 * ```ts
 * const onEvent: EventSink = (event) => {
 *   if (event.type === 'inject') metrics.increment('chaos.injections', { fault: event.faultId });
 * };
 * ```
 */
export interface EventSink {
  (event: FaultlineEvent, context?: EventContext): void;
  /** Writes what was batched about `context.invocation`. Must not throw. */
  flush?(context: EventContext): void;
}
