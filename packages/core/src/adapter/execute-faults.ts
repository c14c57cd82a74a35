import type { CompiledExperiment, CompiledFault } from '../engine/compile.js';
import type { FaultEngine } from '../engine/fault-engine.js';
import { describeError } from '../events/describe-error.js';
import type { FaultContext, FaultOutcome, NeutralResponse } from '../faults/fault-type.js';
import { InjectedFaultError, isInjectedFault } from '../faults/injected-fault-error.js';
import type { Invocation } from '../invocation/invocation.js';
import type { FaultAdapter, InvocationDriver } from './adapter.js';
import { reportInternalError } from './report-internal-error.js';

// Loaded with the rest of the fault runtime (`engine/fault-runtime.ts`) on the first invocation, never at import:
// an invocation only gets here once a compiled experiment exists, and compiling one needs that runtime anyway.

/**
 * Runs one invocation with the faults the engine planned for it: the `before` effects in fault order (one may
 * short-circuit: respond, throw or throttle — the handler is then not called), the `around` effects as an onion
 * around the handler, and the `after` effects on its response. Deferred cleanups run in reverse order when the
 * invocation ends, whatever happened; errors of faultline's own are reported and never thrown into user code.
 *
 * @example
 * ```ts
 * const plan = engine.plan(compiled, invocation);
 * if (plan.inject.length > 0) return executeFaults(adapter, handler, engine, compiled, invocation, plan.inject, event, context);
 * ```
 */
export async function executeFaults<A, B, R>(
  adapter: FaultAdapter<A, B, R>,
  handler: (first: A, second: B) => Promise<R>,
  engine: FaultEngine,
  compiled: CompiledExperiment,
  invocation: Invocation,
  faults: readonly CompiledFault[],
  first: A,
  second: B,
): Promise<R> {
  let driver: InvocationDriver<R>;
  try {
    driver = adapter.createDriver(first, second, invocation, handler);
  } catch (error) {
    reportInternalError(engine, error, 'preparing the invocation', invocation, undefined, compiled);
    return handler(first, second);
  }
  const controller = new AbortController();
  const cleanups: DeferredCleanup[] = [];
  let deadlineTimer: ReturnType<typeof setTimeout> | undefined;
  // The platform may freeze or kill the instance at its deadline, before our `finally` runs: undo what faults
  // changed shortly before it, so a warm instance never keeps a filled disk or a blocked host.
  const scheduleDeadlineCleanup = (): ReturnType<typeof setTimeout> | undefined => {
    const deadlineMs = invocation.deadlineMs;
    if (deadlineMs === undefined) return undefined;
    let remainingMs: number;
    try {
      remainingMs = deadlineMs - deadlineCleanupMarginMs - engine.clock.now();
    } catch {
      return undefined;
    }
    const timer = setTimeout(
      () => {
        if (cleanups.length === 0) return;
        engine.emit(
          'fault-detail',
          `invocation ${invocation.requestId} is about to reach its deadline; cleaning up faults now`,
          {
            experimentId: compiled.experimentId,
            requestId: invocation.requestId,
            configVersion: compiled.configVersion,
          },
          'warn',
        );
        void runCleanups(engine, compiled, invocation, cleanups);
      },
      Math.min(Math.max(0, remainingMs), maxTimerDelayMs),
    );
    timer.unref?.();
    return timer;
  };
  const contexts = new Map<CompiledFault, FaultContext>();
  const contextFor = (fault: CompiledFault): FaultContext => {
    let context = contexts.get(fault);
    if (context === undefined) {
      context = {
        invocation,
        experimentId: compiled.experimentId,
        fault: fault.definition,
        clock: engine.clock,
        random: engine.random,
        sleep: engine.sleep,
        signal: controller.signal,
        defer: (cleanup) => {
          cleanups.push({ fault, cleanup });
          deadlineTimer ??= scheduleDeadlineCleanup();
        },
        capabilities: driver.capabilities ?? {},
        report: (level, message, details) => {
          engine.emit(
            'fault-detail',
            message,
            {
              experimentId: compiled.experimentId,
              faultId: fault.id,
              faultType: fault.type,
              requestId: invocation.requestId,
              configVersion: compiled.configVersion,
              details,
            },
            level,
          );
        },
      };
      contexts.set(fault, context);
    }
    return context;
  };

  let firstHandlerCall: Promise<R> | undefined;
  const callHandler = (): Promise<R> => {
    const call = invokeHandler(driver);
    firstHandlerCall ??= call;
    return call;
  };

  for (const fault of faults) {
    engine.emit('inject', `injecting ${fault.type} fault ${fault.id}`, {
      experimentId: compiled.experimentId,
      faultId: fault.id,
      faultType: fault.type,
      requestId: invocation.requestId,
      configVersion: compiled.configVersion,
    });
  }

  try {
    // Before effects, in file order; the first outcome short-circuits the handler.
    for (const fault of faults) {
      const before = fault.effect.before;
      if (before === undefined) continue;
      let outcome: void | FaultOutcome;
      try {
        outcome = await before.call(fault.effect, contextFor(fault));
      } catch (error) {
        if (isInjectedFault(error)) throw error;
        reportInternalError(engine, error, `running the ${fault.type} fault`, invocation, fault, compiled);
        continue;
      }
      if (outcome === undefined) continue;
      let native: R | undefined;
      try {
        native = nativeOutcome(outcome, driver);
      } catch (error) {
        // The adapter could not shape the answer: the invocation goes on untouched rather than failing on us.
        reportInternalError(
          engine,
          error,
          `answering for the ${fault.type} fault`,
          invocation,
          fault,
          compiled,
        );
        return await callHandler();
      }
      if (native !== undefined) return native;
      throw injectedErrorFor(outcome, compiled, fault);
    }

    // Around effects: the first fault is the outermost layer.
    let next: () => Promise<R> = callHandler;
    for (let index = faults.length - 1; index >= 0; index--) {
      const fault = faults[index] as CompiledFault;
      const around = fault.effect.around;
      if (around === undefined) continue;
      const inner = next;
      const context = contextFor(fault);
      next = () => around.call(fault.effect, context, inner) as Promise<R>;
    }
    let result: R;
    try {
      result = await next();
    } catch (error) {
      if (isHandlerFailure(error) || isInjectedFault(error)) throw error;
      reportInternalError(engine, error, 'running an around fault', invocation, undefined, compiled);
      // Never run the handler a second time because of our failure: reuse its first call when there was one.
      result = await (firstHandlerCall ?? callHandler());
    }

    // After effects, on the neutral response.
    const afters = faults.filter((fault) => fault.effect.after !== undefined);
    if (afters.length === 0) return result;
    let response: NeutralResponse | undefined;
    try {
      response = driver.readResponse(result);
    } catch (error) {
      reportInternalError(engine, error, 'reading the response', invocation, undefined, compiled);
      return result;
    }
    if (response === undefined) {
      if (engine.isLevelEnabled('debug')) {
        for (const fault of afters) {
          engine.emit(
            'fault-detail',
            `${fault.type} fault ${fault.id} had no HTTP-like response to change`,
            {
              experimentId: compiled.experimentId,
              faultId: fault.id,
              faultType: fault.type,
              requestId: invocation.requestId,
              configVersion: compiled.configVersion,
            },
            'debug',
          );
        }
      }
      return result;
    }
    const original = response;
    try {
      for (const fault of afters) {
        response = await (fault.effect.after as NonNullable<typeof fault.effect.after>).call(
          fault.effect,
          contextFor(fault),
          response,
        );
      }
      return response === original ? result : driver.writeResponse(result, response);
    } catch (error) {
      if (isInjectedFault(error)) throw error;
      reportInternalError(engine, error, 'changing the response', invocation, undefined, compiled);
      return result;
    }
  } catch (error) {
    if (isHandlerFailure(error)) throw error.error;
    throw error;
  } finally {
    if (deadlineTimer !== undefined) clearTimeout(deadlineTimer);
    controller.abort();
    await runCleanups(engine, compiled, invocation, cleanups);
  }
}

