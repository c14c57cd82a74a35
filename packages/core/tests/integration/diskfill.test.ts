import { mkdtemp, open, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  diskfillFault,
  diskfillFilePrefix,
  diskfillReserveBytes,
  diskfillTargetBytes,
} from '../../src/faults/types/diskfill.js';
import {
  attributeIssues,
  createEffect,
  createTestFaultContext,
  runAround,
  settle,
} from './interceptors-support.js';

const mb = 1024 * 1024;
let directory: string;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'faultline-diskfill-test-'));
});

afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function ourFiles(): Promise<string[]> {
  return (await readdir(directory)).filter((name) => name.startsWith(diskfillFilePrefix));
}

describe('diskfill', () => {
  it('writes real, non-zero bytes during the invocation and removes them afterwards', async () => {
    const effect = createEffect(diskfillFault, { sizeMb: 6, directory });

    const observed = await runAround(effect, createTestFaultContext({ type: 'diskfill' }), async () => {
      const [name] = await ourFiles();
      const path = join(directory, name as string);
      const info = await stat(path);
      const handle = await open(path, 'r');
      const sample = Buffer.alloc(4096);
      await handle.read(sample, 0, sample.length, 3 * mb);
      await handle.close();
      return {
        size: info.size,
        allocatedBytes: info.blocks * 512,
        zeroBytes: sample.filter((byte) => byte === 0).length,
      };
    });

    expect(observed.size).toBe(6 * mb);
    // Not sparse: the file system really allocated the blocks.
    expect(observed.allocatedBytes).toBeGreaterThanOrEqual(6 * mb);
    expect(observed.zeroBytes).toBe(0);
    expect(await ourFiles()).toEqual([]);
  });

  it('removes the file when the handler throws', async () => {
    const effect = createEffect(diskfillFault, { sizeMb: 1, directory });

    const result = await runAround(effect, createTestFaultContext({ type: 'diskfill' }), async () => {
      const during = await ourFiles();
      return settle(Promise.reject(new Error(`handler failed with ${during.length} file`)));
    });

    expect(result.ok).toBe(false);
    expect((result.ok ? undefined : (result.error as Error))?.message).toBe('handler failed with 1 file');
    expect(await ourFiles()).toEqual([]);
  });

  it('removes the file through the deferred cleanup when the invocation is ended early', async () => {
    const effect = createEffect(diskfillFault, { sizeMb: 1, directory });
    const context = createTestFaultContext({ type: 'diskfill' });
    let entered!: () => void;
    const handlerStarted = new Promise<void>((resolve) => {
      entered = resolve;
    });

    void effect.around?.(context, () => {
      entered();
      return new Promise<never>(() => {});
    });
    await handlerStarted;
    expect(await ourFiles()).toHaveLength(1);
    await context.finish();

    expect(await ourFiles()).toEqual([]);
  });

  it('fails open when the directory does not exist', async () => {
    const effect = createEffect(diskfillFault, { sizeMb: 1, directory: join(directory, 'missing') });

    const result = await runAround(
      effect,
      createTestFaultContext({ type: 'diskfill' }),
      async () => 'handled',
    );

    expect(result).toBe('handled');
  });

  it('sweeps leftovers of a killed instance, but not fresh files', async () => {
    const stale = join(directory, `${diskfillFilePrefix}old-1`);
    const fresh = join(directory, `${diskfillFilePrefix}other-instance-1`);
    await writeFile(stale, 'x');
    await writeFile(fresh, 'x');
    const anHourAgo = new Date(Date.now() - 60 * 60 * 1000);
    await utimes(stale, anHourAgo, anHourAgo);
    const effect = createEffect(diskfillFault, { sizeMb: 1, directory });

    await runAround(effect, createTestFaultContext({ type: 'diskfill' }), async () => undefined);

    expect(await ourFiles()).toEqual([`${diskfillFilePrefix}other-instance-1`]);
  });

  it('never fills beyond the free space minus a reserve', () => {
    expect(diskfillTargetBytes({ sizeMb: 100 }, 1000 * mb)).toBe(100 * mb);
    expect(diskfillTargetBytes({ sizeMb: 5000 }, 1000 * mb)).toBe(1000 * mb - diskfillReserveBytes);
    expect(diskfillTargetBytes({ leaveFreeMb: 50 }, 1000 * mb)).toBe(950 * mb);
    expect(diskfillTargetBytes({ leaveFreeMb: 0 }, 1000 * mb)).toBe(1000 * mb - diskfillReserveBytes);
    expect(diskfillTargetBytes({ leaveFreeMb: 2000 }, 1000 * mb)).toBe(0);
    expect(diskfillTargetBytes({ sizeMb: 10 }, 4 * mb)).toBe(0);
  });

  it('requires exactly one of sizeMb and leaveFreeMb', () => {
    expect(attributeIssues(diskfillFault, {})[0]).toMatchObject({
      path: 'sizeMb',
      message: 'is required (or leaveFreeMb)',
    });
    expect(attributeIssues(diskfillFault, { sizeMb: 1, leaveFreeMb: 1 })[0]?.message).toBe(
      'cannot be combined with leaveFreeMb',
    );
    expect(attributeIssues(diskfillFault, { sizeMb: 20_000 })[0]?.message).toContain(
      'between 1 and 10240 MB',
    );
  });
});
