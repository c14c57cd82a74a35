import type { CompiledExperiment } from '../engine/compile.js';
import type { FaultEngine } from '../engine/fault-engine.js';
import type { FaultRun } from '../engine/fault-run.js';
import { preloadFaultRuntime } from '../engine/fault-runtime-loader.js';
import type { NativeFieldReader } from '../engine/native-fields.js';
import { reportInternalError } from '../engine/report-internal-error.js';
import { reportInternalErrorLine } from '../events/internal-error-line.js';
import type { Invocation } from '../invocation/invocation.js';
import { type FaultlineOptions, isKillSwitchOn, resolveFaultEngine } from './resolve-engine.js';

/**
 * What a wrapper built with {@link createPhaseWrapper} supplies: how to build the invocation, and how to run the
 * phases of an invocation that faults fire for around the native call.
 *
 * @example
 * ```ts
 * const host: PhaseHost<Request, Response, unknown> = {
 *   toInvocation: (request) => toMyInvocation(request),
 *   async runPhases(run, request, response) {
 *     try {
 *       const shortCircuit = await run.before();
 *       if (shortCircuit !== undefined) return answer(response, shortCircuit);
 *       return await run.around(() => handler(request, response));
 *     } finally {
 *       await run.finish();
 *     }
 *   },
 * };
 * ```
 */
export interface PhaseHost<First, Second, Result> {
  /** Builds the normalized invocation. Called only when a fault could fire, never on the idle path. */
  toInvocation(first: First, second: Second): Invocation;
  /** Runs the phases of `run` (always ending with `finish()`) and produces the wrapped call's result. */
  runPhases(run: FaultRun, first: First, second: Second): Result;
  /**
   * Optional: the reader of match fields straight from the native arguments, so an invocation that no fault's
   * conditions match calls the handler without building the invocation (see {@link NativeFieldReader}). Called once,
   * right after wrapper creation (a promise loads the reader's code lazily, next to the engine's); until the reader
   * is there, invocations decide on the built invocation. `undefined`: no reader.
   */
  readonly loadNativeFields?:
    | (() => NativeFieldReader<First, Second> | Promise<NativeFieldReader<First, Second>> | undefined)
    | undefined;
}

/**
 * The part every wrapper shares: the kill switch and the engine (resolved once, now), the idle check, waiting for
 * the engine's first load, and the plan. `createHost` is called once, after the kill switch, and may throw: the
 * handler is then returned as it is, with one log line. Per invocation:
 *
 * - nothing can fire: one synchronous state read, then `handler(first, second)` itself — no allocation, no `await`;
 * - the engine is still loading (the first invocations of an instance): waits for it, then goes on as below, so the
 *   wrapper returns a promise;
 * - the host reads native fields and some condition of every fault fails on them: `handler(first, second)` itself,
 *   without building the invocation — no allocation, no `await`;
 * - otherwise: builds the invocation, plans, and calls `host.runPhases(run, …)` when faults fire, else `handler`.
 *
 * `createFaultWrapper` is this with a driver-based host; use it directly when the host cannot hand the engine a
 * handler call (a response written to a stream, a middleware's hooks).
 *
 * @example
 * ```ts
 * import { createPhaseWrapper } from '@faultline/core/adapter-kit';
 *
 * export function withFaults(handler: HttpHandler, options: FaultlineOptions = {}): HttpHandler {
 *   return createPhaseWrapper(handler, options, () => ({
 *     toInvocation: (request) => toMyInvocation(request),
 *     runPhases: (run, request, response) => runCaptured(run, handler, request, response),
 *   }));
 * }
 * ```
 */
export function createPhaseWrapper<First, Second, Result>(
  handler: (first: First, second: Second) => Result,
  options: FaultlineOptions,
  createHost: () => PhaseHost<First, Second, Result>,
): (first: First, second: Second) => Result {
  const environment = options.environment ?? process.env;
  if (isKillSwitchOn(environment)) return handler;
  let engine: FaultEngine;
  let host: PhaseHost<First, Second, Result>;
  try {
    engine = resolveFaultEngine(options, environment);
    host = createHost();
  } catch (error) {
    // Setting up must not break the function either: say why, then run the handler as it is.
    reportInternalErrorLine('faultline could not be set up; the function runs without it', error, {
      onEvent: options.onEvent,
    });
    return handler;
  }
  // Wrappers are usually created while the function initialises: load the runtime then, off the first request.
  preloadFaultRuntime();

  let nativeFields: NativeFieldReader<First, Second> | undefined;
  // Loaded next to the engine's runtime; until it is there (or when it fails) armed invocations are decided on the
  // built invocation: slower, never different. Never rejects.
  const nativeFieldsLoaded = Promise.resolve()
    .then(() => host.loadNativeFields?.())
    .then(
      (reader) => {
        nativeFields = reader;
      },
      () => undefined,
    );
  // Synchronous up to the plan, so a fault that does not fire costs no extra promise or microtask.
  const planAndRun = (state: CompiledExperiment | undefined, first: First, second: Second): Result => {
    let run: FaultRun | undefined;
    try {
      run = engine.plan(host.toInvocation(first, second));
    } catch (error) {
      reportInternalError(engine, error, 'deciding', undefined, undefined, state);
      return handler(first, second);
    }
    return run === undefined ? handler(first, second) : host.runPhases(run, first, second);
  };
  const afterLoading = async (first: First, second: Second): Promise<Result> => {
    // Only the first invocations of an instance get here: `ready` loads the engine's code once per process, then
    // waits for the first read of the store, which the fetch budget bounds. The native field reader loads meanwhile
    // (a smaller module, usually long done): waiting for it too means every later invocation has it.
    await engine.ready();
    await nativeFieldsLoaded;
    const state = engine.current();
    if (state === 'idle' || state === 'loading') return handler(first, second);
    return planAndRun(state, first, second);
  };
  return function faultlineWrapped(first: First, second: Second): Result {
    const state = engine.current();
    // The type first: a comparison that sees both strings and experiments is a generic call in V8's optimized
    // code, one that sees only strings compares two pointers.
    if (typeof state === 'string') {
      return state === 'idle' ? handler(first, second) : (afterLoading(first, second) as Result);
    }
    // An armed experiment none of whose faults matches: decided from the native arguments, nothing built.
    if (state.nothingMatches(nativeFields, first, second)) return handler(first, second);
    return planAndRun(state, first, second);
  };
}
