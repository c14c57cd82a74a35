import type { AppConfigurationClient, AppConfigurationClientOptions } from '@azure/app-configuration';
import type { ConfigLoadRequest, ConfigLoadResult, ConfigSource } from '@faultline/core';
import { createModuleLoader, FaultlineError } from '@faultline/core/adapter-kit';
import { resolveAppConfigurationTarget } from './source-name.js';

/**
 * The Azure App Configuration config source: the experiment lives in one key-value (JSON text), read
 * through the core cached config (TTL, fetch budget, stale-while-revalidate, fail-open). Every refresh is a
 * conditional GET with the cached ETag, so an unchanged experiment costs a 304 with no body.
 *
 * @packageDocumentation
 */

/**
 * A Microsoft Entra ID credential (`TokenCredential` from `@azure/identity` / `@azure/core-auth`).
 *
 * @example
 * ```ts
 * import { ManagedIdentityCredential } from '@azure/identity';
 * import type { TokenCredential } from '@faultline/azure-functions/app-configuration';
 *
 * const credential: TokenCredential = new ManagedIdentityCredential();
 * ```
 */
export type TokenCredential = Extract<
  ConstructorParameters<typeof AppConfigurationClient>[1],
  { getToken: unknown }
>;

/**
 * The one method of `AppConfigurationClient` the source calls; a real client fits.
 *
 * @example
 * ```ts
 * import { AppConfigurationClient } from '@azure/app-configuration';
 * import type { AppConfigurationClientLike } from '@faultline/azure-functions/app-configuration';
 *
 * const client: AppConfigurationClientLike = new AppConfigurationClient(process.env.APPCONFIG_CONNECTION ?? '');
 * ```
 */
export interface AppConfigurationClientLike {
  getConfigurationSetting(
    id: { key: string; label?: string; etag?: string },
    options?: { onlyIfChanged?: boolean; abortSignal?: AbortSignal },
  ): Promise<{ statusCode?: number; value?: string; etag?: string; contentType?: string }>;
}

/**
 * Options for {@link createAppConfigurationSource}. Option > environment variable > default.
 *
 * @example
 * ```ts
 * import type { AppConfigurationSourceOptions } from '@faultline/azure-functions/app-configuration';
 *
 * const options: AppConfigurationSourceOptions = {
 *   endpoint: 'https://my-store.azconfig.io',
 *   key: 'faultline:orders',
 *   label: 'prod',
 * };
 * ```
 */
export interface AppConfigurationSourceOptions {
  /** Key holding the experiment. Default: `FAULTLINE_AZURE_APPCONFIG_KEY`. */
  readonly key?: string;
  /** Label of the key-value. Default: `FAULTLINE_AZURE_APPCONFIG_LABEL`, else no label. */
  readonly label?: string;
  /**
   * Connection string (`Endpoint=…;Id=…;Secret=…`) for access-key authentication. Default:
   * `FAULTLINE_AZURE_APPCONFIG_CONNECTION_STRING`. Prefer `endpoint` + a managed identity in Azure.
   */
  readonly connectionString?: string;
  /** Store endpoint, e.g. `https://my-store.azconfig.io`, for Microsoft Entra ID auth. Default: `FAULTLINE_AZURE_APPCONFIG_ENDPOINT`. */
  readonly endpoint?: string;
  /** Credential for `endpoint`. Default: `DefaultAzureCredential` from `@azure/identity` (install it), e.g. the managed identity. */
  readonly credential?: TokenCredential;
  /** A client to use instead of creating one (share yours to reuse its connection). */
  readonly client?: AppConfigurationClientLike;
  /**
   * Options for the client the source creates (e.g. `tlsOptions` for a local test server). Default retry policy:
   * one quick retry, because the cached config already retries with backoff and bounds every read.
   */
  readonly clientOptions?: AppConfigurationClientOptions;
  /**
   * Environment to read `FAULTLINE_AZURE_APPCONFIG_*` from, once (the deprecated `FAULTLINE_APPCONFIG_*` names are
   * still read when the new ones are unset). Default `process.env`.
   */
  readonly environment?: Readonly<Record<string, string | undefined>>;
}

/**
 * App Configuration could not be read. `code` says why — `INVALID_OPTION` (no key or no store configured),
 * `SDK_MISSING` (a peer dependency is not installed), `STORE_READ_FAILED` (the store refused or could not be
 * reached; `statusCode` and `serviceCode` say how), `CONFIG_DOCUMENT_INVALID` (the key holds a feature flag or a
 * Key Vault reference). The message names the key, label and the likely fix; it never contains the connection
 * string, the access key or request signatures.
 *
 * @example
 * ```ts
 * import {
 *   AppConfigurationSourceError,
 *   createAppConfigurationSource,
 * } from '@faultline/azure-functions/app-configuration';
 *
 * const source = createAppConfigurationSource({ key: 'faultline:orders' });
 * try {
 *   await source.load({ signal: AbortSignal.timeout(1000), previousVersion: undefined });
 * } catch (error) {
 *   if (error instanceof AppConfigurationSourceError && error.statusCode === 403) console.error(error.message);
 * }
 * ```
 */
