import { createModuleLoader } from './module-loader.js';

/** The lazily loaded part of the engine (`fault-runtime.ts`). */
export type FaultRuntime = typeof import('./fault-runtime.js');

const runtime = createModuleLoader<FaultRuntime>(() => import('./fault-runtime.js'));

/**
 * The runtime if it has finished loading, else `undefined`. Synchronous, for the per-invocation path.
 *
 * @example
 * ```ts
 * const runtime = loadedFaultRuntime();
 * if (runtime === undefined) return loadFaultRuntime().then((loadedRuntime) => run(loadedRuntime));
 * ```
 */
export function loadedFaultRuntime(): FaultRuntime | undefined {
  return runtime.loaded();
}

/**
 * Loads the runtime once per process (every wrapper and engine shares it); a failed load is retried by the next
 * call.
 *
 * @example
 * ```ts
 * const { getSharedFaultEngine } = await loadFaultRuntime();
 * ```
 */
export function loadFaultRuntime(): Promise<FaultRuntime> {
  return runtime.load();
}

let preloadScheduled = false;

/**
 * Starts loading faultline's engine runtime once the current work is done (`setImmediate`, unref'd), without waiting
 * for it, creating an engine or reading a store, so the first invocation usually finds it loaded. Every wrapper calls
 * it when it is created; call it yourself during initialisation when wrappers are only created on the first
 * invocation (as `installFaults` does). Once per process; a failure is left to the first real load to report.
 *
 * @example
 * ```ts
 * import { preloadFaultRuntime } from '@faultline/core/adapter-kit';
 *
 * preloadFaultRuntime(); // at module scope, while the function initialises
 * ```
 */
export function preloadFaultRuntime(): void {
  if (preloadScheduled || runtime.loaded() !== undefined) return;
  preloadScheduled = true;
  const immediate = setImmediate(() => {
    loadFaultRuntime().catch(() => {
      // The first invocation loads again and reports what fails.
    });
  });
  immediate.unref?.();
}
