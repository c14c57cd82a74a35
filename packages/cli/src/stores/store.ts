import { FaultlineError, parseExperimentText, type RunStoreKind, runStoreKinds } from '@faultline/core';

/**
 * One interface over every config store the CLI writes to. Each store keeps the experiment as JSON text (what the
 * function-side sources read) and exposes a version token for optimistic concurrency: SSM parameter version,
 * Firestore `updateTime`, App Configuration ETag, or a content hash for files.
 */

/** What a store holds right now. */
export interface StoredExperiment {
  /** The parsed document (`undefined` when the stored text is not JSON). */
  readonly document: unknown;
  /** The stored text, exactly as read. */
  readonly text: string;
  /** Opaque version token; pass it back as `expectedVersion`. */
  readonly version: string;
}

/** Options of {@link ExperimentStore.write}. */
export interface WriteOptions {
  /**
   * The version the caller last saw: the write fails with {@link StoreConflictError} if the store moved since.
   * `null` means "the store must be empty" (create only). `undefined` is only allowed with `force`.
   */
  readonly expectedVersion: string | null | undefined;
  /** Overwrite whatever is stored, without a version check. */
  readonly force?: boolean;
}

/** Result of a write. */
export interface WriteResult {
  readonly version: string;
}

/** Result of {@link ExperimentStore.setEnabled}. */
export interface SetEnabledResult {
  /** `missing` when the store holds no experiment (nothing to switch). */
  readonly outcome: 'changed' | 'unchanged' | 'missing';
  readonly version: string | undefined;
  /**
   * Writes of others that the switch overwrote on a store without compare-and-set (SSM), reported instead of
   * silently lost; the command exits 3 when there are any, although the switch itself took effect.
   */
  readonly lostUpdates?: readonly string[];
}

/** A config store holding one experiment document. */
export interface ExperimentStore {
  /** Kind of store, e.g. `aws-ssm`. */
  readonly kind: StoreKind;
  /** Human-readable address without secrets, e.g. `aws-ssm:/faultline/demo`. */
  readonly name: string;
  /** Reads the stored experiment; `undefined` when the store holds none. */
  read(): Promise<StoredExperiment | undefined>;
  /**
   * Writes `document` as JSON, honouring `expectedVersion` unless `force`. A string is written verbatim (a rollback
   * restores exactly the text that was there, JSON or YAML).
   */
  write(document: object | string, options: WriteOptions): Promise<WriteResult>;
  /** Deletes the stored experiment (only if still at `expectedVersion`, unless `force`). */
  remove(options: WriteOptions): Promise<void>;
  /**
   * Flips the experiment-level `enabled` kill switch with the fewest round trips the store allows (read + conditional
   * write), retrying when a concurrent writer moved the version. No validation: switching off must always work.
   */
  setEnabled(enabled: boolean): Promise<SetEnabledResult>;
  /** Releases SDK clients. */
  close(): Promise<void>;
  /**
   * Resolves `true` once every operation started on this client has settled, including ones the caller stopped
   * waiting for (an operation past its time bound may still land); `false` when `timeoutMs` passed first. Stores
   * built by `withOperationTimeout` (every store `createStore` returns) implement it; a rollback fences on it
   * before reading the store back.
   */
  whenSettled?(timeoutMs: number): Promise<boolean>;
  /**
   * Makes the store itself validate what is written against `schema` (AWS AppConfig: the profile's JSON Schema
   * validator). Only stores that can do so have it (`faultline push --attach-schema`).
   */
  attachSchema?(schema: object | string): Promise<'attached' | 'unchanged'>;
}

/**
 * The kinds of store the CLI writes to: the one list, owned by the experiment format (a run target's
 * `store.kind`), so a kind the file accepts is a kind the CLI can open, and the other way round.
 */
export const storeKinds: typeof runStoreKinds = runStoreKinds;
export type StoreKind = RunStoreKind;

/**
 * The store moved since the caller last saw it (or already exists on create). Exit code 3.
 *
 * @example
 * ```ts
 * await store.write(document, { expectedVersion: seen }).catch((error) => {
 *   if (error instanceof StoreConflictError) console.error(`now at ${error.actualVersion}`);
 * });
 * ```
 */
export class StoreConflictError extends FaultlineError {
  override readonly name: string = 'StoreConflictError';
  constructor(
    message: string,
    readonly store: string,
    readonly expectedVersion: string | null | undefined,
    readonly actualVersion: string | null | undefined,
    options?: ErrorOptions,
  ) {
    super('STORE_CONFLICT', message, options);
  }
}

