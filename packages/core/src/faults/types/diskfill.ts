import { open, readdir, rm, stat, statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as s from '../../schema/schema-builders.js';
import { defineFaultType } from '../fault-type.js';

/** Every file this fault writes starts with this, so leftovers are recognizable (and swept). */
export const diskfillFilePrefix = 'faultline-diskfill-';

const bytesPerMb = 1024 * 1024;
/** Written per call: big enough to be fast, small enough to stop promptly on abort. */
const chunkBytes = 4 * bytesPerMb;
/** Never fill the last few MB: the runtime itself (logs, extensions) must still be able to write. */
export const diskfillReserveBytes = 8 * bytesPerMb;
/** The largest fill one fault may ask for: 10 GB, Lambda's largest ephemeral storage. */
const maxSizeMb = 10_240;
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

/** How many bytes to write: the requested size or "all but N MB", never more than what is free minus a reserve. */
export function diskfillTargetBytes(
  request: { readonly sizeMb?: number | undefined; readonly leaveFreeMb?: number | undefined },
  availableBytes: number,
): number {
  const fillable = Math.max(0, availableBytes - diskfillReserveBytes);
  const wanted =
    request.sizeMb !== undefined
      ? request.sizeMb * bytesPerMb
      : Math.max(0, availableBytes - (request.leaveFreeMb ?? 0) * bytesPerMb);
  return Math.floor(Math.min(wanted, fillable));
}

/**
 * `diskfill` (around the handler): fills the function's temp directory with real bytes (no sparse file) — `sizeMb`
 * MB, or everything but `leaveFreeMb` MB — before the handler runs, and deletes the file when the invocation ends,
 * also when the handler throws or times out. The fill is capped to the free space minus an 8 MB reserve, so the
 * runtime can still write logs. Files are named `faultline-diskfill-*`; leftovers of a killed instance older than
 * 20 minutes are swept the next time the fault runs in that directory.
 *
 * @example
 * ```yaml
 * faults:
 *   - id: tmp-almost-full
 *     type: diskfill
 *     scope: process
 *     probability: 0.05
 *     leaveFreeMb: 5
 * ```
 */
export const diskfillFault = defineFaultType({
  type: 'diskfill',
  summary: 'Fills the temp directory with real bytes for the invocation, then deletes them.',
  phase: 'around',
  reach: 'process',
  attributes: s.object(
    {
      sizeMb: s.optional(
        s.number({
          minimum: 1,
          maximum: maxSizeMb,
          unit: 'MB',
          description: 'MB to write (capped to free space).',
        }),
      ),
      leaveFreeMb: s.optional(
        s.number({
          minimum: 0,
          maximum: maxSizeMb,
          unit: 'MB',
          description: 'Fill until only this many MB are free.',
        }),
      ),
      directory: s.optional(
        s.string({
          minLength: 1,
          maxLength: 1024,
          description: 'Directory to fill (default: the OS temp dir).',
        }),
      ),
    },
    {
      refine: (value: { sizeMb?: number; leaveFreeMb?: number }, path, issues) => {
        const at = (key: string) => (path === '' ? key : `${path}.${key}`);
        if ((value.sizeMb === undefined) === (value.leaveFreeMb === undefined)) {
          issues.push({
            path: at('sizeMb'),
            message:
              value.sizeMb === undefined
                ? 'is required (or leaveFreeMb)'
                : 'cannot be combined with leaveFreeMb',
            hint: 'use sizeMb: 400 to write 400 MB, or leaveFreeMb: 5 to leave only 5 MB free',
          });
        }
      },
    },
  ),
  create(attributes, fault) {
    const request = { sizeMb: attributes.sizeMb, leaveFreeMb: attributes.leaveFreeMb };
    const safeId = fault.id.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 40);
    return {
      async around(context, next) {
        const directory = attributes.directory ?? tmpdir();
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
  },
});

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
