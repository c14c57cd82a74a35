import { readEnvironmentValue } from '@faultline/core/adapter-kit';

/** The App Configuration settings read from the environment, by the suffix after `FAULTLINE_AZURE_APPCONFIG_`. */
export type AppConfigurationVariable = 'KEY' | 'LABEL' | 'ENDPOINT' | 'CONNECTION_STRING';

/**
 * `FAULTLINE_AZURE_APPCONFIG_<name>`, else the deprecated `FAULTLINE_APPCONFIG_<name>` (the engine reports an old name
 * in use once, as a `deprecation` event). Blank counts as unset.
 *
 * @example
 * ```ts
 * readAppConfigurationVariable({ FAULTLINE_APPCONFIG_KEY: 'faultline:orders' }, 'KEY'); // 'faultline:orders'
 * ```
 */
export function readAppConfigurationVariable(
  environment: Readonly<Record<string, string | undefined>>,
  name: AppConfigurationVariable,
): string | undefined {
  return readEnvironmentValue(
    environment,
    `FAULTLINE_AZURE_APPCONFIG_${name}`,
    `FAULTLINE_APPCONFIG_${name}`,
  );
}
