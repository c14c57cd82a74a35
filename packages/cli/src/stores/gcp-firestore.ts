import { createModuleLoader } from '@faultline/core/adapter-kit';
import type { Firestore } from '@google-cloud/firestore';
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

/** Options of {@link createFirestoreStore}. */
export interface FirestoreStoreOptions {
  /** Document path `collection/document`, e.g. `faultline/orders`. */
  readonly document: string;
  /** Field holding the experiment JSON text (what the GCP source reads). Default `experiment`. */
  readonly field?: string;
  readonly projectId?: string;
  /** Emulator `host:port`; default: `FIRESTORE_EMULATOR_HOST` (read by the client itself). */
  readonly emulatorHost?: string;
}

// gRPC status codes Firestore answers with when a precondition fails.
const grpcNotFound = 5;
const grpcAlreadyExists = 6;
const grpcFailedPrecondition = 9;

/**
 * A Firestore document as an experiment store. The experiment is kept as JSON text in one field (default
 * `experiment`); the version is the document's `updateTime`. Writes are real compare-and-set: `create()` when you
 * expect no document, `update()` with a `lastUpdateTime` precondition otherwise. The SDK is loaded on first use.
 *
 * @example
 * ```ts
 * const store = createFirestoreStore({ document: 'faultline/orders', projectId: 'my-project' });
 * const current = await store.read();
 * ```
 */
export function createFirestoreStore(options: FirestoreStoreOptions): ExperimentStore {
  const name = `gcp-firestore:${options.document}`;
  const field = options.field ?? 'experiment';
  // Imported and created on first use; a failed import is retried by the next command instead of remembered.
  const sdkClient = createModuleLoader(async () => {
    const sdk = await importPeerSdk(name, '@google-cloud/firestore', () => import('@google-cloud/firestore'));
    const db: Firestore = new sdk.Firestore({
      ...(options.projectId === undefined ? {} : { projectId: options.projectId }),
      ...(options.emulatorHost === undefined ? {} : { host: options.emulatorHost, ssl: false }),
    });
    return { sdk, db };
  });

  if (!/^[^/]+\/[^/]+(\/[^/]+\/[^/]+)*$/.test(options.document)) {
    throw new StoreAccessError(
      `${name}: a document path has an even number of segments, like faultline/orders`,
      name,
    );
  }

  const client = () => sdkClient.load();

  async function reference() {
    const { db } = await client();
    return db.doc(options.document);
  }

  async function read(): Promise<StoredExperiment | undefined> {
    try {
      const snapshot = await (await reference()).get();
      if (!snapshot.exists || snapshot.updateTime === undefined) return undefined;
      const value: unknown = snapshot.get(field);
      if (value === undefined || value === null) return undefined;
      const text = typeof value === 'string' ? value : JSON.stringify(value);
      if (Buffer.byteLength(text) > maxDocumentBytes) {
        throw new StoreAccessError(
          `${name}: the stored experiment is above the ${maxDocumentBytes}-byte cap`,
          name,
        );
      }
      const document = typeof value === 'string' ? await parseStoredText(value) : value;
      return { text, document, version: encodeVersion(snapshot.updateTime) };
    } catch (error) {
      throw accessError(name, error);
    }
  }

  const store: ExperimentStore = {
    kind: 'gcp-firestore',
    name,
    read,
    async write(document, writeOptions) {
      const text = serializeDocument(document);
      const { sdk } = await client();
      const ref = await reference();
      const data = { [field]: text, writtenBy: 'faultline' };
      try {
        if (writeOptions.force) {
          const result = await ref.set(data);
          return { version: encodeVersion(result.writeTime) };
        }
        if (writeOptions.expectedVersion === null) {
          const result = await ref.create(data);
          return { version: encodeVersion(result.writeTime) };
        }
        if (writeOptions.expectedVersion === undefined) assertExpectedVersion(name, writeOptions, undefined);
        const expected = decodeVersion(sdk, writeOptions.expectedVersion as string);
        const result = await ref.update(data, { lastUpdateTime: expected });
        return { version: encodeVersion(result.writeTime) };
      } catch (error) {
        throw await conflictOrAccess(error, writeOptions.expectedVersion);
      }
    },
    async remove(writeOptions) {
      const { sdk } = await client();
      const ref = await reference();
      try {
        if (writeOptions.force) {
          await ref.delete();
          return;
        }
        if (writeOptions.expectedVersion === null || writeOptions.expectedVersion === undefined) {
          const current = await read();
          assertExpectedVersion(name, writeOptions, current?.version);
          return;
        }
        await ref.delete({ lastUpdateTime: decodeVersion(sdk, writeOptions.expectedVersion) });
      } catch (error) {
        throw await conflictOrAccess(error, writeOptions.expectedVersion);
      }
    },
    setEnabled: (enabled) => setEnabledWithReadWrite(store, enabled),
    async close() {
      // A failed load leaves nothing to close.
      await sdkClient.loaded()?.db.terminate();
    },
  };

  async function conflictOrAccess(error: unknown, expected: string | null | undefined): Promise<Error> {
    if (error instanceof StoreConflictError || error instanceof StoreAccessError) return error;
    const code = (error as { code?: unknown }).code;
    if (code === grpcFailedPrecondition || code === grpcAlreadyExists || code === grpcNotFound) {
      const current = await read().catch(() => undefined);
      return versionConflict(name, expected, current?.version ?? null, { cause: error });
    }
    return accessError(name, error);
  }
  return store;
}

interface TimestampLike {
  readonly seconds: number;
  readonly nanoseconds: number;
}

/** `seconds.nanoseconds`: exact, so it can be turned back into the precondition timestamp. */
function encodeVersion(time: TimestampLike): string {
  return `${time.seconds}.${String(time.nanoseconds).padStart(9, '0')}`;
}

function decodeVersion(sdk: typeof import('@google-cloud/firestore'), version: string) {
  const match = /^(\d+)\.(\d{9})$/.exec(version);
  if (match === null) {
    throw new StoreConflictError(`not a Firestore version: ${version}`, 'gcp-firestore', version, undefined);
  }
  return new sdk.Timestamp(Number(match[1]), Number(match[2]));
}

function accessError(name: string, error: unknown): Error {
  if (error instanceof StoreAccessError || error instanceof StoreConflictError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new StoreAccessError(`${name}: ${detail}`, name, { cause: error });
}
