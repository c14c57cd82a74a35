import { createModuleLoader } from '../engine/module-loader.js';
import type { ConfigSource } from './config-source.js';

/**
 * A source named now whose code loads with its first read. The adapters build their default cloud sources this way
 * (Lambda's SSM and AppConfig, Azure's App Configuration): the name (by which wrappers share one engine) is known at
 * wrap time, and a function pays for a source's module only when it reads. Settings the source refuses are thrown
 * by that first read, so the engine reports them as a `config-error` event and injects nothing; a failed load is
 * tried again by the next read.
 *
 * @example
 * ```ts
 * import { createDeferredSource } from '@faultline/core/adapter-kit';
 *
 * const source = createDeferredSource('ssm:/faultline/orders', () =>
 *   import('./ssm/ssm-source.js').then((module) => module.createSsmSource({ parameterName: '/faultline/orders' })),
 * );
 * ```
 */
export function createDeferredSource(name: string, create: () => Promise<ConfigSource>): ConfigSource {
  const source = createModuleLoader(create);
  return { name, load: async (request) => (await source.load()).load(request) };
}
