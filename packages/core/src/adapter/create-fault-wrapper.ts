import type { ConfigSource } from '../config/config-source.js';
import { resolveDefaultConfigSource } from '../config/default-source.js';
import { readEnvironmentSettings } from '../config/environment-settings.js';
import type { CompiledExperiment, CompiledFault } from '../engine/compile.js';
import { describeError } from '../engine/event-emitter.js';
import type { FaultEngine, FaultEngineOptions } from '../engine/fault-engine.js';
import { getSharedFaultEngine } from '../engine/shared-engines.js';
import type { FaultContext, FaultOutcome, NeutralResponse } from '../faults/fault-type.js';
import { InjectedFaultError, isInjectedFault } from '../faults/injected-fault-error.js';
import type { Invocation } from '../invocation/invocation.js';
import type { FaultAdapter, InvocationDriver } from './adapter.js';

/**
 * Options every adapter's wrapper accepts.
 *
 * @example
 * ```ts
 * const options: FaultlineOptions = { logLevel: 'debug', cache: { ttlMs: 10_000 } };
 * export const handler = withFaults(baseHandler, options);
 * ```
 */
export type FaultlineOptions = FaultEngineOptions & {
  /** An engine to use instead of the process-wide shared one (e.g. created with fakes in tests). */
  readonly engine?: FaultEngine;
  /**
   * The adapter's source from its cloud variables (e.g. `FAULTLINE_SSM_PARAMETER`), consulted when `source` is
   * absent, before `FAULTLINE_CONFIG_FILE` / `FAULTLINE_CONFIG`. Called once, at wrap time.
   */
  readonly defaultSource?: () => ConfigSource | undefined;
};

/**
 * Whether the kill switch `FAULTLINE_DISABLED` is set (`1`, `true`, `yes`, `on`, any case; an unrecognised value
 * also counts, since whoever set it meant to switch faults off).
 *
 * @example
 * ```ts
 * import { isKillSwitchOn } from '@faultline/core';
 * isKillSwitchOn({ FAULTLINE_DISABLED: 'true' }); // true
 * ```
 */
export function isKillSwitchOn(environment: Readonly<Record<string, string | undefined>>): boolean {
  return readEnvironmentSettings(environment).disabled;
}

/**
 * Resolves the engine a wrapper uses: the given one, else the process-wide one for the resolved source.
 *
 * @example
 * ```ts
 * import { resolveFaultEngine } from '@faultline/core';
 * const engine = resolveFaultEngine({}, process.env); // the shared engine for FAULTLINE_CONFIG_FILE / FAULTLINE_CONFIG
 * ```
 */
export function resolveFaultEngine(
  options: FaultlineOptions,
  environment: Readonly<Record<string, string | undefined>>,
): FaultEngine {
  if (options.engine !== undefined) return options.engine;
  if (options.source !== undefined)
    return getSharedFaultEngine(options.source, { ...options, shareBy: 'object' });
  let source: ConfigSource | undefined;
  try {
    source = options.defaultSource?.() ?? resolveDefaultConfigSource(environment);
  } catch {
    // A broken default (e.g. an unreadable variable) means no source: never inject, never throw.
    source = undefined;
  }
  return getSharedFaultEngine(source, { ...options, shareBy: 'name' });
}

/**
 * Wraps a handler with the fault engine. This is what every adapter's `withFaults` calls.
 *
 * - `FAULTLINE_DISABLED=1` (read now, once) returns `handler` itself: zero cost, nothing wrapped.
 * - When nothing can fire (no experiment, disabled, outside its window, no fault enabled) an invocation costs one
 *   synchronous state read and calls `handler` directly: no allocation, no `await`, no env or file access.
 * - Otherwise: builds the normalized invocation, decides, and in `enforce` mode runs the `before` effects in fault
 *   order (one may short-circuit: respond, throw or throttle — the handler is then not called), the `around`
 *   effects as an onion around the handler, and the `after` effects on its response. Deferred cleanups run in
 *   reverse order when the invocation ends, whatever happened.
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
  const environment = options.environment ?? process.env;
  if (isKillSwitchOn(environment)) return handler;
  let engine: FaultEngine;
  try {
    engine = resolveFaultEngine(options, environment);
  } catch (error) {
    // Setting up must not break the function either: report to the console and run the handler as is.
    try {
      console.error(
        JSON.stringify({
          source: 'faultline',
          type: 'internal-error',
          level: 'error',
          ...describeError(error),
        }),
      );
    } catch {
      // nothing left to do
    }
    return handler;
  }
  const afterLoading = async (first: A, second: B): Promise<R> => {
    // Only the first invocations of an instance get here; `ready` is bounded by the fetch budget.
    await engine.ready();
    const state = engine.current();
    if (state === 'idle' || state === 'loading') return handler(first, second);
    return decideAndRun(state, first, second);
  };
  // Synchronous up to the decision, so a fault that does not fire costs no extra promise or microtask.
  const decideAndRun = (compiled: CompiledExperiment, first: A, second: B): Promise<R> => {
    let invocation: Invocation;
    let faults: readonly CompiledFault[];
    try {
      invocation = adapter.toInvocation(first, second);
      const plan = engine.plan(compiled, invocation);
      if (plan.wouldInject.length > 0) reportWouldInject(engine, compiled, invocation, plan.wouldInject);
      faults = plan.inject;
    } catch (error) {
      reportInternalError(engine, error, 'deciding', undefined, undefined, compiled);
      return handler(first, second);
    }
    if (faults.length === 0) return handler(first, second);
    return execute(adapter, handler, engine, compiled, invocation, faults, first, second);
  };
  return function faultlineWrapped(first: A, second: B): Promise<R> {
    const state = engine.current();
    if (state === 'idle') return handler(first, second);
    if (state === 'loading') return afterLoading(first, second);
    return decideAndRun(state, first, second);
  };
}

function reportInternalError(
  engine: FaultEngine,
  error: unknown,
  where: string,
  invocation?: Invocation,
  fault?: CompiledFault,
  compiled?: CompiledExperiment,
): void {
  try {
    engine.emit('internal-error', `faultline failed while ${where}; the invocation continues without it`, {
      experimentId: compiled?.experimentId,
      configVersion: compiled?.configVersion,
      faultId: fault?.id,
      faultType: fault?.type,
      requestId: invocation?.requestId,
      details: describeError(error),
    });
  } catch {
    // fail open
  }
}

function reportWouldInject(
  engine: FaultEngine,
  compiled: CompiledExperiment,
  invocation: Invocation,
  faults: readonly CompiledFault[],
): void {
  for (const fault of faults) {
    engine.emit('would-inject', `dry-run: would inject ${fault.type} fault ${fault.id}`, {
      experimentId: compiled.experimentId,
      faultId: fault.id,
      faultType: fault.type,
      requestId: invocation.requestId,
      configVersion: compiled.configVersion,
    });
  }
}

async function execute<A, B, R>(
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
