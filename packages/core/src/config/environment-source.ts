import type { ConfigSource } from './config-source.js';
import { throwIfReadAborted } from './read-request.js';

/**
 * Where {@link createEnvironmentSource} reads from.
 *
 * @example
 * ```ts
 * import { createEnvironmentSource, type EnvironmentSourceOptions } from '@faultline/core';
 *
 * const options: EnvironmentSourceOptions = { variable: 'ORDERS_EXPERIMENT', environment: process.env };
 * const source = createEnvironmentSource(options); // name: "env:ORDERS_EXPERIMENT"
 * ```
 */
export interface EnvironmentSourceOptions {
  /** Name of the variable holding the experiment as JSON text. Default `FAULTLINE_CONFIG`. */
  variable?: string;
  /** The environment to read. Default `process.env`. */
  environment?: Readonly<Record<string, string | undefined>>;
}

/**
 * A source that reads an experiment from an environment variable each time it is loaded (so a TTL refresh sees
 * changes made by the platform, e.g. a redeploy with new settings). An unset or blank variable is `missing`. The
 * version is a content hash; the source name carries the variable name only, never its value.
 *
 * @example
 * ```ts
 * import { createCachedConfig, createEnvironmentSource } from '@faultline/core';
 *
 * process.env.FAULTLINE_CONFIG = '{"schemaVersion":1,"id":"demo","faults":[]}';
 * const source = createEnvironmentSource(); // reads FAULTLINE_CONFIG from process.env
 * const config = createCachedConfig(source, { parse: (document) => document });
 * console.log((await config.get())?.version); // "sha256:…"
 * ```
 */
export function createEnvironmentSource(options: EnvironmentSourceOptions = {}): ConfigSource {
  const variable = options.variable ?? 'FAULTLINE_CONFIG';
  const environment = options.environment ?? process.env;
  return {
    name: `env:${variable}`,
    async load(request) {
      throwIfReadAborted(request);
      const { previousVersion } = request;
      const text = environment[variable];
      if (text === undefined || text.trim() === '') return { kind: 'missing' };
      const { contentVersion } = await import('./content-version.js');
      const version = contentVersion(text);
      if (version === previousVersion) return { kind: 'unchanged' };
      return { kind: 'document', document: text, version };
    },
  };
}