/**
 * A write landed, but it overwrote versions someone else wrote between our version check and our write: a store
 * without compare-and-set (SSM) cannot prevent this, so it is detected and reported, never silent. Exit code 3
 * (a conflict: look again). The overwritten versions stay in the store's history.
 *
 * @example
 * ```ts
 * await store.write(document, { expectedVersion: '7' }).catch((error) => {
 *   if (error instanceof StoreLostUpdateError) console.error(error.lost.join('\n'));
 * });
 * ```
 */
export class StoreLostUpdateError extends StoreConflictError {
  override readonly name: string = 'StoreLostUpdateError';
  constructor(
    message: string,
    store: string,
    expectedVersion: string,
    /** The version our write created (it is stored now). */
    readonly writtenVersion: string,
    /** One line per overwritten version: which, who wrote it, when, how to get it back. */
    readonly lost: readonly string[],
    options?: ErrorOptions,
  ) {
    super(message, store, expectedVersion, writtenVersion, options);
  }
}

/**
 * The store could not be reached or answered an error. Exit code 4.
 *
 * @example
 * ```ts
 * throw new StoreAccessError('aws-ssm:/x: AccessDeniedException', 'aws-ssm:/x');
 * ```
 */
export class StoreAccessError extends FaultlineError {
  override readonly name = 'StoreAccessError';
  constructor(
    message: string,
    readonly store: string,
    options?: ErrorOptions,
  ) {
    super('STORE_ACCESS_FAILED', message, options);
  }
}

/** Largest experiment document the CLI reads or writes (matches the SDK's config size cap). */
export const maxDocumentBytes = 256 * 1024;

/**
 * Serializes a document the way every store keeps it: stable two-space JSON.
 *
 * @example
 * ```ts
 * const text = serializeDocument({ schemaVersion: 1, id: 'x', faults: [] });
 * ```
 */
export function serializeDocument(document: object | string): string {
  const text = typeof document === 'string' ? document : `${JSON.stringify(document, null, 2)}\n`;
  if (Buffer.byteLength(text) > maxDocumentBytes) {
    throw new FaultlineError(
      'CONFIG_TOO_LARGE',
      `the experiment is ${Buffer.byteLength(text)} bytes; stores accept at most ${maxDocumentBytes}`,
    );
  }
  return text;
}

/**
 * Parses stored text (JSON, else YAML); `undefined` when it is neither. Bounded like the SDK's parser (size, nesting
 * and value count checked before anything is built), so a hostile value in a store cannot stall the CLI either.
 *
 * @example
 * ```ts
 * await parseStoredText('{"id":"x"}'); // { id: 'x' }
 * ```
 */
export async function parseStoredText(text: string): Promise<unknown> {
  // Functions read JSON only, but `off` must still be able to switch off a YAML value someone stored by hand.
  const parsed = await parseExperimentText(text);
  return parsed.ok && typeof parsed.value === 'object' && parsed.value !== null ? parsed.value : undefined;
}

/**
 * Returns a copy of `document` with `enabled` set, or `undefined` when it is not an object.
 *
 * @example
 * ```ts
 * withEnabled({ id: 'x', enabled: true }, false); // { id: 'x', enabled: false }
 * ```
 */
export function withEnabled(document: unknown, enabled: boolean): object | undefined {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) return undefined;
  return { ...(document as Record<string, unknown>), enabled };
}

/**
 * Checks `expectedVersion` against the current one; throws {@link StoreConflictError} on mismatch.
 *
 * @example
 * ```ts
 * assertExpectedVersion('file:x.json', { expectedVersion: '3' }, current?.version);
 * ```
 */
export function assertExpectedVersion(
  store: string,
  options: WriteOptions,
  current: string | undefined,
): void {
  if (options.force) return;
  if (options.expectedVersion === undefined) {
    throw new StoreConflictError(
      `${store}: refusing to write without knowing which version you are replacing`,
      store,
      undefined,
      current ?? null,
    );
  }
  const actual = current ?? null;
  if (options.expectedVersion !== actual) throw versionConflict(store, options.expectedVersion, actual);
}

/**
 * The conflict between the version a write expected and the one the store holds, said the way a person needs it:
 * gone, already there, or newer than what they last saw.
 *
 * @example
 * ```ts
 * throw versionConflict('gcp-firestore:faultline/demo', '3', '5'); // holds version 5, newer than the version 3 …
 * ```
 */
export function versionConflict(
  store: string,
  expected: string | null | undefined,
  actual: string | null,
  options?: ErrorOptions,
): StoreConflictError {
  return new StoreConflictError(
    actual === null
      ? `${store}: the experiment you expected (version ${expected}) is gone`
      : expected === null
        ? `${store}: already holds an experiment (version ${actual})`
        : `${store}: holds version ${actual}, newer than the version ${expected} you last saw`,
    store,
    expected,
    actual,
    options,
  );
}