export class AppConfigurationSourceError extends FaultlineError {
  override readonly name = 'AppConfigurationSourceError';
  /** HTTP status the store answered with, when it answered. */
  readonly statusCode: number | undefined;
  /** `AppConfiguration<Status>` or the SDK's error code, for event grouping. */
  readonly serviceCode: string | undefined;

  constructor(
    code: 'INVALID_OPTION' | 'SDK_MISSING' | 'STORE_READ_FAILED' | 'CONFIG_DOCUMENT_INVALID',
    message: string,
    details: { statusCode?: number | undefined; serviceCode?: string | undefined } = {},
  ) {
    super(code, message);
    this.statusCode = details.statusCode;
    this.serviceCode = details.serviceCode;
  }
}

const keyVaultReferenceContentType = 'application/vnd.microsoft.appconfig.keyvaultref+json';
const featureFlagContentType = 'application/vnd.microsoft.appconfig.ff+json';

/**
 * Creates a config source that reads the experiment from an Azure App Configuration key-value. It never throws on
 * creation: missing settings or SDK are reported by `load()` (and so as a `config-error` event by the cached
 * config, which fails open: the function keeps serving without faults).
 *
 * Permissions: the function app's managed identity needs the **App Configuration Data Reader** role on the store
 * (`az role assignment create --role "App Configuration Data Reader" --assignee <principal-id> --scope <store-id>`),
 * or use a read-only access key in `FAULTLINE_AZURE_APPCONFIG_CONNECTION_STRING`.
 *
 * The source name is `appconfig:<store host>/<key>[?label=<label>]`; the secret never appears in names, events or
 * errors.
 *
 * @example
 * ```ts
 * import { app } from '@azure/functions';
 * import { withFaults } from '@faultline/azure-functions';
 * import { createAppConfigurationSource } from '@faultline/azure-functions/app-configuration';
 *
 * // FAULTLINE_AZURE_APPCONFIG_ENDPOINT=https://my-store.azconfig.io + managed identity with App Configuration Data Reader
 * const source = createAppConfigurationSource({ key: 'faultline:orders', label: 'prod' });
 *
 * app.http('orders', {
 *   handler: withFaults(async () => ({ jsonBody: { ok: true } }), { source }),
 * });
 * ```
 */
export function createAppConfigurationSource(options: AppConfigurationSourceOptions = {}): ConfigSource {
  const { key, label, connectionString, endpoint, storeHost, name } = resolveAppConfigurationTarget({
    ...options,
    hasClient: options.client !== undefined,
    environment: options.environment ?? process.env,
  });
  const where = `key "${key ?? '(none)'}"${label === undefined ? '' : ` label "${label}"`} in ${storeHost}`;
  const settingsProblem =
    key === undefined
      ? 'No App Configuration key: pass `key` to createAppConfigurationSource or set FAULTLINE_AZURE_APPCONFIG_KEY (e.g. `faultline:orders`).'
      : options.client === undefined && connectionString === undefined && endpoint === undefined
        ? 'No App Configuration store: set FAULTLINE_AZURE_APPCONFIG_ENDPOINT (with a managed identity holding the App Configuration Data Reader role) or FAULTLINE_AZURE_APPCONFIG_CONNECTION_STRING, or pass `endpoint`/`connectionString`/`client`.'
        : undefined;

  // The SDK is imported and the client created by the first load; a failed one is retried by the next load.
  const client = createModuleLoader(() => createClient(options, connectionString, endpoint));
  const openClient = (): Promise<AppConfigurationClientLike> =>
    settingsProblem === undefined
      ? client.load()
      : Promise.reject(new AppConfigurationSourceError('INVALID_OPTION', settingsProblem));

  return {
    name,
    load: async (request: ConfigLoadRequest): Promise<ConfigLoadResult> => {
      const client = await openClient();
      const previousVersion = request.previousVersion;
      const id: { key: string; label?: string; etag?: string } = { key: key as string };
      if (label !== undefined) id.label = label;
      if (previousVersion !== undefined) id.etag = previousVersion;
      let setting: Awaited<ReturnType<AppConfigurationClientLike['getConfigurationSetting']>>;
      try {
        setting = await client.getConfigurationSetting(id, {
          onlyIfChanged: previousVersion !== undefined,
          abortSignal: request.signal,
        });
      } catch (error) {
        const statusCode = readStatusCode(error);
        if (statusCode === 404) return { kind: 'missing' };
        throw toSourceError(error, statusCode, where);
      }
      if (setting.statusCode === 304) return { kind: 'unchanged' };
      const contentType = setting.contentType?.toLowerCase() ?? '';
      if (
        contentType.startsWith(keyVaultReferenceContentType) ||
        contentType.startsWith(featureFlagContentType)
      ) {
        throw new AppConfigurationSourceError(
          'CONFIG_DOCUMENT_INVALID',
          `The ${where} is a ${contentType.startsWith(featureFlagContentType) ? 'feature flag' : 'Key Vault reference'}; store the experiment itself as the value (JSON text, as faultline push writes it).`,
          { serviceCode: 'AppConfigurationUnsupportedContentType' },
        );
      }
      if (setting.value === undefined || setting.value === '') return { kind: 'missing' };
      return { kind: 'document', document: setting.value, version: setting.etag ?? 'unknown' };
    },
  };
}

