import type { ExperimentStore, StoredExperiment, StoreKind } from './store.js';
import {
  assertExpectedVersion,
  StoreAccessError,
  StoreConflictError,
  serializeDocument,
  setEnabledWithReadWrite,
  versionConflict,
} from './store.js';

/**
 * What a store whose service offers compare-and-set on a version token (an ETag, an update time) provides to
 * {@link createCompareAndSetStore}. Every operation but `connect` may throw the service's own errors: they become a
 * {@link StoreConflictError} when `isPreconditionFailure` says so, a {@link StoreAccessError} otherwise.
 */
export interface CompareAndSetService<Connection> {
  readonly kind: StoreKind;
  /** The store's name in messages, e.g. `gcp-firestore:faultline/orders`. */
  readonly name: string;
  /** The SDK client (loaded on first use); its errors (a missing peer SDK) propagate as they are. */
  connect(): Promise<Connection>;
  /** The stored experiment, or `undefined`. */
  read(): Promise<StoredExperiment | undefined>;
  /** Writes `text` whatever is stored (`force`); returns the new version. */
  overwrite(connection: Connection, text: string, document: object | string): Promise<string>;
  /** Writes `text` only where nothing is stored; returns the new version. */
  create(connection: Connection, text: string, document: object | string): Promise<string>;
  /** Writes `text` only while `expectedVersion` is stored; returns the new version. */
  replace(
    connection: Connection,
    text: string,
    document: object | string,
    expectedVersion: string,
  ): Promise<string>;
  /** Deletes whatever is stored (`force`). */
  deleteAny(connection: Connection): Promise<void>;
  /** Deletes only while `expectedVersion` is stored. */
  deleteVersion(connection: Connection, expectedVersion: string): Promise<void>;
  /** Whether the service refused a conditional write or delete because the stored version differs. */
  isPreconditionFailure(error: unknown): boolean;
  close(): Promise<void>;
}

/**
 * An {@link ExperimentStore} over a compare-and-set service: `force` writes unconditionally, an expected version
 * of `null` creates, a version replaces only that version, no version is refused; a refused precondition becomes a
 * {@link StoreConflictError} naming the version the store holds now (read back), any other failure a
 * {@link StoreAccessError}. `setEnabled` is a read plus a conditional write, retried on conflict.
 *
 * @example
 * ```ts
 * return createCompareAndSetStore({ kind: 'gcp-firestore', name, connect, read, overwrite, create, replace,
 *   deleteAny, deleteVersion, isPreconditionFailure: (error) => codeOf(error) === 9, close });
 * ```
 */
export function createCompareAndSetStore<Connection>(
  service: CompareAndSetService<Connection>,
): ExperimentStore {
  const { name } = service;
  const store: ExperimentStore = {
    kind: service.kind,
    name,
    read: () => service.read(),
    async write(document, writeOptions) {
      const text = serializeDocument(document);
      const connection = await service.connect();
      try {
        if (writeOptions.force) return { version: await service.overwrite(connection, text, document) };
        if (writeOptions.expectedVersion === null)
          return { version: await service.create(connection, text, document) };
        if (writeOptions.expectedVersion === undefined) assertExpectedVersion(name, writeOptions, undefined);
        return {
          version: await service.replace(connection, text, document, writeOptions.expectedVersion as string),
        };
      } catch (error) {
        throw await conflictOrAccess(error, writeOptions.expectedVersion);
      }
    },
    async remove(writeOptions) {
      const connection = await service.connect();
      try {
        if (writeOptions.force) {
          await service.deleteAny(connection);
          return;
        }
        if (typeof writeOptions.expectedVersion !== 'string') {
          const current = await service.read();
          assertExpectedVersion(name, writeOptions, current?.version);
          return;
        }
        await service.deleteVersion(connection, writeOptions.expectedVersion);
      } catch (error) {
        throw await conflictOrAccess(error, writeOptions.expectedVersion);
      }
    },
    setEnabled: (enabled) => setEnabledWithReadWrite(store, enabled),
    close: () => service.close(),
  };

  async function conflictOrAccess(error: unknown, expected: string | null | undefined): Promise<Error> {
    if (error instanceof StoreConflictError || error instanceof StoreAccessError) return error;
    if (service.isPreconditionFailure(error)) {
      const current = await service.read().catch(() => undefined);
      return versionConflict(name, expected, current?.version ?? null, { cause: error });
    }
    return storeAccessError(name, error);
  }
  return store;
}

/**
 * A service's error as a {@link StoreAccessError} naming the store, with the first line of the service's message;
 * the store's own errors pass as they are.
 */
export function storeAccessError(name: string, error: unknown): Error {
  if (error instanceof StoreAccessError || error instanceof StoreConflictError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new StoreAccessError(`${name}: ${detail.split('\n')[0]}`, name, { cause: error });
}
