import { createModuleLoader } from '../engine/module-loader.js';
import { FaultlineError } from '../errors/faultline-error.js';

// The interceptors patch `node:net` and `node:dns`; loading `node:dns` alone costs a cold instance 1.5–2.5 ms (Node
// 20, measured), which an experiment without network faults must not pay. The module is the package's own
// `@faultline/core/interception` entry, so a bundle has one copy of it, and `@faultline/aws-lambda/aws-sdk`, which
// imports that entry at load, shares it.

/** The lazily loaded network interception module (`@faultline/core/interception`). */
export type NetworkInterception = typeof import('../interception.js');

const networkInterception = createModuleLoader<NetworkInterception>(() => import('../interception.js'));

/**
 * Loads the network interceptors and host rules: the `prepare` of the `blackhole` and `dependency` fault types, so
 * they load with the first experiment that uses one of them.
 */
export async function loadNetworkInterception(): Promise<void> {
  await networkInterception.load();
}

/** The loaded network interception module, for `create`; throws when `prepare` has not run (a fault type misuse). */
export function loadedNetworkInterception(): NetworkInterception {
  const loaded = networkInterception.loaded();
  if (loaded === undefined) {
    throw new FaultlineError(
      'FAULT_TYPE_NOT_PREPARED',
      'the network interceptors are not loaded: await the fault type’s prepare() before create()',
    );
  }
  return loaded;
}
