import type { AppConfigurationClient } from '@azure/app-configuration';
import { createModuleLoader } from '@faultline/core/adapter-kit';
import { importPeerSdk } from './peer-sdk.js';
import type { ExperimentStore, StoredExperiment } from './store.js';
import {
  assertExpectedVersion,
  maxDocumentBytes,
  parseStoredText,
  StoreAccessError,
  StoreConflictError,
  serializeDocument,
  setEnabledWithReadWrite,
  versionConflict,
} from './store.js';

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
      throw accessError(name, error);
    }
  }

  const store: ExperimentStore = {
    kind: 'azure-app-configuration',
    name,
    read,
    async write(document, writeOptions) {
      const value = serializeDocument(document);
      const isJson = typeof document !== 'string' || parseJson(document);
      const setting = { ...address, value, contentType: isJson ? 'application/json' : 'application/yaml' };
      const appConfiguration = await client();
      try {
        if (writeOptions.force) {
          const result = await appConfiguration.setConfigurationSetting(setting);
          return { version: result.etag ?? '' };
        }
        if (writeOptions.expectedVersion === null) {
          const result = await appConfiguration.addConfigurationSetting(setting);
          return { version: result.etag ?? '' };
        }
        if (writeOptions.expectedVersion === undefined) assertExpectedVersion(name, writeOptions, undefined);
        const result = await appConfiguration.setConfigurationSetting(
          { ...setting, etag: writeOptions.expectedVersion as string },
          { onlyIfUnchanged: true },
        );
        return { version: result.etag ?? '' };
      } catch (error) {
        throw await conflictOrAccess(error, writeOptions.expectedVersion);
      }
    },
    async remove(writeOptions) {
      const appConfiguration = await client();
      try {
        if (writeOptions.force) {
          await appConfiguration.deleteConfigurationSetting(address);
          return;
        }
        if (typeof writeOptions.expectedVersion !== 'string') {
          const current = await read();
          assertExpectedVersion(name, writeOptions, current?.version);
          return;
        }
        await appConfiguration.deleteConfigurationSetting(
          { ...address, etag: writeOptions.expectedVersion },
          { onlyIfUnchanged: true },
        );
      } catch (error) {
        throw await conflictOrAccess(error, writeOptions.expectedVersion);
      }
    },
    setEnabled: (enabled) => setEnabledWithReadWrite(store, enabled),
    async close() {},
  };

  async function conflictOrAccess(error: unknown, expected: string | null | undefined): Promise<Error> {
    if (error instanceof StoreConflictError || error instanceof StoreAccessError) return error;
    if (statusOf(error) === 412) {
      const current = await read().catch(() => undefined);
      return versionConflict(name, expected, current?.version ?? null, { cause: error });
    }
    return accessError(name, error);
  }
  return store;
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

function accessError(name: string, error: unknown): Error {
  if (error instanceof StoreAccessError || error instanceof StoreConflictError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new StoreAccessError(`${name}: ${detail.split('\n')[0]}`, name, { cause: error });
}
