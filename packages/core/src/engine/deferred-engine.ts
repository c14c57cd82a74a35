import type { EventSink } from '../events/events.js';
import { reportInternalErrorLine } from '../events/internal-error-line.js';
import type { FaultRegistry } from '../faults/registry.js';
import type { EngineState, FaultEngine } from './fault-engine.js';
import { type FaultRuntime, loadFaultRuntime } from './fault-runtime-loader.js';
import type { Clock, RandomSource, Sleep } from './ports.js';
import { withGetters } from './with-getters.js';

/**
 * What {@link createDeferredFaultEngine} needs: the parts of the engine known at wrap time, and how to create the
 * real engine once the runtime has loaded.
 */
export interface DeferredFaultEngineOptions {
  readonly sourceName: string | undefined;
  readonly registry: FaultRegistry | undefined;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly sleep: Sleep;
  /** Where a failed load is reported; default: one JSON line on the console. */
  readonly onEvent: EventSink | undefined;
  /** Creates (or finds the shared) real engine. May throw: the instance then runs without faults. */
  readonly create: (runtime: FaultRuntime) => FaultEngine;
}

/**
 * An engine whose code loads apart from it. Wrappers hold one from the moment they are created; the cached config,
 * the decision and the fault execution are imported separately (in the background after wrapping, see
 * `preloadFaultRuntime`, or when first needed). The real engine is created by the first `ready()`: until then
 * `current()` says `loading`, and `ready()` waits for the runtime, creates the engine and waits for its first read.
 * After that every call goes straight to the real engine (the idle path costs one more function call).
 *
 * If the runtime cannot be loaded or the engine cannot be created, this reports one `internal-error` and stays
 * `idle`: the function keeps running without faults.
 *
 * @example
 * ```ts
 * const engine = createDeferredFaultEngine({
 *   sourceName: source.name,
 *   registry: undefined,
 *   clock: systemClock,
 *   random: systemRandom,
 *   sleep: systemSleep,
 *   onEvent: undefined,
 *   create: (runtime) => runtime.getSharedFaultEngine(source, { shareBy: 'object' }),
 * });
 * engine.current(); // 'loading'
 * await engine.ready(); // loads the runtime and reads the store once (bounded by the fetch budget)
 * ```
 */
export function createDeferredFaultEngine(options: DeferredFaultEngineOptions): FaultEngine {
  let engine: FaultEngine | undefined;
  let failed = false;
  let closed = false;
  let loading: Promise<FaultEngine | undefined> | undefined;

  const reportFailure = (error: unknown): void =>
    reportInternalErrorLine(
      'faultline could not load its runtime; this instance runs without faults (check that the deployment package is complete)',
      error,
      { configSource: options.sourceName, onEvent: options.onEvent },
    );

  const load = (): Promise<FaultEngine | undefined> => {
    loading ??= loadFaultRuntime()
      .then((runtime) => {
        if (closed) return undefined;
        engine = options.create(runtime);
        return engine;
      })
      .catch((error: unknown) => {
        failed = true;
        reportFailure(error);
        return undefined;
      });
    return loading;
  };

  // The getters are added after (see `withGetters`): the wrapper reads `current` on every invocation.
  const deferred = {
    sourceName: options.sourceName,
    current(): EngineState {
      if (engine !== undefined) return engine.current();
      return failed || closed ? 'idle' : 'loading';
    },
    async ready() {
      const loaded = await load();
      await loaded?.ready();
    },
    plan(invocation) {
      // Nothing fires while the engine is loading.
      return engine?.plan(invocation);
    },
    emit(type, message, fields, level) {
      engine?.emit(type, message, fields, level);
    },
    isLevelEnabled(level) {
      return engine?.isLevelEnabled(level) ?? false;
    },
    async refresh() {
      const loaded = await load();
      await loaded?.refresh();
    },
    close() {
      closed = true;
      engine?.close();
    },
  } satisfies Omit<FaultEngine, 'registry' | 'clock' | 'random' | 'sleep'>;
  return withGetters(deferred, {
    // A shared engine may have been created by another wrapper with other ports: once loaded, its own apply.
    registry: () => engine?.registry ?? options.registry,
    clock: () => engine?.clock ?? options.clock,
    random: () => engine?.random ?? options.random,
    sleep: () => engine?.sleep ?? options.sleep,
  });
}
