import type { ConfigSource } from './config-source.js';
import { createEnvironmentSource } from './environment-source.js';
import { createFileSource } from './file-source.js';

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
  if (file) return createFileSource(file);
  const inline = environment.FAULTLINE_CONFIG;
  if (inline !== undefined && inline.trim() !== '') {
    return createEnvironmentSource({ variable: 'FAULTLINE_CONFIG', environment });
  }
  return undefined;
}
