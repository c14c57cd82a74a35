import { loadedFaultRuntime } from '../engine/fault-runtime-loader.js';

/**
 * The standard reason phrase of an HTTP status (`Service Unavailable` for 503), as Node's `http.STATUS_CODES` names
 * it, without loading `node:http`: the table ships with the engine's runtime, so this answers `undefined` until the
 * runtime has loaded (an adapter only needs a phrase for a response a fault made or changed, when it has), and for a
 * status without a phrase.
 *
 * @example
 * ```ts
 * import { reasonPhraseOf } from '@faultline/core/adapter-kit';
 *
 * const statusDescription = `${status} ${reasonPhraseOf(status) ?? 'Unknown'}`; // '503 Service Unavailable'
 * ```
 */
export function reasonPhraseOf(status: number): string | undefined {
  return loadedFaultRuntime()?.reasonPhraseOf(status);
}
