import type { SSMClient } from '@aws-sdk/client-ssm';
import type { ExperimentStore, StoredExperiment, WriteOptions } from './store.js';
import {
  assertExpectedVersion,
  maxDocumentBytes,
  parseStoredText,
  StoreAccessError,
  StoreConflictError,
  setEnabledWithReadWrite,
} from './store.js';

/** Options of {@link createSsmStore}. */
export interface SsmStoreOptions {
  /** Parameter name, e.g. `/faultline/orders`. */
  readonly parameter: string;
  /** Endpoint override, e.g. a local moto server. */
  readonly endpoint?: string;
  readonly region?: string;
}

/** Standard-tier parameters hold 4 KB; larger experiments need the advanced tier (chosen automatically). */
const standardTierMaxBytes = 4096;

/**
 * An SSM parameter (type `String`) as an experiment store. SSM has no compare-and-set: the store reads the current
 * version, refuses when it is not the one you saw, then writes and checks that the new version is exactly one
 * above — so a concurrent writer is always detected and reported, never silently lost. The AWS SDK is loaded on
 * first use.
 *
 * @example
 * ```ts
 * const store = createSsmStore({ parameter: '/faultline/orders', endpoint: 'http://127.0.0.1:5000' });
 * await store.setEnabled(false);
 * ```
 */
export function createSsmStore(options: SsmStoreOptions): ExperimentStore {
  const name = `aws-ssm:${options.parameter}`;
  let clientPromise: Promise<{ client: SSMClient; sdk: typeof import('@aws-sdk/client-ssm') }> | undefined;

  function client() {
    clientPromise ??= import('@aws-sdk/client-ssm').then((sdk) => ({
      sdk,
      client: new sdk.SSMClient({
        ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
        ...(options.region === undefined ? {} : { region: options.region }),
        maxAttempts: 2,
      }),
    }));
    return clientPromise;
  }

  async function read(): Promise<StoredExperiment | undefined> {
    const { client: ssm, sdk } = await client();
    try {
      const output = await ssm.send(
        new sdk.GetParameterCommand({ Name: options.parameter, WithDecryption: true }),
      );
      const text = output.Parameter?.Value ?? '';
      if (Buffer.byteLength(text) > maxDocumentBytes) {
        throw new StoreAccessError(
          `${name}: the stored value is above the ${maxDocumentBytes}-byte cap`,
          name,
        );
      }
      return { text, document: parseStoredText(text), version: String(output.Parameter?.Version ?? 0) };
    } catch (error) {
      if ((error as Error).name === 'ParameterNotFound') return undefined;
      throw accessError(name, error);
    }
  }

  async function currentVersion(writeOptions: WriteOptions): Promise<string | undefined> {
    const current = await read();
    assertExpectedVersion(name, writeOptions, current?.version);
    return current?.version;
  }

  const store: ExperimentStore = {
    kind: 'aws-ssm',
    name,
    read,
    async write(document, writeOptions) {
      // Compact JSON: SSM's standard tier holds 4 KB.
      const text = typeof document === 'string' ? document : JSON.stringify(document);
      if (Buffer.byteLength(text) > maxDocumentBytes) {
        throw new RangeError(
          `the experiment is ${Buffer.byteLength(text)} bytes; stores accept at most ${maxDocumentBytes}`,
        );
      }
      const before = writeOptions.force ? undefined : await currentVersion(writeOptions);
      const { client: ssm, sdk } = await client();
      let version: number | undefined;
      try {
        const output = await ssm.send(
          new sdk.PutParameterCommand({
            Name: options.parameter,
            Value: text,
            Type: 'String',
            // Creating must not replace a parameter someone else created in the meantime.
            Overwrite: writeOptions.force === true || before !== undefined,
            ...(Buffer.byteLength(text) > standardTierMaxBytes ? { Tier: 'Advanced' as const } : {}),
            Description: 'faultline experiment (written by faultline push)',
          }),
        );
        version = output.Version;
      } catch (error) {
        if ((error as Error).name === 'ParameterAlreadyExists') {
          throw new StoreConflictError(
            `${name}: was created by someone else meanwhile`,
            name,
            null,
            'unknown',
            {
              cause: error,
            },
          );
        }
        throw accessError(name, error);
      }
      if (before !== undefined && version !== undefined && version !== Number(before) + 1) {
        throw new StoreConflictError(
          `${name}: another writer changed it while we wrote (version ${before} → ${version}); check it with faultline diff`,
          name,
          before,
          String(version),
        );
      }
      return { version: String(version ?? '') };
    },
    async remove(writeOptions) {
      if (!writeOptions.force) await currentVersion(writeOptions);
      const { client: ssm, sdk } = await client();
      try {
        await ssm.send(new sdk.DeleteParameterCommand({ Name: options.parameter }));
      } catch (error) {
        if ((error as Error).name !== 'ParameterNotFound') throw accessError(name, error);
      }
    },
    setEnabled: (enabled) => setEnabledWithReadWrite(store, enabled),
    async close() {
      if (clientPromise !== undefined) (await clientPromise).client.destroy();
    },
  };
  return store;
}

function accessError(name: string, error: unknown): StoreAccessError {
  if (error instanceof StoreAccessError || error instanceof StoreConflictError)
    return error as StoreAccessError;
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new StoreAccessError(`${name}: ${detail}`, name, { cause: error });
}
