import type { FaultRun, ShortCircuit } from '../engine/fault-run.js';
import { FaultlineError } from '../errors/faultline-error.js';
import type { NeutralResponse } from '../faults/fault-type.js';
import { InjectedFaultError } from '../faults/injected-fault-error.js';
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
 * import { createFaultWrapper, type FaultAdapter } from '@faultline/core';
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
      const answer = answerShortCircuit(run, shortCircuit, driver);
      if (answer !== undefined) return answer.result;
    }
    const result = await run.around(() => driver.callHandler());
    return await changeNativeResponse(run, driver, result);
  } finally {
    await run.finish();
  }
}

/**
 * The native answer to a short-circuit (`status` → the trigger's response, throttle → its throttling result), or
 * throws what the trigger cannot answer natively: the injected error of a `throw`, else an `InjectedFaultError`
 * carrying the status. If the driver fails to shape the answer, the run fails open and this returns `undefined`:
 * call the handler, untouched.
 *
 * @example
 * ```ts
 * const shortCircuit = await run.before(driver.capabilities);
 * const answer = shortCircuit && answerShortCircuit(run, shortCircuit, driver);
 * if (answer !== undefined) return answer.result;
 * ```
 */
export function answerShortCircuit<R>(
  run: FaultRun,
  shortCircuit: ShortCircuit,
  driver: Pick<InvocationDriver<R>, 'respond' | 'throttled'>,
): { readonly result: R } | undefined {
  const { fault, outcome } = shortCircuit;
  if (outcome.kind === 'throw') throw outcome.error;
  let native: R | undefined;
  try {
    if (outcome.kind === 'respond') {
      // Copied: the configured response is shared by every invocation of this config version.
      const { status, headers, body } = outcome.response;
      native = driver.respond({ status, headers: { ...headers }, body });
    } else if (outcome.kind === 'throttle') {
      native = driver.throttled(outcome.reason);
    } else {
      throw new FaultlineError(
        'INTERNAL',
        `unknown fault outcome ${JSON.stringify((outcome as { kind?: unknown }).kind)}`,
      );
    }
  } catch (error) {
    // The adapter could not shape the answer: the invocation goes on untouched rather than failing on us.
    run.failOpen(error, `answering for the ${fault.type} fault`, fault);
    return undefined;
  }
  if (native !== undefined) return { result: native };
  const details = { experimentId: run.experimentId, faultId: fault.id, faultType: fault.type };
  if (outcome.kind === 'respond') {
    throw new InjectedFaultError(`Injected status ${outcome.response.status}`, {
      ...details,
      status: outcome.response.status,
    });
  }
  throw new InjectedFaultError(`Injected throttling: ${outcome.reason}`, {
    ...details,
    name: 'ThrottlingError',
    status: 429,
  });
}

/**
 * Runs the `after` phase on a native result through the driver: reads it as a neutral response (only when some
 * fault changes responses), lets the effects change it, and writes it back in the native shape. Returns `result`
 * itself when nothing changed; a failure to read or write fails the run open and returns `result`.
 *
 * @example
 * ```ts
 * const result = await run.around(() => driver.callHandler());
 * return await changeNativeResponse(run, driver, result);
 * ```
 */
export async function changeNativeResponse<R>(
  run: FaultRun,
  driver: Pick<InvocationDriver<R>, 'readResponse' | 'writeResponse'>,
  result: R,
): Promise<R> {
  if (!run.changesResponse) return result;
  let response: NeutralResponse | undefined;
  try {
    response = driver.readResponse(result);
  } catch (error) {
    run.failOpen(error, 'reading the response');
    return result;
  }
  const changed = await run.after(response);
  if (changed === response || changed === undefined) return result;
  try {
    return driver.writeResponse(result, changed);
  } catch (error) {
    run.failOpen(error, 'changing the response');
    return result;
  }
}