/** Carries an error thrown by the user's handler through our layers, so it is rethrown untouched, never "ours". */
class HandlerFailure {
  constructor(readonly error: unknown) {}
}

function isHandlerFailure(value: unknown): value is HandlerFailure {
  return value instanceof HandlerFailure;
}

async function invokeHandler<R>(driver: InvocationDriver<R>): Promise<R> {
  try {
    return await driver.callHandler();
  } catch (error) {
    throw new HandlerFailure(error);
  }
}

/** The native result for a short-circuit, or `undefined` when it must be thrown instead. */
function nativeOutcome<R>(outcome: FaultOutcome, driver: InvocationDriver<R>): R | undefined {
  switch (outcome.kind) {
    case 'throw':
      return undefined;
    case 'respond': {
      // A copy: the fault's response is shared by every invocation of this config version.
      const { status, headers, body } = outcome.response;
      return driver.respond({ status, headers: { ...headers }, body });
    }
    case 'throttle':
      return driver.throttled(outcome.reason);
    default:
      throw new TypeError(`unknown fault outcome ${JSON.stringify((outcome as { kind?: unknown }).kind)}`);
  }
}

/** What to throw for a short-circuit the trigger cannot answer natively. */
function injectedErrorFor(
  outcome: FaultOutcome,
  compiled: CompiledExperiment,
  fault: CompiledFault,
): unknown {
  const details = { experimentId: compiled.experimentId, faultId: fault.id, faultType: fault.type };
  if (outcome.kind === 'throw') return outcome.error;
  if (outcome.kind === 'respond') {
    return new InjectedFaultError(`Injected status ${outcome.response.status}`, {
      ...details,
      status: outcome.response.status,
    });
  }
  return new InjectedFaultError(`Injected throttling: ${outcome.reason}`, {
    ...details,
    name: 'ThrottlingError',
    status: 429,
  });
}

/** A cleanup registered by a fault effect through `context.defer`. */
interface DeferredCleanup {
  readonly fault: CompiledFault;
  readonly cleanup: () => void | Promise<void>;
}

/** How long before the platform deadline pending cleanups run if the invocation has not ended yet. */
const deadlineCleanupMarginMs = 100;
const maxTimerDelayMs = 2 ** 31 - 1;

/** Runs and removes every pending cleanup, newest first; each runs once even when called twice concurrently. */
async function runCleanups(
  engine: FaultEngine,
  compiled: CompiledExperiment,
  invocation: Invocation,
  cleanups: DeferredCleanup[],
): Promise<void> {
  while (cleanups.length > 0) {
    const entry = cleanups.pop() as DeferredCleanup;
    try {
      await entry.cleanup();
    } catch (error) {
      try {
        engine.emit('cleanup-error', `cleanup of ${entry.fault.type} fault ${entry.fault.id} failed`, {
          experimentId: compiled.experimentId,
          faultId: entry.fault.id,
          faultType: entry.fault.type,
          requestId: invocation.requestId,
          configVersion: compiled.configVersion,
          details: describeError(error),
        });
      } catch {
        // fail open
      }
    }
  }
}
