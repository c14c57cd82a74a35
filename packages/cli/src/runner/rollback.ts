import {
  type ExperimentStore,
  StoreConflictError,
  type StoredExperiment,
  whenAllSettled,
  withEnabled,
} from '../stores/index.js';

/**
 * What a store was found holding when it was read back after the rollback. The journal reports this, not what the
 * rollback meant to do.
 *
 * - `empty`: no experiment stored.
 * - `previous`: exactly what the store held before the run (same version or same text).
 * - `ours`: the experiment this run pushed (a version it wrote, or a document with its id), `enabled` says whether
 *   its faults are on.
 * - `foreign`: someone else's experiment, written during the run; left as it is.
 * - `unreadable`: the read failed; the state is unknown, so it counts as unsafe.
 */
export type ReadBackState = 'empty' | 'previous' | 'ours' | 'foreign' | 'unreadable';

/** The store's final state as read back. */
export interface ReadBack {
  readonly state: ReadBackState;
  readonly version?: string;
  readonly id?: string;
  readonly enabled?: boolean;
  /** Why the read failed (`unreadable`). */
  readonly error?: string;
}

/** The rollback of one store, as the journal records it. */
export interface RollbackRecord {
  /** What was done, in words: `removed the experiment we created`, `switched off (restore failed)`, … */
  readonly action: string;
  /** True only when the read-back shows none of this run's faults enabled and no write of ours can still land. */
  readonly ok: boolean;
  readonly detail?: string;
  /** The store's state read back after the rollback. */
  readonly verified: ReadBack;
}

/** Everything the rollback of one store needs to know about the run. */
export interface RollbackInput {
  readonly store: ExperimentStore;
  /** What the store held before the run (`undefined`: it was empty). */
  readonly previous: StoredExperiment | undefined;
  /** The id of the experiment the run pushed. */
  readonly experimentId: string;
  /** Every version this run wrote to the store (pushes, ramp steps, switch-offs). */
  readonly writtenVersions: ReadonlySet<string>;
  /**
   * Settles once every store operation this run started has settled, including ones it stopped waiting for;
   * resolves `false` when they did not settle in time (a write may still land).
   */
  readonly fence: () => Promise<boolean>;
}

/** Conditional writes retried when the store moves under the rollback (a late write of ours, a concurrent writer). */
const rollbackAttempts = 5;

/**
 * Rolls one store back to what it held before the run, then proves it by reading the store back.
 *
 * Order: wait for every write the run started (the fence) → read → restore the previous text or remove ours with
 * a compare-and-set on what was read (retried when the store moves) → if that fails, switch ours off → read back
 * and classify. Never throws: every failure ends up in the record, and an unknown state is reported as not ok.
 *
 * @example
 * ```ts
 * const record = await rollBackStore({ store, previous, experimentId: 'checkout', writtenVersions, fence });
 * if (!record.ok) console.error(`${store.name}: ${record.action} (${record.verified.state})`);
 * ```
 */
export async function rollBackStore(input: RollbackInput): Promise<RollbackRecord> {
  const { store, previous } = input;
  const settled = await input.fence().catch(() => false);
  const problems: string[] = [];
  let action = 'nothing to roll back (the store holds what it held before)';

  for (let attempt = 1; attempt <= rollbackAttempts; attempt++) {
    let current: StoredExperiment | undefined;
    try {
      current = await store.read();
    } catch (error) {
      problems.push(`read: ${messageOf(error)}`);
      break;
    }
    const state = classify(input, current);
    if (state.state !== 'ours' || current === undefined) {
      if (state.state === 'empty' && previous !== undefined)
        action = `the store is empty: the previous experiment (version ${previous.version}) was removed during the run and is not restored`;
      else if (state.state === 'foreign')
        action = `left as is: someone else wrote "${state.id ?? '?'}" (version ${state.version}) during the run`;
      break;
    }
    try {
      if (previous === undefined) {
        await store.remove({ expectedVersion: current.version });
        action = 'removed the experiment we created';
      } else {
        // The exact text that was there (JSON or YAML), not a re-serialization.
        const restored = await store.write(previous.text, { expectedVersion: current.version });
        action = `restored the previous experiment (now version ${restored.version})`;
      }
      // Loop: the read at the top of the next attempt checks that it took effect.
    } catch (error) {
      if (error instanceof StoreConflictError) {
        problems.push(`restore conflicted: ${error.message}`);
        continue;
      }
      problems.push(`restore failed: ${messageOf(error)}`);
      break;
    }
  }

  let verified = await readBack(input);
  if (verified.state === 'ours' && verified.enabled !== false) {
    // The restore did not take: never leave our faults on.
    try {
      const result = await switchOff(store);
      action = `switched off (restore failed): enabled=false (${result})`;
    } catch (error) {
      problems.push(`off: ${messageOf(error)}`);
    }
    verified = await readBack(input);
  }

  const safe =
    verified.state === 'empty' ||
    verified.state === 'previous' ||
    verified.state === 'foreign' ||
    (verified.state === 'ours' && verified.enabled === false);
  if (!settled) {
    problems.unshift(
      'a write to this store did not settle in time and may still land: check it with faultline status, and switch it off with faultline off',
    );
  }
  const ok = safe && settled;
  return {
    action: ok
      ? action
      : verified.state === 'unreadable'
        ? 'UNKNOWN (could not read the store back)'
        : 'FAILED',
    ok,
    ...(problems.length === 0 ? {} : { detail: problems.join('; ') }),
    verified,
  };
}

