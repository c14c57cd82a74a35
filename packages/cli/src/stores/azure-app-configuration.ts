import type { AppConfigurationClient } from '@azure/app-configuration';
import { createModuleLoader } from '@faultline/core/adapter-kit';
import { createCompareAndSetStore, storeAccessError } from './compare-and-set.js';
import { importPeerSdk } from './peer-sdk.js';
import type { ExperimentStore, StoredExperiment } from './store.js';
import { maxDocumentBytes, parseStoredText, StoreAccessError } from './store.js';

/** Options of {@link createAppConfigurationStore}. */
export interface AppConfigurationStoreOptions {
  /** Key of the setting, e.g. `faultline:orders`. */
  readonly key: string;
  /** Label; default: no label. */
  readonly label?: string;
  /** `Endpoint=…;Id=…;Secret=…`. Pass the value, never log it. */
  readonly connectionString: string;
  /** PEM of a private CA (a local HTTPS test server); default: the system trust store. */
  readonly ca?: string;
}

/**
 * An Azure App Configuration key-value as an experiment store (content type `application/json`). The version is
 * the ETag; writes are compare-and-set: `If-None-Match: *` to create, `If-Match` to replace
 * (`onlyIfUnchanged`). The SDK is loaded on first use.
 *
 * @example
 * ```ts
 * const store = createAppConfigurationStore({
 *   key: 'faultline:orders',
 *   label: 'prod',
 *   connectionString: process.env.FAULTLINE_AZURE_APPCONFIG_CONNECTION_STRING ?? '',
 * });
 * await store.setEnabled(false);
 * ```
 */
export function createAppConfigurationStore(options: AppConfigurationStoreOptions): ExperimentStore {
  const name = `azure-app-configuration:${options.key}${options.label === undefined ? '' : `@${options.label}`}`;
  const address = { key: options.key, ...(options.label === undefined ? {} : { label: options.label }) };
  // Imported and created on first use; a failed import is retried by the next command instead of remembered.
  const sdkClient = createModuleLoader(async (): Promise<AppConfigurationClient> => {
    const sdk = await importPeerSdk(
      name,
      '@azure/app-configuration',
      () => import('@azure/app-configuration'),
    );
    return new sdk.AppConfigurationClient(options.connectionString, {
      ...(options.ca === undefined ? {} : { tlsOptions: { ca: options.ca } }),
      retryOptions: { maxRetries: 1 },
    });
  });
  const client = () => sdkClient.load();

  async function read(): Promise<StoredExperiment | undefined> {
    try {
      const setting = await (await client()).getConfigurationSetting(address);
      const text = setting.value ?? '';
      if (Buffer.byteLength(text) > maxDocumentBytes) {
        throw new StoreAccessError(
          `${name}: the stored value is above the ${maxDocumentBytes}-byte cap`,
          name,
        );
      }
      return { text, document: await parseStoredText(text), version: setting.etag ?? '' };
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw storeAccessError(name, error);
    }
  }

  return createCompareAndSetStore({
    kind: 'azure-app-configuration',
    name,
    connect: client,
    read,
    async overwrite(appConfiguration, text, document) {
      return (await appConfiguration.setConfigurationSetting(settingOf(text, document))).etag ?? '';
    },
    async create(appConfiguration, text, document) {
      return (await appConfiguration.addConfigurationSetting(settingOf(text, document))).etag ?? '';
    },
    async replace(appConfiguration, text, document, expectedVersion) {
      const result = await appConfiguration.setConfigurationSetting(
        { ...settingOf(text, document), etag: expectedVersion },
        { onlyIfUnchanged: true },
      );
      return result.etag ?? '';
    },
    async deleteAny(appConfiguration) {
      await appConfiguration.deleteConfigurationSetting(address);
    },
    async deleteVersion(appConfiguration, expectedVersion) {
      await appConfiguration.deleteConfigurationSetting(
        { ...address, etag: expectedVersion },
        { onlyIfUnchanged: true },
      );
    },
    isPreconditionFailure: (error) => statusOf(error) === 412,
    async close() {},
  });

  function settingOf(value: string, document: object | string) {
    const isJson = typeof document !== 'string' || parseJson(document);
    return { ...address, value, contentType: isJson ? 'application/json' : 'application/yaml' };
  }
}

function parseJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown })?.statusCode;
  return typeof status === 'number' ? status : undefined;
}
