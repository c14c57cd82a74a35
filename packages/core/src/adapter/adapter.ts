import type { NativeAnswers, NativeResponses } from '../engine/fault-run.js';
import type { NativeFieldReader } from '../engine/native-fields.js';
import type { AdapterCapabilities, NeutralResponse } from '../faults/fault-type.js';
import type { Cloud, Invocation } from '../invocation/invocation.js';

/**
 * The seam between the engine and a cloud adapter. An adapter is thin: it turns native arguments into an
 * {@link Invocation} and knows how to call the handler and shape native results. Everything else (decision,
 * execution order, cleanup, events, fail-open) is the engine's, via `createFaultWrapper`.
 */

/**
 * Per-invocation glue between the engine and one native call. Created only when some fault may fire.
 *
 * @example
 * ```ts
 * const driver: InvocationDriver<Response> = {
 *   callHandler: () => handler(request, context),
 *   respond: (response) => new Response(response.body, { status: response.status, headers: response.headers }),
 *   throttled: (_reason, response) => new Response(response.body, { status: response.status, headers: response.headers }),
 *   readResponse: () => undefined, // not HTTP-like: after-faults leave it alone
 *   writeResponse: (original) => original,
 * };
 * ```
 */
export interface InvocationDriver<Result> extends NativeAnswers<Result>, NativeResponses<Result> {
  /** Calls the user's handler once with the native arguments. */
  callHandler(): Promise<Result>;
  /**
   * The native result for an injected response (`status` fault). Return `undefined` when the trigger has no
   * response to shape (queue, CloudEvent): the engine then throws an `InjectedFaultError` carrying the status.
   */
  respond(response: NeutralResponse): Result | undefined;
  /**
   * The platform's throttling result (`concurrency` fault): `response` (the same 429 on every cloud, see
   * `throttledResponse`) in the native shape for HTTP; `undefined` makes the engine throw a throttling
   * `InjectedFaultError`.
   */
  throttled(reason: string, response: NeutralResponse): Result | undefined;
  /**
   * Optional: prepares the handler's result for {@link InvocationDriver.readResponse}, asynchronously, before any
   * `after` fault sees it. Called only when some fault changes responses; `needs.body` says whether one of them
   * looks at the body. A driver whose results carry streamed bodies reads one here, bounded, only when it is
   * needed, and otherwise keeps the stream untouched.
   */
  prepareResponse?(result: Result, needs: { readonly body: boolean }): Promise<Result>;
  /** Reads the handler's result as a neutral response for `after` faults; `undefined` if it is not HTTP-like. */
  readResponse(result: Result): NeutralResponse | undefined;
  /** Writes a changed neutral response back in the native shape of `original`. */
  writeResponse(original: Result, response: NeutralResponse): Result;
  /** Abilities specific to this trigger (e.g. `sqsBatch`), offered to fault effects. */
  readonly capabilities?: AdapterCapabilities;
}

/**
 * What a cloud adapter supplies to `createFaultWrapper`. Handlers take at most two native arguments.
 *
 * @example
 * ```ts
 * // See createInMemoryAdapter in @faultline/core/testing for a complete, tiny adapter.
 * const adapter: FaultAdapter<Request, Context, Response> = { cloud: 'local', toInvocation, createDriver };
 * ```
 */
export interface FaultAdapter<First, Second, Result> {
  readonly cloud: Cloud;
  /** Builds the normalized invocation. Called only when a fault could fire, never on the idle path. */
  toInvocation(first: First, second: Second): Invocation;
  /**
   * Optional: the reader of match fields straight from the native arguments, so an invocation that no fault's
   * conditions match calls the handler without building the invocation. Each value it reads must equal the one
   * `toInvocation` gives (`nativeFieldMismatches` in the test kit compares the two). Called once per wrapper; a
   * promise loads the reader's code lazily.
   */
  loadNativeFields?(): NativeFieldReader<First, Second> | Promise<NativeFieldReader<First, Second>>;
  createDriver(
    first: First,
    second: Second,
    invocation: Invocation,
    handler: (first: First, second: Second) => Promise<Result>,
  ): InvocationDriver<Result>;
}
