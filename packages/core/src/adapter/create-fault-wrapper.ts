import { checkCachedConfigOptions } from '../config/cache-options.js';
import type { ConfigSource } from '../config/config-source.js';
import { resolveDefaultConfigSource } from '../config/default-source.js';
import {
  readEnvironmentSettings,
  resolveCachedConfigOptions,
  snapshotSettingsVariables,
} from '../config/environment-settings.js';
import type { CompiledExperiment, CompiledFault } from '../engine/compile.js';
import { createDeferredFaultEngine } from '../engine/deferred-engine.js';
import type { FaultEngine, FaultEngineOptions } from '../engine/fault-engine.js';
import { loadedFaultRuntime, loadFaultRuntime, preloadFaultRuntime } from '../engine/fault-runtime-loader.js';
import { systemClock, systemRandom, systemSleep } from '../engine/ports.js';
import { describeError } from '../events/describe-error.js';
import type { Invocation } from '../invocation/invocation.js';
import type { FaultAdapter } from './adapter.js';
import { reportInternalError } from './report-internal-error.js';

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
 * Resolves the engine a wrapper uses: the given one, else a handle on the process-wide engine for the resolved
 * source. Everything is read now (the source, the `FAULTLINE_*` settings) and bad cache options throw now, but the
 * engine's code (cached config, decision, fault execution) is only loaded when the first invocation asks for it,
 * so importing an adapter stays cheap. Until then `current()` returns `loading`; `ready()` loads it.
 *
 * @example
 * ```ts
 * import { resolveFaultEngine } from '@faultline/core';
 * const engine = resolveFaultEngine({}, process.env); // the shared engine for FAULTLINE_CONFIG_FILE / FAULTLINE_CONFIG
 * await engine.ready();
 * ```
 */
export function resolveFaultEngine(
  options: FaultlineOptions,
  environment: Readonly<Record<string, string | undefined>>,
): FaultEngine {
  if (options.engine !== undefined) return options.engine;
  const settingsEnvironment = snapshotSettingsVariables(environment);
  // Checked now, so a bad option fails when the function is wrapped rather than on its first invocation.
  checkCachedConfigOptions(
    resolveCachedConfigOptions(options.cache, readEnvironmentSettings(settingsEnvironment)),
  );
  let source: ConfigSource | undefined;
  let shareBy: 'object' | 'name';
  if (options.source !== undefined) {
    source = options.source;
    shareBy = 'object';
  } else {
    try {
      source = options.defaultSource?.() ?? resolveDefaultConfigSource(environment);
    } catch {
      // A broken default (e.g. an unreadable variable) means no source: never inject, never throw.
      source = undefined;
    }
    shareBy = 'name';
  }
  const { engine: _engine, defaultSource: _defaultSource, ...engineOptions } = options;
  return createDeferredFaultEngine({
    sourceName: source?.name,
    registry: options.registry,
    clock: options.clock ?? systemClock,
    random: options.random ?? systemRandom,
    sleep: options.sleep ?? systemSleep,
    onEvent: options.onEvent,
    create: (runtime) =>
      runtime.getSharedFaultEngine(source, { ...engineOptions, environment: settingsEnvironment, shareBy }),
  });
}

/**
 * Wraps a handler with the fault engine. This is what every adapter's `withFaults` calls.
 *
 * - `FAULTLINE_DISABLED=1` (read now, once) returns `handler` itself: zero cost, nothing wrapped.
 * - The source and every `FAULTLINE_*` variable are read now; the engine's code (cached config, decision, fault
 *   execution) starts loading right after the current work (usually the function's initialisation) and is awaited
 *   by the first invocation, which also waits for the first read of the store.
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
  // Wrappers are usually created while the function initialises: load the runtime then, off the first request.
  preloadFaultRuntime();
  const afterLoading = async (first: A, second: B): Promise<R> => {
    // Only the first invocations of an instance get here: `ready` loads the engine's code once per process, then
    // waits for the first read of the store, which the fetch budget bounds.
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
    // Loaded with the engine; only an engine created directly (`options.engine`) can get here before it.
    const runtime = loadedFaultRuntime();
    if (runtime !== undefined) {
      return runtime.executeFaults(adapter, handler, engine, compiled, invocation, faults, first, second);
    }
    return loadFaultRuntime().then(
      (loaded) => loaded.executeFaults(adapter, handler, engine, compiled, invocation, faults, first, second),
      (error: unknown) => {
        reportInternalError(engine, error, 'loading the fault runtime', invocation, undefined, compiled);
        return handler(first, second);
      },
    );
  };
  return function faultlineWrapped(first: A, second: B): Promise<R> {
    const state = engine.current();
    if (state === 'idle') return handler(first, second);
    if (state === 'loading') return afterLoading(first, second);
    return decideAndRun(state, first, second);
  };
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
