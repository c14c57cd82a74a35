/**
 * Variables that were renamed, old name first. The Azure App Configuration variables gained `AZURE_` so that AWS
 * AppConfig's `FAULTLINE_APPCONFIG_*` cannot be mistaken for them.
 *
 * @example
 * ```ts
 * import { renamedVariables } from '@faultline/core';
 * new Map(renamedVariables).get('FAULTLINE_APPCONFIG_KEY'); // 'FAULTLINE_AZURE_APPCONFIG_KEY'
 * ```
 */
export const renamedVariables: readonly (readonly [old: string, replacement: string])[] = [
  'KEY',
  'LABEL',
  'ENDPOINT',
  'CONNECTION_STRING',
].map((name) => [`FAULTLINE_APPCONFIG_${name}`, `FAULTLINE_AZURE_APPCONFIG_${name}`] as const);
