import type { SSMClient } from '@aws-sdk/client-ssm';
import { FaultlineError } from '@faultline/core';
import { createModuleLoader } from '@faultline/core/adapter-kit';
import { importPeerSdk } from './peer-sdk.js';
import type { ExperimentStore, StoredExperiment, WriteOptions } from './store.js';
import {
  assertExpectedVersion,
  maxDocumentBytes,
  parseStoredText,
  StoreAccessError,
  StoreConflictError,
  StoreLostUpdateError,
  setEnabledWithReadWrite,
} from './store.js';

/** Options of {@link createSsmStore}. */
export interface SsmStoreOptions {
  /** Parameter name, e.g. `/faultline/orders`. */
  readonly parameter: string;
  /** Endpoint override, e.g. a local moto server. */
  readonly endpoint?: string;
  readonly region?: string;
  /**
   * Your own SSM client (its region, credentials and middleware apply; `endpoint` and `region` are then ignored).
   * `close()` leaves it open. Default: one created on first use, with the AWS SDK loaded lazily.
   */
  readonly client?: SSMClient;
}

/** Standard-tier parameters hold 4 KB; larger experiments need the advanced tier (chosen automatically). */
const standardTierMaxBytes = 4096;

/**
 * An SSM parameter (type `String`) as an experiment store. The AWS SDK is loaded on first use.
 *
 * What is guaranteed, exactly (SSM has no conditional update; `PutParameter` only refuses to *create* over an
 * existing parameter):
 * - **Create** is atomic: `Overwrite: false` fails if someone created the parameter meanwhile (a conflict).
 * - **Replace** reads the version, refuses when it is not the one you saw, then writes. A write of someone else
 *   that lands between that read and our write is overwritten, and cannot be prevented; but SSM numbers versions
 *   one by one, so our write's version tells exactly how many were overwritten. Every such version is reported as a
 *   {@link StoreLostUpdateError} (exit code 3) naming it, who wrote it and when (`ssm:GetParameterHistory`), and
 *   how to get it back from the parameter history (SSM keeps the last 100 versions).
 * - **Delete** reads the version, then deletes: a write landing in between is deleted with the parameter, history
 *   included, and cannot be detected afterwards. The window is one round trip; `faultline run` reads every store
 *   back after its rollback.
 *
 * @example
 * ```ts
 * const store = createSsmStore({ parameter: '/faultline/orders', endpoint: 'http://127.0.0.1:5000' });
 * await store.setEnabled(false);
 * ```
 */
export function createSsmStore(options: SsmStoreOptions): ExperimentStore {
  const name = `aws-ssm:${options.parameter}`;
  // Imported and created on first use; a failed import is retried by the next command instead of remembered.
  const sdkClient = createModuleLoader(async () => {
    const sdk = await importPeerSdk(name, '@aws-sdk/client-ssm', () => import('@aws-sdk/client-ssm'));
    const client: SSMClient =
      options.client ??
      new sdk.SSMClient({
        ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
        ...(options.region === undefined ? {} : { region: options.region }),
        maxAttempts: 2,
      });
    return { sdk, client };
  });
  const client = () => sdkClient.load();

  /** One line per version in `(after, before)`: who wrote it and when, from the parameter history. */
  async function describeOverwritten(after: number, before: number): Promise<string[]> {
    const versions = Array.from({ length: before - after - 1 }, (_, index) => after + 1 + index);
    const found = new Map<number, { user?: string; date?: Date }>();
    let historyError: string | undefined;
    try {
      const { client: ssm, sdk } = await client();
      let nextToken: string | undefined;
      // The newest versions come last; a handful of pages covers any realistic race.
      for (let page = 0; page < 5; page++) {
        const output = await ssm.send(
          new sdk.GetParameterHistoryCommand({
            Name: options.parameter,
            MaxResults: 50,
            ...(nextToken === undefined ? {} : { NextToken: nextToken }),
          }),
        );
        for (const entry of output.Parameters ?? []) {
          if (entry.Version !== undefined && versions.includes(entry.Version))
            found.set(entry.Version, {
              ...(entry.LastModifiedUser === undefined ? {} : { user: entry.LastModifiedUser }),
              ...(entry.LastModifiedDate === undefined ? {} : { date: entry.LastModifiedDate }),
            });
        }
        nextToken = output.NextToken;
        if (nextToken === undefined || found.size === versions.length) break;
      }
    } catch (error) {
      historyError = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    }
    return versions.map((version) => {
      const entry = found.get(version);
      const who =
        entry === undefined
          ? historyError === undefined
            ? ''
            : ` (author unknown: GetParameterHistory failed: ${historyError})`
          : ` written by ${entry.user ?? 'unknown'}${entry.date === undefined ? '' : ` at ${entry.date.toISOString()}`}`;
      return `version ${version}${who}; get it back with: aws ssm get-parameter --name ${options.parameter}:${version}`;
    });
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
      return { text, document: await parseStoredText(text), version: String(output.Parameter?.Version ?? 0) };
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
        throw new FaultlineError(
          'CONFIG_TOO_LARGE',
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
      if (before !== undefined && version !== undefined && version > Number(before) + 1) {
        // Versions are numbered one by one: everything between the one we checked and ours was written by someone
        // else after our check, and our write replaced it.
        const lost = await describeOverwritten(Number(before), version);
        throw new StoreLostUpdateError(
          `${name}: lost update: our write (now version ${version}) replaced ${lost.length === 1 ? 'a version' : `${lost.length} versions`} someone else wrote after we checked version ${before}: ${lost.join('; ')}. Check the stored experiment with faultline diff`,
          name,
          before,
          String(version),
          lost,
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
      // Only a client this store created, and only once created: a failed load leaves nothing to close.
      if (options.client === undefined) sdkClient.loaded()?.client.destroy();
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
