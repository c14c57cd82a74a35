import type { ConfigSource } from '../config/config-source.js';
import { createFaultEngine, type FaultEngine, type FaultEngineOptions } from './fault-engine.js';

/**
 * Engines shared within one process, so every wrapped function of an instance (Azure and GCP host several) reads
 * the store once per TTL, not once per function. Keyed by the source object when the caller passed one, and by
 * source name for sources resolved from the environment.
 */
const bySourceObject = new WeakMap<ConfigSource, FaultEngine>();
const bySourceName = new Map<string, FaultEngine>();
let withoutSource: FaultEngine | undefined;

/**
 * Returns the process-wide engine for `source`, creating it with `options` the first time. Later callers with the
 * same source get the same engine (their other options are ignored). Wrappers call this on their first invocation,
 * through the handle `resolveFaultEngine` gave them, so with several wrappers on one source the options of the
 * first one invoked apply.
 *
 * @example
 * ```ts
 * import { createFileSource, getSharedFaultEngine } from '@faultline/core';
 * const engine = getSharedFaultEngine(createFileSource('./faultline.yaml'), { shareBy: 'name' });
 * ```
 */
export function getSharedFaultEngine(
  source: ConfigSource | undefined,
  options: FaultEngineOptions & { readonly shareBy: 'object' | 'name' },
): FaultEngine {
  const { shareBy, source: _source, ...engineOptions } = options;
  if (source === undefined) {
    withoutSource ??= createFaultEngine(engineOptions);
    return withoutSource;
  }
  if (shareBy === 'object') {
    let engine = bySourceObject.get(source);
    if (engine === undefined) {
      engine = createFaultEngine({ ...engineOptions, source });
      bySourceObject.set(source, engine);
    }
    return engine;
  }
  let engine = bySourceName.get(source.name);
  if (engine === undefined) {
    engine = createFaultEngine({ ...engineOptions, source });
    bySourceName.set(source.name, engine);
  }
  return engine;
}

/**
 * Closes and forgets every shared engine. For tests that change `FAULTLINE_*` variables between cases.
 *
 * @example
 * ```ts
 * import { resetSharedFaultEngines } from '@faultline/core';
 * afterEach(() => resetSharedFaultEngines());
 * ```
 */
export function resetSharedFaultEngines(): void {
  for (const engine of bySourceName.values()) engine.close();
  bySourceName.clear();
  withoutSource?.close();
  withoutSource = undefined;
}
