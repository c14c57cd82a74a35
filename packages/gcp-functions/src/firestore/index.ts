import type { ConfigLoadRequest, ConfigLoadResult, ConfigSource } from '@faultline/core';
import {
  createModuleLoader,
  environmentFlagWords,
  FaultlineError,
  parseEnvironmentFlag,
  rejectOnAbort,
} from '@faultline/core/adapter-kit';

/**
 * The Firestore config source: experiments live in one Firestore document, read through the core cached config
 * (TTL, fetch budget, stale-while-revalidate, fail-open) and, in real-time mode, pushed by an `onSnapshot` listener.
 *
 * Document layout (default field `experiment`):
 * - a string holding the experiment as JSON text (preferred: exactly what `faultline push` wrote,
 *   size-capped before parsing), or
 * - a map holding the experiment object (handy in the console; Firestore timestamps become ISO strings).
 *
 * Deleting the document or the field means "no experiment" (nothing is injected). The document's `updateTime` is
 * the config version reported in events.
 *
 * @packageDocumentation
 */

/**
 * The minimal part of a Firestore `Timestamp` the source reads.
 *
 * @example
 * ```ts
 * const updateTime: FirestoreTimestampLike = { seconds: 1_764_443_110, nanoseconds: 639_123_000 };
 * ```
 */
export interface FirestoreTimestampLike {
  readonly seconds: number;
  readonly nanoseconds: number;
}

/**
 * The minimal part of a Firestore `DocumentSnapshot` the source reads.
 *
 * @example
 * ```ts
 * const snapshot: FirestoreSnapshotLike = await firestore.doc('faultline/orders').get();
 * ```
 */
export interface FirestoreSnapshotLike {
  readonly exists: boolean;
  readonly updateTime?: FirestoreTimestampLike | undefined;
  get(field: string): unknown;
}

/**
 * The minimal part of a Firestore `DocumentReference` the source uses.
 *
 * @example
 * ```ts
 * const document: FirestoreDocumentLike = firestore.doc('faultline/orders');
 * ```
 */
export interface FirestoreDocumentLike {
  get(): Promise<FirestoreSnapshotLike>;
  onSnapshot(onNext: (snapshot: FirestoreSnapshotLike) => void, onError?: (error: Error) => void): () => void;
}

/**
 * The minimal part of a `Firestore` client the source uses; a real `new Firestore()` fits. Declared here so the
 * SDK stays an optional peer dependency that is loaded only when the source is used.
 *
 * @example
 * ```ts
 * import { Firestore } from '@google-cloud/firestore';
 * const firestore: FirestoreLike = new Firestore({ projectId: 'my-project' });
 * ```
 */
export interface FirestoreLike {
  doc(path: string): FirestoreDocumentLike;
}

/**
 * Options for {@link createFirestoreSource}. Every option has a default; an empty object is fine on Cloud Functions.
 *
 * @example
 * ```ts
 * const options: FirestoreSourceOptions = { documentPath: 'faultline/orders', field: 'experiment', realtime: true };
 * ```
 */
export interface FirestoreSourceOptions {
  /**
   * Path of the experiment document, `collection/document` (any even number of segments). Default: the
   * `FAULTLINE_FIRESTORE_DOCUMENT` environment variable.
   */
  readonly documentPath?: string;
  /**
   * A client to use (share yours to reuse its connection). Default: a client created on first use with
   * `projectId`/`databaseId`; on Cloud Functions the project is detected from the runtime.
   */
  readonly firestore?: FirestoreLike;
  /** Project of the document when the source creates the client. Default: detected by the SDK. */
  readonly projectId?: string;
  /** Database of the document when the source creates the client. Default `(default)`. */
  readonly databaseId?: string;
  /** Field holding the experiment (JSON string or map). Default `experiment`. */
  readonly field?: string;
  /**
   * Push mode: an `onSnapshot` listener delivers changes (and the kill switch) to running instances in well under
   * a second; TTL polling stays the fallback. Default: whether `FAULTLINE_FIRESTORE_REALTIME` is on (`1`, `true`, `yes`, `on`; any other word
   * than those and `0`, `false`, `no`, `off` makes `load()` fail with an error naming the variable).
   *
   * Caveat: outside requests Cloud Functions throttles the instance CPU unless "CPU always allocated" is set, so a
   * listener may deliver late on an idle instance; the TTL path still refreshes on the next request.
   */
  readonly realtime?: boolean;
  /** Environment to read `FAULTLINE_FIRESTORE_*` from, once. Default `process.env`. */
  readonly environment?: Readonly<Record<string, string | undefined>>;
}

