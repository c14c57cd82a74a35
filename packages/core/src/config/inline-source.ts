import type { ConfigSource } from './config-source.js';
import { throwIfReadAborted } from './read-request.js';

/**
 * A source that serves one experiment given in code (an object, or JSON/YAML text). Its version is a content hash,
 * so a conditional read answers `unchanged`. Useful for tests and for functions that ship their experiment.
 *
 * @example
 * ```ts
 * import { createInlineSource } from '@faultline/core';
 * import { createFaultWrapper } from '@faultline/core/adapter-kit';
 *
 * const source = createInlineSource({
 *   schemaVersion: 1,
 *   id: 'orders-latency',
 *   faults: [{ id: 'slow', type: 'latency', probability: 0.1, delayMs: 300 }],
 * });
 * // pass `source` to createFaultWrapper(adapter, handler, { source }) or createCachedConfig(source, { parse })
 * ```
 */
export function createInlineSource(experiment: object | string): ConfigSource {
  return {
    name: 'inline',
    async load(request) {
      throwIfReadAborted(request);
      const { previousVersion } = request;
      const { contentVersion } = await import('./content-version.js');
      const version = contentVersion(experiment);
      if (version === previousVersion) return { kind: 'unchanged' };
      return { kind: 'document', document: experiment, version };
    },
  };
}
