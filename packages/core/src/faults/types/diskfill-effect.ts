import { open, readdir, rm, stat, statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FaultEffect } from '../fault-type.js';
import { diskfillFilePrefix, diskfillTargetBytes } from './diskfill.js';

// The `diskfill` effect, loaded by the fault type's `prepare` (see `diskfill.ts`).

const bytesPerMb = 1024 * 1024;
/** Written per call: big enough to be fast, small enough to stop promptly on abort. */
const chunkBytes = 4 * bytesPerMb;
/** Files older than this are leftovers of a killed instance (no invocation runs longer than 15 minutes). */
const staleAfterMs = 20 * 60 * 1000;

let chunk: Buffer | undefined;
let fileCounter = 0;
const sweptDirectories = new Set<string>();

/** A chunk of non-zero bytes: zero pages could be stored sparsely or compressed by some file systems. */
function fillChunk(): Buffer {
  if (chunk === undefined) {
    chunk = Buffer.allocUnsafe(chunkBytes);
    for (let index = 0; index < chunkBytes; index++) chunk[index] = (index * 31 + 7) % 251 || 1;
  }
  return chunk;
}

/** Removes files a previous, killed instance left behind (a Lambda timeout keeps /tmp for the next instance). */
async function sweepStaleFiles(directory: string, nowMs: number): Promise<void> {
  if (sweptDirectories.has(directory)) return;
  sweptDirectories.add(directory);
  try {
    for (const name of await readdir(directory)) {
      if (!name.startsWith(diskfillFilePrefix)) continue;
      const path = join(directory, name);
      const info = await stat(path).catch(() => undefined);
      if (info !== undefined && nowMs - info.mtimeMs > staleAfterMs) await rm(path, { force: true });
    }
  } catch {
    // Sweeping is best effort; an unreadable directory also makes the fill itself fail open below.
  }
}

/** Bytes available to unprivileged writers in `directory`. */
async function freeBytes(directory: string): Promise<number> {
  const info = await statfs(directory);
  return Number(info.bavail) * Number(info.bsize);
}

/** The effect of one diskfill fault entry: fill before the handler, delete when the invocation ends. */
export function createDiskfillEffect(
  request: { readonly sizeMb: number | undefined; readonly leaveFreeMb: number | undefined },
  directoryOption: string | undefined,
  faultId: string,
): FaultEffect {
  const safeId = faultId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 40);
  return {
    async around(context, next) {
      const directory = directoryOption ?? tmpdir();
      const path = join(
        directory,
        `${diskfillFilePrefix}${safeId}-${process.pid}-${++fileCounter}-${Math.floor(context.random() * 1e9)}`,
      );
      let removed = false;
      const remove = async () => {
        if (removed) return;
        removed = true;
        await rm(path, { force: true });
      };
      context.defer(remove);
      try {
        await sweepStaleFiles(directory, context.clock.now());
        await fill(path, diskfillTargetBytes(request, await freeBytes(directory)), context.signal);
      } catch {
        // Fail open: a fill that cannot start (read-only dir, no statfs) must not break the invocation. Whatever
        // was written stays until the invocation ends, as intended.
      }
      try {
        return await next();
      } finally {
        await remove().catch(() => undefined);
      }
    },
  };
}

async function fill(path: string, targetBytes: number, signal: AbortSignal): Promise<void> {
  if (targetBytes <= 0) return;
  const handle = await open(path, 'wx', 0o600);
  try {
    const data = fillChunk();
    let written = 0;
    while (written < targetBytes && !signal.aborted) {
      const length = Math.min(data.length, targetBytes - written);
      try {
        const { bytesWritten } = await handle.write(data, 0, length, written);
        written += bytesWritten;
      } catch (error) {
        // ENOSPC: the disk is full — which is the point. Anything else: stop, the fill stays partial.
        if ((error as NodeJS.ErrnoException).code === 'ENOSPC') break;
        throw error;
      }
    }
    await handle.sync().catch(() => undefined);
  } finally {
    await handle.close();
  }
}