/**
 * Runs `attempt` until it does not conflict (at most `attempts` times). `off` uses it so a concurrent writer never
 * leaves an experiment switched on.
 *
 * @example
 * ```ts
 * await retryOnConflict(() => store.setEnabled(false));
 * ```
 */
export async function retryOnConflict<T>(attempt: () => Promise<T>, attempts = 5): Promise<T> {
  for (let index = 1; ; index++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof StoreConflictError) || index >= attempts) throw error;
    }
  }
}

/**
 * Shared `setEnabled` for stores whose conditional write is `write(…, {expectedVersion})`.
 *
 * @example
 * ```ts
 * const store: ExperimentStore = { …, setEnabled: (enabled) => setEnabledWithReadWrite(store, enabled) };
 * ```
 */
export async function setEnabledWithReadWrite(
  store: ExperimentStore,
  enabled: boolean,
): Promise<SetEnabledResult> {
  // A lost update is a conflict, so the switch is retried (and then sees its own write); what was overwritten is
  // kept and reported with the result.
  const lostUpdates: string[] = [];
  const result = await retryOnConflict(async (): Promise<SetEnabledResult> => {
    const current = await store.read();
    if (current === undefined) return { outcome: 'missing', version: undefined };
    const source = current.document;
    if (
      typeof source === 'object' &&
      source !== null &&
      (source as { enabled?: unknown }).enabled === enabled
    ) {
      return { outcome: lostUpdates.length === 0 ? 'unchanged' : 'changed', version: current.version };
    }
    const next = withEnabled(source, enabled);
    if (next === undefined) {
      throw new StoreAccessError(
        `${store.name}: the stored experiment is not a JSON object, cannot switch it`,
        store.name,
      );
    }
    try {
      const written = await store.write(next, { expectedVersion: current.version });
      return { outcome: 'changed', version: written.version };
    } catch (error) {
      if (error instanceof StoreLostUpdateError) lostUpdates.push(...error.lost);
      throw error;
    }
  });
  return lostUpdates.length === 0 ? result : { ...result, lostUpdates };
}

/** Default bound on one store operation (the SDKs' own retries can otherwise wait for minutes). */
export const defaultStoreOperationTimeoutMs = 20_000;

/**
 * Bounds every operation of `store`: one that takes longer than `timeoutMs` rejects with a
 * {@link StoreAccessError}, so a dead backend never hangs a run, its rollback or the stop button. (The SDK call may
 * still finish in the background; the caller treats the outcome as unknown.)
 *
 * @example
 * ```ts
 * const store = withOperationTimeout(createSsmStore({ parameter: '/faultline/orders' }), 10_000);
 * ```
 */
export function withOperationTimeout(
  store: ExperimentStore,
  timeoutMs: number = defaultStoreOperationTimeoutMs,
): ExperimentStore {
  // The underlying operations, also those whose caller already got the timeout: a late write can still land, and
  // whenSettled() lets a rollback wait for it instead of concluding too early.
  const underway = new Set<Promise<unknown>>();
  function bounded<T>(operation: string, promise: Promise<T>): Promise<T> {
    underway.add(promise);
    const forget = () => underway.delete(promise);
    promise.then(forget, forget);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new StoreAccessError(
              `${store.name}: ${operation} did not finish within ${timeoutMs} ms`,
              store.name,
            ),
          ),
        timeoutMs,
      );
      timer.unref();
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }
  const wrapped: ExperimentStore = {
    kind: store.kind,
    name: store.name,
    read: () => bounded('read', store.read()),
    write: (document, options) => bounded('write', store.write(document, options)),
    remove: (options) => bounded('remove', store.remove(options)),
    setEnabled: (enabled) => bounded('switch', store.setEnabled(enabled)),
    close: () => bounded('close', store.close()).catch(() => {}),
    whenSettled: (waitMs) => whenAllSettled(underway, waitMs),
  };
  const { attachSchema } = store;
  if (attachSchema !== undefined) {
    wrapped.attachSchema = (schema) => bounded('attach schema', attachSchema.call(store, schema));
  }
  return wrapped;
}

/**
 * Resolves `true` once every promise in `underway` has settled (also ones added while waiting), `false` when
 * `timeoutMs` passed first.
 *
 * @example
 * ```ts
 * const underway = new Set([store.write(document, options)]);
 * if (!(await whenAllSettled(underway, 5000))) console.warn('a write may still land');
 * ```
 */
export async function whenAllSettled(
  underway: ReadonlySet<Promise<unknown>>,
  timeoutMs: number,
): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
    timer.unref();
  });
  try {
    while (underway.size > 0) {
      const all = Promise.allSettled([...underway]).then(() => true as const);
      if ((await Promise.race([all, expired])) === false) return false;
    }
    return true;
  } finally {
    clearTimeout(timer);
  }
}
