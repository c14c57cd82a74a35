/**
 * Variables that were renamed, old name first. The Azure App Configuration variables gained `AZURE_` so that AWS
 * AppConfig's `FAULTLINE_APPCONFIG_*` cannot be mistaken for them. The engine reports each old name in use once.
 */
export const renamedVariables: readonly (readonly [old: string, replacement: string])[] = [
  'KEY',
  'LABEL',
  'ENDPOINT',
  'CONNECTION_STRING',
].map((name) => [`FAULTLINE_APPCONFIG_${name}`, `FAULTLINE_AZURE_APPCONFIG_${name}`] as const);