async function switchOff(store: ExperimentStore): Promise<string> {
  const result = await store.setEnabled(false);
  return result.outcome;
}

async function readBack(input: RollbackInput): Promise<ReadBack> {
  try {
    return classify(input, await input.store.read());
  } catch (error) {
    return { state: 'unreadable', error: messageOf(error) };
  }
}

function classify(input: RollbackInput, current: StoredExperiment | undefined): ReadBack {
  if (current === undefined) return { state: 'empty' };
  const document = current.document;
  const fields =
    typeof document === 'object' && document !== null && !Array.isArray(document)
      ? (document as { id?: unknown; enabled?: unknown })
      : {};
  const id = typeof fields.id === 'string' ? fields.id : undefined;
  // Functions treat a missing `enabled` as on.
  const enabled = withEnabled(document, true) === undefined ? undefined : fields.enabled !== false;
  const described = {
    version: current.version,
    ...(id === undefined ? {} : { id }),
    ...(enabled === undefined ? {} : { enabled }),
  };
  const { previous } = input;
  if (previous !== undefined && (current.version === previous.version || current.text === previous.text))
    return { state: 'previous', ...described };
  if (input.writtenVersions.has(current.version) || (id !== undefined && id === input.experimentId))
    return { state: 'ours', ...described };
  return { state: 'foreign', ...described };
}

/**
 * The read-back in words, for progress lines and the journal: `empty`, `previous (version 7)`,
 * `ours, ENABLED (version 9)`.
 *
 * @example
 * ```ts
 * describeReadBack({ state: 'ours', version: '9', enabled: false }); // 'ours, disabled (version 9)'
 * ```
 */
export function describeReadBack(readBack: ReadBack): string {
  const version = readBack.version === undefined ? '' : ` (version ${readBack.version})`;
  switch (readBack.state) {
    case 'empty':
      return 'empty';
    case 'previous':
      return `the previous experiment${version}`;
    case 'ours':
      return `our experiment, ${readBack.enabled === false ? 'disabled' : 'ENABLED'}${version}`;
    case 'foreign':
      return `someone else's experiment "${readBack.id ?? '?'}", ${readBack.enabled === false ? 'disabled' : 'enabled'}${version}`;
    case 'unreadable':
      return `unreadable: ${readBack.error ?? 'unknown error'}`;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A store whose operations are counted, so a rollback can wait for every one of them. */
export interface TrackedStore extends ExperimentStore {
  /**
   * Resolves once every operation started through this wrapper has settled and the store reports that its own
   * background operations settled too; `false` when that took longer than `timeoutMs`.
   */
  whenSettled(timeoutMs: number): Promise<boolean>;
}

/**
 * Wraps `store` so every operation is tracked: the run's rollback fences on {@link TrackedStore.whenSettled} and
 * cannot conclude anything while a write it started is still in flight.
 *
 * @example
 * ```ts
 * const store = trackOperations(createStore(coordinates));
 * await store.whenSettled(20_000); // true once nothing is in flight
 * ```
 */
export function trackOperations(store: ExperimentStore): TrackedStore {
  const inFlight = new Set<Promise<unknown>>();
  function track<T>(promise: Promise<T>): Promise<T> {
    inFlight.add(promise);
    const forget = () => inFlight.delete(promise);
    promise.then(forget, forget);
    return promise;
  }
  return {
    kind: store.kind,
    name: store.name,
    read: () => track(store.read()),
    write: (document, options) => track(store.write(document, options)),
    remove: (options) => track(store.remove(options)),
    setEnabled: (enabled) => track(store.setEnabled(enabled)),
    close: () => store.close(),
    whenSettled: settle,
  };

  async function settle(timeoutMs: number): Promise<boolean> {
    const startedAt = performance.now();
    if (!(await whenAllSettled(inFlight, timeoutMs))) return false;
    if (store.whenSettled === undefined) return true;
    return store.whenSettled(Math.max(0, timeoutMs - (performance.now() - startedAt)));
  }
}
