import type { ConfigSource } from '../config/config-source.js';
import { createFaultEngine, type FaultEngine, type FaultEngineOptions } from './fault-engine.js';

/**
 * Engines shared within one process, so every wrapped function of an instance (Azure and GCP host several) reads
 * the store once per TTL, not once per function. Keyed by the source object when the caller passed one, by the
 * source's name (a string key) for sources resolved from the environment, and by `undefined` without a source.
 * Held until `resetSharedFaultEngines`, so that it can close every one of them.
 */
const sharedEngines = new Map<ConfigSource | string | undefined, SharedEngine>();

interface SharedEngine {
  readonly engine: FaultEngine;
  /** The options it was created with, to tell later callers which of theirs it does not use. */
  readonly options: FaultEngineOptions;
}

/** The options a shared engine is created with, compared for every later caller. */
const engineOptionNames = [
  'registry',
  'onEvent',
  'logFormat',
  'metrics',
  'openTelemetry',
  'logLevel',
  'cache',
  'clock',
  'random',
  'sleep',
  'environment',
  'missingSourceHint',
] as const satisfies readonly (keyof FaultEngineOptions)[];

/** Compared field by field (each caller builds its own object); the other options must be the same object. */
const optionsComparedByValue: ReadonlySet<string> = new Set(['cache', 'environment']);

/**
 * Returns the process-wide engine for `source`, creating it with `options` the first time: one engine per source.
 * Later callers with the same source get that engine; options of theirs that differ from the ones it was created
 * with (`registry`, `onEvent`, `logLevel`, `cache`, `clock`, `random`, `sleep`, `environment`) do not apply, and
 * the engine says so in one `config-error` event (level `warn`) per such call, listing them. Wrappers call this on
 * their first invocation, through the handle `resolveFaultEngine` gave them, so with several wrappers on one source
 * the options of the first one invoked apply.
 *
 * @example
 * ```ts
 * import { createFileSource } from '@faultline/core';
 * const engine = getSharedFaultEngine(createFileSource('./faultline.yaml'), { shareBy: 'name' });
 * ```
 */
export function getSharedFaultEngine(
  source: ConfigSource | undefined,
  options: FaultEngineOptions & { readonly shareBy: 'object' | 'name' },
): FaultEngine {
  const { shareBy, source: _source, ...engineOptions } = options;
  const key = source === undefined ? undefined : shareBy === 'object' ? source : source.name;
  const shared = sharedEngines.get(key);
  if (shared === undefined) {
    const engine = createFaultEngine(source === undefined ? engineOptions : { ...engineOptions, source });
    sharedEngines.set(key, { engine, options: engineOptions });
    return engine;
  }
  const ignored = engineOptionNames.filter(
    (name) => !sameOption(name, shared.options[name], engineOptions[name]),
  );
  if (ignored.length > 0) {
    shared.engine.emit(
      'config-error',
      `a wrapper asked for the shared engine of ${source === undefined ? 'no config source' : `config source ${source.name}`} with other options (${ignored.join(', ')}); one engine serves each source, so the options it was created with apply (pass \`engine\` to give a wrapper its own)`,
      { details: { ignoredOptions: ignored } },
      'warn',
    );
  }
  return shared.engine;
}

function sameOption(name: string, first: unknown, later: unknown): boolean {
  if (first === later) return true;
  if (!optionsComparedByValue.has(name)) return false;
  const firstRecord = (first ?? {}) as Readonly<Record<string, unknown>>;
  const laterRecord = (later ?? {}) as Readonly<Record<string, unknown>>;
  const keys = new Set([...Object.keys(firstRecord), ...Object.keys(laterRecord)]);
  for (const key of keys) if (firstRecord[key] !== laterRecord[key]) return false;
  return true;
}

/**
 * Closes and forgets every shared engine (those keyed by a source object too). For tests that change `FAULTLINE_*`
 * variables or sources between cases.
 *
 * @example
 * ```ts
 * import { resetSharedFaultEngines } from '@faultline/core';
 * afterEach(() => resetSharedFaultEngines());
 * ```
 */
export function resetSharedFaultEngines(): void {
  for (const { engine } of sharedEngines.values()) engine.close();
  sharedEngines.clear();
}
