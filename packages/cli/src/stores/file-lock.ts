import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { StoreAccessError } from './store.js';

/** Options of {@link withFileLock}. */
export interface FileLockOptions {
  /** How long to wait for another writer's lock before giving up. Default 5 000 ms. */
  readonly waitMs?: number;
  /**
   * Age after which a lock is considered abandoned although its owner cannot be proven dead (a lock taken on
   * another host over a shared file system, or a process id reused since). Default 600 000 ms (10 min).
   */
  readonly staleMs?: number;
}

/** What a lock file holds: who took it, and a token only its owner knows. */
interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly token: string;
  readonly createdAt: number;
}

const defaultWaitMs = 5000;
const defaultStaleMs = 600_000;

/**
 * Runs `action` while holding an exclusive lock on `path` (the file `PATH.lock`, created with `O_CREAT | O_EXCL`,
 * which the operating system creates for exactly one caller). Every writer of the file store takes it around its
 * check-then-rename, so a compare-and-set is atomic among faultline processes: two writers that expect the same
 * version cannot both succeed.
 *
 * A lock left behind by a process that died (same host, process gone) is broken at once; one whose owner cannot be
 * checked (another host) only after `staleMs`. Waiting longer than `waitMs` ends in a {@link StoreAccessError}
 * naming the owner and the lock file.
 *
 * @example
 * ```ts
 * await withFileLock('/tmp/experiment.json', 'file:/tmp/experiment.json', async () => {
 *   // read, compare, write: nobody else writes meanwhile
 * });
 * ```
 */
export async function withFileLock<T>(
  path: string,
  name: string,
  action: () => Promise<T>,
  options: FileLockOptions = {},
): Promise<T> {
  const lockPath = `${path}.lock`;
  const owner: LockOwner = {
    pid: process.pid,
    host: hostname(),
    token: randomBytes(12).toString('hex'),
    createdAt: Date.now(),
  };
  await acquire(lockPath, name, owner, options);
  try {
    return await action();
  } finally {
    await release(lockPath, owner);
  }
}

async function acquire(
  lockPath: string,
  name: string,
  owner: LockOwner,
  options: FileLockOptions,
): Promise<void> {
  const deadline = performance.now() + (options.waitMs ?? defaultWaitMs);
  const staleMs = options.staleMs ?? defaultStaleMs;
  await mkdir(dirname(lockPath), { recursive: true }).catch((error: unknown) => {
    throw new StoreAccessError(`${name}: ${(error as Error).message}`, name, { cause: error });
  });
  let holder: LockOwner | undefined;
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(lockPath, 'wx');
      try {
        await handle.writeFile(JSON.stringify(owner));
      } finally {
        await handle.close();
      }
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new StoreAccessError(`${name}: cannot lock ${lockPath}: ${(error as Error).message}`, name, {
          cause: error,
        });
      }
    }
    holder = await readOwner(lockPath);
    if (holder === undefined ? await isEmptyAndOld(lockPath) : isAbandoned(holder, staleMs)) {
      await breakLock(lockPath, holder?.token);
      continue;
    }
    if (performance.now() >= deadline) {
      const who =
        holder === undefined
          ? 'another writer'
          : `process ${holder.pid} on ${holder.host} since ${new Date(holder.createdAt).toISOString()}`;
      throw new StoreAccessError(
        `${name}: locked by ${who}; retry, or remove ${lockPath} if no faultline command is running`,
        name,
      );
    }
    // Short, jittered waits: a writer holds the lock for one read and one rename.
    await new Promise((resolve) => setTimeout(resolve, Math.min(50, 5 + attempt * 5) + Math.random() * 10));
  }
}

async function readOwner(lockPath: string): Promise<LockOwner | undefined> {
  try {
    const value = JSON.parse(await readFile(lockPath, 'utf8')) as Partial<LockOwner>;
    if (
      typeof value.pid === 'number' &&
      typeof value.host === 'string' &&
      typeof value.token === 'string' &&
      typeof value.createdAt === 'number'
    )
      return value as LockOwner;
  } catch {
    // Gone meanwhile, or being written right now (created, not yet filled): not abandoned, look again.
  }
  return undefined;
}

/** Age after which a lock file nobody filled (its writer died between creating and filling it) is abandoned. */
const unfilledLockMs = 5000;

async function isEmptyAndOld(lockPath: string): Promise<boolean> {
  try {
    const info = await stat(lockPath);
    return Date.now() - info.mtimeMs > unfilledLockMs;
  } catch {
    return false; // Gone: the next attempt takes it.
  }
}

function isAbandoned(holder: LockOwner, staleMs: number): boolean {
  if (Date.now() - holder.createdAt > staleMs) return true;
  if (holder.host !== hostname()) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    // EPERM: the process exists (another user's); only ESRCH proves it is gone.
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Removes an abandoned lock without ever removing a live one: the lock is renamed aside first (one rename wins), and
 * if what was renamed is not the abandoned lock (someone broke it and took a fresh one in between), it is put back.
 */
async function breakLock(lockPath: string, abandonedToken: string | undefined): Promise<void> {
  const aside = `${lockPath}.${randomBytes(6).toString('hex')}.stale`;
  try {
    await rename(lockPath, aside);
  } catch {
    return; // Someone else broke it first.
  }
  const moved = await readOwner(aside);
  if (moved !== undefined && moved.token !== abandonedToken) {
    // A live lock: put it back where its owner expects it (fails only if a third writer locked meanwhile, and
    // then the owner's release finds a foreign token and leaves that lock alone).
    await link(aside, lockPath).catch(() => {});
  }
  await unlink(aside).catch(() => {});
}

async function release(lockPath: string, owner: LockOwner): Promise<void> {
  const current = await readOwner(lockPath);
  if (current?.token === owner.token) await unlink(lockPath).catch(() => {});
}
