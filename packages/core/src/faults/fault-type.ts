import type { Clock, RandomSource, Sleep } from '../engine/ports.js';
import type { FaultCommon } from '../experiment/types.js';
import type { Invocation } from '../invocation/invocation.js';
import type { InferProperties, ObjectSchema, Properties } from '../schema/schema.js';
import type { Interception } from '../scope/interception-scope.js';

/**
 * When a fault acts: `before` the handler (may skip it), `around` it (wraps the call, e.g. an interceptor scope or
 * a concurrency slot), or `after` it (changes the response). Documentation for users and the order the engine
 * applies effects in: before → around → handler → after.
 */
export const faultPhases = ['before', 'around', 'after'] as const;
export type FaultPhase = (typeof faultPhases)[number];

/**
 * What a fault's effect reaches: `invocation` — only the sampled invocation (a delay, an error, a changed response,
 * an interception scope); `process` — everything that runs in the same instance while it acts (`process.env`, the
 * temp disk), so on platforms that run invocations of one instance concurrently (Azure Functions, Cloud Functions
 * gen2, Lambda Managed Instances) the sampled invocation's neighbours are affected too.
 */
export const faultReaches = ['invocation', 'process'] as const;
export type FaultReach = (typeof faultReaches)[number];

/** A cloud-neutral HTTP response; adapters translate it from and to their native shape. */
export interface NeutralResponse {
  readonly status: number;
  /** Header names as the handler wrote them; compare case-insensitively. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
}

/** What a `before` effect can do instead of letting the handler run. */
export type FaultOutcome =
  /** Return this response; the handler is skipped. On triggers without responses the engine throws instead. */
  | { readonly kind: 'respond'; readonly response: NeutralResponse }
  /** Throw this error (an `InjectedFaultError`); the handler is skipped. */
  | { readonly kind: 'throw'; readonly error: Error }
  /**
   * Return the platform's throttling result (HTTP 429 / a throttling error); the handler is skipped. `retryAfterSeconds`
   * becomes the 429's `retry-after` header (see `throttledResponse`).
   */
  | { readonly kind: 'throttle'; readonly reason: string; readonly retryAfterSeconds?: number | undefined };

/** Optional, adapter-specific abilities a fault may use (e.g. SQS partial batch failures). */
export interface AdapterCapabilities {
  readonly [capability: string]: unknown;
}

/** What an effect sees while it acts on one invocation. */
export interface FaultContext {
  readonly invocation: Invocation;
  readonly experimentId: string;
  readonly fault: FaultCommon;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly sleep: Sleep;
  /** Aborted when the invocation ends; long waits must honour it. */
  readonly signal: AbortSignal;
  /**
   * Registers a cleanup that runs when the invocation ends — after success, a throw, a short-circuit or a timeout —
   * in reverse registration order. A failing cleanup is reported as a `cleanup-error` event, never thrown.
   */
  defer(cleanup: () => void | Promise<void>): void;
  readonly capabilities: AdapterCapabilities;
  /**
   * Told about each outgoing call an interception fault (`dependency`, `blackhole`) acts on, for span annotations
   * and debug events; `runInInterceptionScope` passes it to the interceptors. Optional so hand-built contexts in tests
   * can omit it.
   */
  readonly onIntercept?: ((interception: Interception) => void) | undefined;
  /**
   * Reports something worth a log line that is not an injection (e.g. "no deadline known, timeout skipped"). The
   * engine turns it into a structured event at the given level. Optional so hand-built contexts in tests can omit it.
   */
  readonly report?: (
    level: 'debug' | 'info' | 'warn',
    message: string,
    details?: Record<string, unknown>,
  ) => void;
}

/** The behaviour of one fault for one config version. Implement only the phases the fault uses. */
export interface FaultEffect {
  /**
   * Why the fault cannot act on this invocation (e.g. "the platform reported no deadline"), or `undefined` when it
   * can. Asked once per sampled invocation, before anything is reported: a fault that cannot act gets a `skipped`
   * event with this reason instead of an `inject` event, and none of its phases run. Synchronous and cheap.
   */
  cannotAct?(context: FaultContext): string | undefined;
  before?(context: FaultContext): void | FaultOutcome | Promise<void | FaultOutcome>;
  around?<Result>(context: FaultContext, next: () => Promise<Result>): Promise<Result>;
  after?(context: FaultContext, response: NeutralResponse): NeutralResponse | Promise<NeutralResponse>;
  /**
   * Whether `after` looks at the response body (default `true`). A host whose bodies are streams reads one only
   * when some `after` effect does, bounded, and hands the others `body: undefined` with the stream kept as it was.
   * Set `false` when only the status and headers matter (`cors`, `corrupt` replacing the body outright).
   */
  readonly readsResponseBody?: boolean;
}

/**
 * A fault type: a registry entry, one file each (Toxiproxy's "toxics"). The engine owns what is common (id,
 * enabled, probability, sampleBy, match, budgets, dry-run, events); a type owns its attributes and its effect.
 *
 * @example
 * ```ts
 * import { defineFaultType, s } from '@faultline/core';
 *
 * export const slowFault = defineFaultType({
 *   type: 'slow',
 *   summary: 'Waits a fixed time before the handler.',
 *   phase: 'before',
 *   attributes: s.object({ delayMs: s.required(s.number({ minimum: 0, maximum: 900_000, unit: 'ms' })) }),
 *   create: (attributes) => ({
 *     before: (context) => context.sleep(attributes.delayMs, context.signal),
 *   }),
 * });
 * ```
 */
export interface FaultType<P extends Properties = Properties> {
  /** The `type` value in experiment files, e.g. `latency`. */
  readonly type: string;
  /** One sentence for docs and `faultline schema`. */
  readonly summary: string;
  readonly phase: FaultPhase;
  /**
   * What the effect reaches (default `invocation`). A `process` type must be written with `scope: process` in the
   * experiment (validation refuses it otherwise, so the blast radius is a decision, not a surprise), and the engine
   * emits a `neighbour-affected` event for every invocation that starts in the instance while it acts.
   */
  readonly reach?: FaultReach;
  /** The type's own attributes (the common fault fields are added by the engine). */
  readonly attributes: ObjectSchema<P>;
  /**
   * Loads what {@link FaultType.create} needs, e.g. a module with `import()`, so that instances whose experiments
   * never use this type never load it. The engine awaits it before compiling an experiment that has an enabled
   * fault of this type, then calls `create` synchronously; it may be called again for later config versions, so
   * cache the work (a failed load should be retried by the next call). If it rejects, the faults of this type are
   * skipped and reported in a `fault-skipped` event; the other faults still apply.
   *
   * @example
   * ```ts
   * let client: typeof import('./slow-client.js') | undefined;
   * export const slowClientFault = defineFaultType({
   *   // …type, summary, phase, attributes
   *   prepare: async () => {
   *     client ??= await import('./slow-client.js');
   *   },
   *   create: (attributes) => ({ before: () => client?.slowDown(attributes.delayMs) }),
   * });
   * ```
   */
  prepare?(): Promise<void>;
  /**
   * Builds the effect from validated attributes. Called once per config version and fault entry, never per
   * invocation, so precompute here.
   */
  create(attributes: InferProperties<P>, fault: FaultCommon): FaultEffect;
}

/** Declares a fault type with its attribute types inferred from its schema. */
export function defineFaultType<P extends Properties>(definition: FaultType<P>): FaultType<P> {
  return definition;
}