/**
 * The Firestore source could not read a usable experiment: `code` says why — `INVALID_OPTION` (no or a bad document
 * path), `SDK_MISSING` (`@google-cloud/firestore` is not installed), `CONFIG_DOCUMENT_INVALID` (the field holds
 * something else than an experiment). The cached config reports it as a `config-error` event and fails open; you
 * see it only when calling `load()` yourself.
 *
 * @example
 * ```ts
 * await source.load({ signal, previousVersion: undefined }).catch((error) => {
 *   if (error instanceof FirestoreSourceError) console.error(error.message);
 * });
 * ```
 */
export class FirestoreSourceError extends FaultlineError {
  override readonly name = 'FirestoreSourceError';

  constructor(
    code: 'INVALID_OPTION' | 'SDK_MISSING' | 'CONFIG_DOCUMENT_INVALID',
    message: string,
    options?: { readonly cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/** Default field holding the experiment in the document. */
export const defaultFirestoreField = 'experiment';

/**
 * Creates a config source that reads the experiment from a Firestore document. It never throws on creation: a
 * missing path or SDK is reported by `load()` (and so as an event by the cached config, which fails open).
 *
 * Needs the role `roles/datastore.viewer` (Cloud Datastore Viewer) for the function's service account.
 *
 * @example
 * ```ts
 * import * as functions from '@google-cloud/functions-framework';
 * import { withFaults } from '@faultline/gcp-functions';
 * import { createFirestoreSource } from '@faultline/gcp-functions/firestore';
 *
 * const source = createFirestoreSource({ documentPath: 'faultline/orders', realtime: true });
 *
 * functions.http(
 *   'orders',
 *   withFaults((req, res) => res.json({ ok: true }), { source }),
 * );
 * ```
 */
export function createFirestoreSource(options: FirestoreSourceOptions = {}): ConfigSource {
  const environment = options.environment ?? process.env;
  const documentPath = options.documentPath ?? environment.FAULTLINE_FIRESTORE_DOCUMENT;
  const field = options.field ?? defaultFirestoreField;
  const realtimeFlag = options.realtime ?? parseEnvironmentFlag(environment.FAULTLINE_FIRESTORE_REALTIME);
  const realtime = realtimeFlag === true;
  const settingsProblem =
    describePathProblem(documentPath) ??
    (realtimeFlag === undefined
      ? `FAULTLINE_FIRESTORE_REALTIME=${JSON.stringify(environment.FAULTLINE_FIRESTORE_REALTIME)} is not one of ${environmentFlagWords}; set it to 1 for real-time updates or 0 for TTL polling.`
      : undefined);
  const name = `firestore:${documentPath ?? '(no document path)'}`;

  // The SDK is imported and the client created by the first load; a failed one is retried by the next load.
  const firestoreDocument = createModuleLoader(async () =>
    (await resolveClient(options)).doc(documentPath as string),
  );
  const openDocument = (): Promise<FirestoreDocumentLike> =>
    settingsProblem === undefined && documentPath !== undefined
      ? firestoreDocument.load()
      : Promise.reject(new FirestoreSourceError('INVALID_OPTION', settingsProblem ?? 'no document path'));
  const toResult = (snapshot: FirestoreSnapshotLike, previousVersion: string | undefined): ConfigLoadResult =>
    readSnapshot(snapshot, field, documentPath ?? '', previousVersion);

  const source: ConfigSource = {
    name,
    load: async (request: ConfigLoadRequest) => {
      const document = await rejectOnAbort(openDocument(), request.signal);
      const snapshot = await rejectOnAbort(document.get(), request.signal);
      return toResult(snapshot, request.previousVersion);
    },
  };
  if (!realtime) return source;
  return {
    ...source,
    subscribe: (listener, onError) => {
      let unsubscribe: (() => void) | undefined;
      let closed = false;
      openDocument().then(
        (document) => {
          if (closed) return;
          unsubscribe = document.onSnapshot((snapshot) => {
            // A listener error must not kill the snapshot stream; the cached config sees it through onError.
            try {
              listener(toResult(snapshot, undefined));
            } catch (error) {
              onError(error);
            }
          }, onError);
        },
        (error: unknown) => {
          if (!closed) onError(error);
        },
      );
      return () => {
        closed = true;
        unsubscribe?.();
      };
    },
  };
}

/**
 * Formats a Firestore `updateTime` as the config version: RFC 3339 with nanoseconds, e.g.
 * `2026-11-29T19:05:10.639123456Z`. Two writes never share one (Firestore guarantees distinct update times).
 *
 * @example
 * ```ts
 * formatFirestoreVersion({ seconds: 0, nanoseconds: 5 }); // '1970-01-01T00:00:00.000000005Z'
 * ```
 */
export function formatFirestoreVersion(updateTime: FirestoreTimestampLike): string {
  const whole = new Date(updateTime.seconds * 1000).toISOString().slice(0, 19);
  return `${whole}.${String(updateTime.nanoseconds).padStart(9, '0')}Z`;
}

function readSnapshot(
  snapshot: FirestoreSnapshotLike,
  field: string,
  documentPath: string,
  previousVersion: string | undefined,
): ConfigLoadResult {
  if (!snapshot.exists) return { kind: 'missing' };
  const version = snapshot.updateTime ? formatFirestoreVersion(snapshot.updateTime) : 'unknown';
  if (previousVersion !== undefined && version === previousVersion) return { kind: 'unchanged' };
  const value = snapshot.get(field);
  if (value === undefined || value === null) return { kind: 'missing' };
  if (typeof value === 'string') return { kind: 'document', document: value, version };
  if (typeof value === 'object' && !Array.isArray(value)) {
    return { kind: 'document', document: toPlainValue(value, 0) as object, version };
  }
  throw new FirestoreSourceError(
    'CONFIG_DOCUMENT_INVALID',
    `Field "${field}" of Firestore document ${documentPath} is a ${Array.isArray(value) ? 'array' : typeof value}; ` +
      'store the experiment as a JSON string (preferred) or as a map.',
  );
}

const maximumDepth = 32;

/** Firestore maps may hold timestamps and other SDK objects; experiments are plain JSON. */
function toPlainValue(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth > maximumDepth) {
    throw new FirestoreSourceError(
      'CONFIG_DOCUMENT_INVALID',
      `The experiment map is nested deeper than ${maximumDepth} levels.`,
    );
  }
  if (Array.isArray(value)) return value.map((item) => toPlainValue(item, depth + 1));
  const maybeTimestamp = value as { toDate?: unknown };
  if (typeof maybeTimestamp.toDate === 'function') {
    return (maybeTimestamp.toDate as () => Date).call(value).toISOString();
  }
  const plain: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) plain[key] = toPlainValue(item, depth + 1);
  return plain;
}

function describePathProblem(documentPath: string | undefined): string | undefined {
  if (documentPath === undefined || documentPath === '') {
    return 'No Firestore document path: pass `documentPath` to createFirestoreSource or set FAULTLINE_FIRESTORE_DOCUMENT (e.g. `faultline/orders`).';
  }
  const segments = documentPath.split('/');
  if (segments.length % 2 !== 0 || segments.some((segment) => segment === '')) {
    return `Firestore document path "${documentPath}" must name a document: collection/document (an even number of non-empty segments), e.g. \`faultline/orders\`.`;
  }
  return undefined;
}

async function resolveClient(options: FirestoreSourceOptions): Promise<FirestoreLike> {
  if (options.firestore) return options.firestore;
  let sdk: typeof import('@google-cloud/firestore');
  try {
    // Loaded only when the source is used, so functions that do not read Firestore never pay for the SDK.
    sdk = await import('@google-cloud/firestore');
  } catch (error) {
    throw new FirestoreSourceError(
      'SDK_MISSING',
      'The Firestore source needs the peer dependency @google-cloud/firestore: `npm install @google-cloud/firestore`.',
      { cause: error },
    );
  }
  const settings: { projectId?: string; databaseId?: string } = {};
  if (options.projectId !== undefined) settings.projectId = options.projectId;
  if (options.databaseId !== undefined) settings.databaseId = options.databaseId;
  return new sdk.Firestore(settings) as unknown as FirestoreLike;
}