async function createClient(
  options: AppConfigurationSourceOptions,
  connectionString: string | undefined,
  endpoint: string | undefined,
): Promise<AppConfigurationClientLike> {
  if (options.client !== undefined) return options.client;
  let sdk: typeof import('@azure/app-configuration');
  try {
    // Loaded only when the source is used, so functions that do not read App Configuration never pay for the SDK.
    sdk = await import('@azure/app-configuration');
  } catch {
    throw new AppConfigurationSourceError(
      'SDK_MISSING',
      'The App Configuration source needs the peer dependency @azure/app-configuration: `npm install @azure/app-configuration`.',
      { serviceCode: 'AppConfigurationSdkMissing' },
    );
  }
  const clientOptions: AppConfigurationClientOptions = {
    retryOptions: { maxRetries: 1, retryDelayInMs: 100, maxRetryDelayInMs: 400 },
    userAgentOptions: { userAgentPrefix: 'faultline' },
    ...options.clientOptions,
  };
  if (connectionString !== undefined) {
    try {
      return new sdk.AppConfigurationClient(connectionString, clientOptions);
    } catch {
      // The SDK's message may echo the connection string; ours never does.
      throw new AppConfigurationSourceError(
        'INVALID_OPTION',
        'The App Configuration connection string is malformed; expected `Endpoint=https://<store>.azconfig.io;Id=<id>;Secret=<secret>`.',
        { serviceCode: 'AppConfigurationInvalidConnectionString' },
      );
    }
  }
  const credential = options.credential ?? (await loadDefaultCredential());
  return new sdk.AppConfigurationClient(endpoint as string, credential, clientOptions);
}

async function loadDefaultCredential(): Promise<TokenCredential> {
  // A variable specifier keeps bundlers and the type checker from requiring @azure/identity, which stays optional.
  const identityModule = '@azure/identity';
  try {
    const identity = (await import(identityModule)) as {
      DefaultAzureCredential: new () => TokenCredential;
    };
    return new identity.DefaultAzureCredential();
  } catch {
    throw new AppConfigurationSourceError(
      'SDK_MISSING',
      'FAULTLINE_AZURE_APPCONFIG_ENDPOINT is set but no credential was passed and @azure/identity is not installed: `npm install @azure/identity` (managed identity), pass `credential`, or use a connection string.',
      { serviceCode: 'AppConfigurationCredentialMissing' },
    );
  }
}

function readStatusCode(error: unknown): number | undefined {
  const statusCode = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof statusCode === 'number' ? statusCode : undefined;
}

/** Rebuilds SDK errors without their request (which carries the Authorization header) and with a fix to try. */
function toSourceError(error: unknown, statusCode: number | undefined, where: string): Error {
  if ((error as { name?: unknown } | null)?.name === 'AbortError') return error as Error;
  if (statusCode === 401) {
    return new AppConfigurationSourceError(
      'STORE_READ_FAILED',
      `App Configuration refused the credentials (401) reading the ${where}: check the access key in the connection string, or the identity's token.`,
      { statusCode, serviceCode: 'AppConfiguration401' },
    );
  }
  if (statusCode === 403) {
    return new AppConfigurationSourceError(
      'STORE_READ_FAILED',
      `App Configuration denied reading the ${where} (403): assign the function's identity the "App Configuration Data Reader" role on the store.`,
      { statusCode, serviceCode: 'AppConfiguration403' },
    );
  }
  if (statusCode !== undefined) {
    return new AppConfigurationSourceError(
      'STORE_READ_FAILED',
      `App Configuration answered ${statusCode} reading the ${where}.`,
      { statusCode, serviceCode: `AppConfiguration${statusCode}` },
    );
  }
  const code = (error as { code?: unknown } | null)?.code;
  return new AppConfigurationSourceError(
    'STORE_READ_FAILED',
    `Could not reach App Configuration reading the ${where}: ${error instanceof Error ? error.message : String(error)}`,
    { serviceCode: typeof code === 'string' ? code : 'AppConfigurationUnreachable' },
  );
}
