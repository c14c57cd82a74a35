import { nonBlank } from '@faultline/core/adapter-kit';
import { readAppConfigurationVariable } from './variables.js';

/** What names an App Configuration source and where it reads: options first, then the environment. */
export interface AppConfigurationTarget {
  readonly key: string | undefined;
  readonly label: string | undefined;
  readonly connectionString: string | undefined;
  readonly endpoint: string | undefined;
  /** The store's host, for names and messages: never the `Id`/`Secret` parts of a connection string. */
  readonly storeHost: string;
  /** `appconfig:<store host>/<key>[?label=<label>]`: the source's name, by which wrappers share one engine. */
  readonly name: string;
}

/**
 * Resolves the key, label and store an App Configuration source reads (option > environment variable) and the
 * source's name. Its own module so `withFaults` can name its default source at wrap time without loading the
 * source's code, which loads with the first read.
 */
export function resolveAppConfigurationTarget(options: {
  readonly key?: string | undefined;
  readonly label?: string | undefined;
  readonly connectionString?: string | undefined;
  readonly endpoint?: string | undefined;
  readonly hasClient: boolean;
  readonly environment: Readonly<Record<string, string | undefined>>;
}): AppConfigurationTarget {
  const { environment } = options;
  const key = nonBlank(options.key) ?? readAppConfigurationVariable(environment, 'KEY');
  const label = nonBlank(options.label) ?? readAppConfigurationVariable(environment, 'LABEL');
  const connectionString =
    nonBlank(options.connectionString) ?? readAppConfigurationVariable(environment, 'CONNECTION_STRING');
  const endpoint = nonBlank(options.endpoint) ?? readAppConfigurationVariable(environment, 'ENDPOINT');
  const storeHost = describeStore(options.hasClient, connectionString, endpoint);
  const name = `appconfig:${storeHost}/${key ?? '(no key)'}${label === undefined ? '' : `?label=${label}`}`;
  return { key, label, connectionString, endpoint, storeHost, name };
}

function describeStore(
  hasClient: boolean,
  connectionString: string | undefined,
  endpoint: string | undefined,
): string {
  const raw = endpoint ?? /(?:^|;)\s*Endpoint=([^;]+)/i.exec(connectionString ?? '')?.[1];
  if (raw !== undefined) {
    try {
      return new URL(raw).host;
    } catch {
      return '(invalid endpoint)';
    }
  }
  return hasClient ? '(client)' : '(no store)';
}
