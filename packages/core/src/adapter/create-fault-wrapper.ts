import type { FaultRun } from '../engine/fault-run.js';
import type { FaultAdapter, InvocationDriver } from './adapter.js';
import { createPhaseWrapper } from './phase-wrapper.js';
import type { FaultlineOptions } from './resolve-engine.js';

/**
 * Wraps a handler with the fault engine. This is what every adapter's `withFaults` calls.
 *
 * - `FAULTLINE_DISABLED=1` (read now, once) returns `handler` itself: zero cost, nothing wrapped.
 * - The source and every `FAULTLINE_*` variable are read now; the engine's code (cached config, decision, fault
 *   execution) starts loading right after the current work (usually the function's initialisation) and is awaited
 *   by the first invocation, which also waits for the first read of the store.
 * - When nothing can fire (no experiment, disabled, outside its window, no fault enabled) an invocation costs one
 *   synchronous state read and calls `handler` directly: no allocation, no `await`, no env or file access.
 * - Otherwise: builds the normalized invocation, plans, and runs the phases of the faults that fire: `before`
 *   effects in fault order (one may short-circuit: respond, throw or throttle — the handler is then not called),
 *   `around` effects as an onion around the handler, `after` effects on its response, then the cleanups the
 *   effects deferred, in reverse order, whatever happened.
 * - Fail open: an error of faultline's own (not an `InjectedFaultError`, not the handler's) is reported as an
 *   `internal-error` event and the handler runs untouched; it is never thrown into user code.
 *
 * @example
 * ```ts
 * import { createFaultWrapper, type FaultAdapter } from '@faultline/core/adapter-kit';
 *
 * export function withFaults<E, C, R>(handler: (event: E, context: C) => Promise<R>, options = {}) {
 *   return createFaultWrapper(myCloudAdapter as FaultAdapter<E, C, R>, handler, {
 *     ...options,
 *     defaultSource: () => sourceFromMyCloudVariables(process.env),
 *   });
 * }
 * ```
 */
export function createFaultWrapper<A, B, R>(
  adapter: FaultAdapter<A, B, R>,
  handler: (first: A, second: B) => Promise<R>,
  options: FaultlineOptions = {},
): (first: A, second: B) => Promise<R> {
  return createPhaseWrapper(handler, options, () => ({
    toInvocation: (first, second) => adapter.toInvocation(first, second),
    loadNativeFields: adapter.loadNativeFields?.bind(adapter),
    runPhases(run, first, second) {
      let driver: InvocationDriver<R>;
      try {
        driver = adapter.createDriver(first, second, run.invocation, handler);
      } catch (error) {
        run.failOpen(error, 'preparing the invocation');
        return handler(first, second);
      }
      return runWithDriver(run, driver);
    },
  }));
}

/** The phases of one run, with the adapter's driver calling the handler and shaping native results. */
async function runWithDriver<R>(run: FaultRun, driver: InvocationDriver<R>): Promise<R> {
  try {
    const shortCircuit = await run.before(driver.capabilities);
    if (shortCircuit !== undefined) {
      const answer = run.answer(shortCircuit, driver);
      if (answer !== undefined) return answer.result;
    }
    const result = await run.around(() => driver.callHandler());
    return await run.changeResponse(result, driver);
  } finally {
    await run.finish();
  }
}
