import { createModuleLoader } from '@faultline/core/adapter-kit';
import type { Firestore } from '@google-cloud/firestore';
import { createCompareAndSetStore, storeAccessError } from './compare-and-set.js';
import { importPeerSdk } from './peer-sdk.js';
import type { ExperimentStore, StoredExperiment } from './store.js';
import { maxDocumentBytes, parseStoredText, StoreAccessError, StoreConflictError } from './store.js';

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
      throw storeAccessError(name, error);
    }
  }

  return createCompareAndSetStore({
    kind: 'gcp-firestore',
    name,
    async connect() {
      const { sdk } = await client();
      return { sdk, ref: await reference() };
    },
    read,
    async overwrite({ ref }, text) {
      return encodeVersion((await ref.set(dataOf(text))).writeTime);
    },
    async create({ ref }, text) {
      return encodeVersion((await ref.create(dataOf(text))).writeTime);
    },
    async replace({ sdk, ref }, text, _document, expectedVersion) {
      const result = await ref.update(dataOf(text), { lastUpdateTime: decodeVersion(sdk, expectedVersion) });
      return encodeVersion(result.writeTime);
    },
    async deleteAny({ ref }) {
      await ref.delete();
    },
    async deleteVersion({ sdk, ref }, expectedVersion) {
      await ref.delete({ lastUpdateTime: decodeVersion(sdk, expectedVersion) });
    },
    isPreconditionFailure(error) {
      const code = (error as { code?: unknown }).code;
      return code === grpcFailedPrecondition || code === grpcAlreadyExists || code === grpcNotFound;
    },
    async close() {
      // A failed load leaves nothing to close.
      await sdkClient.loaded()?.db.terminate();
    },
  });

  function dataOf(text: string) {
    return { [field]: text, writtenBy: 'faultline' };
  }
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
