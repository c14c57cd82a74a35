import { createModuleLoader } from '../engine/module-loader.js';
import { FaultlineError } from '../errors/faultline-error.js';

/**
 * A module a fault type loads in its `prepare()` and uses, synchronously, in `create()`.
 *
 * @example
 * ```ts
 * const effects = createPreparedModule(() => import('./slow-effect.js'), 'the slow effect');
 * export const slowFault = defineFaultType({
 *   // …type, summary, phase, attributes
 *   prepare: effects.prepare,
 *   create: (attributes) => effects.get().createSlowEffect(attributes),
 * });
 * ```
 */
export interface PreparedModule<Module> {
  /** Loads the module (once; a failed load is retried by the next call). */
  readonly prepare: () => Promise<void>;
  /** The loaded module; throws a `FAULT_TYPE_NOT_PREPARED` error when `prepare` has not finished. */
  readonly get: () => Module;
}

/** Wraps one `import()` (keep it a literal, so bundlers split it) as a fault type's prepared module. */
export function createPreparedModule<Module>(
  importModule: () => Promise<Module>,
  description: string,
): PreparedModule<Module> {
  const loader = createModuleLoader(importModule);
  return {
    prepare: async () => {
      await loader.load();
    },
    get: () => {
      const loaded = loader.loaded();
      if (loaded === undefined) {
        throw new FaultlineError(
          'FAULT_TYPE_NOT_PREPARED',
          `${description} is not loaded: await the fault type's prepare() before create()`,
        );
      }
      return loaded;
    },
  };
}
