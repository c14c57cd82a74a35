import { resolve } from 'node:path';
import type { ConfigSource } from './config-source.js';
import { createDeferredSource } from './deferred-source.js';
import { createEnvironmentSource } from './environment-source.js';

/**
 * The source used when none is configured in code: `FAULTLINE_CONFIG_FILE` (a JSON file) first, then
 * `FAULTLINE_CONFIG` (inline JSON in the variable), else `undefined` (the adapter then looks for its cloud
 * store variables, e.g. `FAULTLINE_SSM_PARAMETER`).
 *
 * @example
 * ```ts
 * const source = resolveDefaultConfigSource({ FAULTLINE_CONFIG_FILE: './faultline.json' });
 * console.log(source?.name); // "file:/…/faultline.json"
 * ```
 */
export function resolveDefaultConfigSource(
  environment: Readonly<Record<string, string | undefined>> = process.env,
): ConfigSource | undefined {
  const file = environment.FAULTLINE_CONFIG_FILE?.trim();
  // Named now (the name is the file source's own); its code, with the document decoding, loads with the first read.
  if (file) {
    return createDeferredSource(`file:${resolve(file)}`, () =>
      import('./file-source.js').then((module) => module.createFileSource(file)),
    );
  }
  const inline = environment.FAULTLINE_CONFIG;
  if (inline !== undefined && inline.trim() !== '') {
    return createEnvironmentSource({ variable: 'FAULTLINE_CONFIG', environment });
  }
  return undefined;
}
