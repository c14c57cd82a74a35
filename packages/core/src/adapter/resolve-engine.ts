import { checkCachedConfigOptions } from '../config/cache-options.js';
import type { ConfigSource } from '../config/config-source.js';
import { resolveDefaultConfigSource } from '../config/default-source.js';
import {
  readEnvironmentSettings,
  resolveCachedConfigOptions,
  snapshotSettingsVariables,
} from '../config/environment-settings.js';
import { createDeferredFaultEngine } from '../engine/deferred-engine.js';
import type { FaultEngine, FaultEngineOptions } from '../engine/fault-engine.js';
import { systemClock, systemRandom, systemSleep } from '../engine/ports.js';

/**
 * Options every adapter's wrapper accepts.
 *
 * Wrappers that resolve the same config source share one engine per process (one store read per TTL for all of
 * them). That engine is created with the options of the first of them to be invoked; a later wrapper whose
 * engine options (`registry`, `onEvent`, `logLevel`, `cache`, `clock`, `random`, `sleep`, the `FAULTLINE_*`
 * settings) differ gets the shared engine all the same, and the engine reports each differing option once in a
 * `config-error` event (level `warn`). Pass `engine` to give a wrapper an engine of its own.
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
 * import { isKillSwitchOn } from '@faultline/core/adapter-kit';
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
 * import { resolveFaultEngine } from '@faultline/core/adapter-kit';
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
