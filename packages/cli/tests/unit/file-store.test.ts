import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withFileLock } from '../../src/stores/file-lock.js';
import {
  createFileStore,
  type ExperimentStore,
  retryOnConflict,
  StoreAccessError,
  StoreConflictError,
  setEnabledWithReadWrite,
  withOperationTimeout,
} from '../../src/stores/index.js';

/** A faultline-shaped document: the file store overwrites nothing else. */
function experiment(id: string): Record<string, unknown> {
  return { schemaVersion: 1, id, faults: [] };
}

async function temporaryFile(name: string): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), 'faultline-store-')), name);
}

describe('the file store', () => {
  it('switches a YAML experiment off (functions accept YAML, so the stop button must too)', async () => {
    // Prepare
    const path = await temporaryFile('experiment.yaml');
    await writeFile(path, 'schemaVersion: 1\nid: yaml-experiment\nenabled: true\nfaults: []\n');
    const store = createFileStore({ path });

    // Act
    const result = await store.setEnabled(false);

    // Assess
    expect(result.outcome).toBe('changed');
    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ id: 'yaml-experiment', enabled: false });
  });

  it('writes text verbatim, so a rollback restores exactly what was there', async () => {
    const path = await temporaryFile('experiment.json');
    const store = createFileStore({ path });
    const text = '# comment kept\nschemaVersion: 1\nid: x\nfaults: []\n';
    await store.write(text, { expectedVersion: null });
    expect(await readFile(path, 'utf8')).toBe(text);
  });

  it('refuses a stale expected version and a create over an existing file', async () => {
    const path = await temporaryFile('experiment.json');
    const store = createFileStore({ path });
    const first = await store.write(experiment('a'), { expectedVersion: null });
    await store.write(experiment('b'), { expectedVersion: first.version });
    await expect(store.write(experiment('c'), { expectedVersion: first.version })).rejects.toBeInstanceOf(
      StoreConflictError,
    );
    await expect(store.write(experiment('c'), { expectedVersion: null })).rejects.toBeInstanceOf(
      StoreConflictError,
    );
    await expect(store.write(experiment('c'), { expectedVersion: undefined })).rejects.toBeInstanceOf(
      StoreConflictError,
    );
  });
});

describe('bounded store operations', () => {
  it('rejects with a StoreAccessError instead of hanging when a backend never answers', async () => {
    // Prepare: a store whose every call hangs
    const hanging: ExperimentStore = {
      kind: 'file',
      name: 'file:hanging',
      read: () => new Promise(() => {}),
      write: () => new Promise(() => {}),
      remove: () => new Promise(() => {}),
      setEnabled: () => new Promise(() => {}),
      close: () => new Promise(() => {}),
    };
    const store = withOperationTimeout(hanging, 50);

    // Act / Assess
    await expect(store.read()).rejects.toMatchObject({
      name: 'StoreAccessError',
      message: 'file:hanging: read did not finish within 50 ms',
    });
    await expect(store.setEnabled(false)).rejects.toBeInstanceOf(StoreAccessError);
    await expect(store.close()).resolves.toBeUndefined();
  });
});

describe('switching off under concurrent writes', () => {
  it('retries when another writer moves the version between the read and the write', async () => {
    // Prepare: a store whose first two conditional writes lose the race
    const path = await temporaryFile('experiment.json');
    const inner = createFileStore({ path });
    await inner.write({ ...experiment('x'), enabled: true }, { expectedVersion: null });
    let races = 2;
    const store: ExperimentStore = {
      ...inner,
      async write(document, options) {
        if (races-- > 0) throw new StoreConflictError('moved', inner.name, options.expectedVersion, 'other');
        return inner.write(document, options);
      },
      setEnabled: (enabled) => setEnabledWithReadWrite(store, enabled),
    };

    // Act
    const result = await store.setEnabled(false);

    // Assess
    expect(result.outcome).toBe('changed');
    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ enabled: false });
  });

  it('gives up after the last attempt with the conflict', async () => {
    let calls = 0;
    await expect(
      retryOnConflict(async () => {
        calls++;
        throw new StoreConflictError('moved', 'file:x', '1', '2');
      }, 3),
    ).rejects.toBeInstanceOf(StoreConflictError);
    expect(calls).toBe(3);
  });
});

describe('compare-and-set on the file store is atomic', () => {
  it('lets exactly one of twenty concurrent writers expecting the same version win', async () => {
    // Prepare: twenty clients of the same file, all having read version v1
    const path = await temporaryFile('experiment.json');
    const first = await createFileStore({ path }).write(experiment('v1'), { expectedVersion: null });

    // Act
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, index) =>
        createFileStore({ path }).write(experiment(`writer-${index}`), { expectedVersion: first.version }),
      ),
    );

    // Assess: one winner, whose document is the one stored; every other writer got a conflict
    const winners = results.flatMap((result, index) => (result.status === 'fulfilled' ? [index] : []));
    expect(winners).toHaveLength(1);
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual(experiment(`writer-${winners[0]}`));
    for (const result of results)
      if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(StoreConflictError);
    expect((await readdir(resolve(path, '..'))).sort()).toEqual(['experiment.json']);
  });

  it('loses no update when four processes increment a counter through compare-and-set at the same time', async () => {
    // Prepare: four processes that load the store, say "ready", and on "go" each add 1 to a stored counter 25
    // times (read, then write count + 1 expecting the version read; on a conflict, read again)
    const path = await temporaryFile('counter.json');
    await createFileStore({ path }).write({ ...experiment('counter'), count: 0 }, { expectedVersion: null });
    const storeModule = resolve(import.meta.dirname, '../../src/stores/file.ts');
    const script = `
      const { createFileStore } = await import(${JSON.stringify(storeModule)});
      const [path, writer] = process.argv.slice(1);
      const store = createFileStore({ path });
      process.stdout.write('ready\\n');
      process.stdin.once('data', async () => {
        let conflicts = 0;
        for (let increment = 0; increment < 25; increment++) {
          for (;;) {
            const current = await store.read();
            try {
              await store.write({ ...current.document, count: current.document.count + 1, by: writer }, { expectedVersion: current.version });
              break;
            } catch (error) {
              if (error.name !== 'StoreConflictError') throw error;
              conflicts++;
            }
          }
        }
        process.stdout.write(conflicts + '\\n');
        process.stdin.destroy();
      });`;
    const writers = Array.from({ length: 4 }, (_, index) =>
      startNode(['--import', 'tsx', '--input-type=module', '-e', script, path, `writer-${index}`]),
    );
    await Promise.all(writers.map((writer) => writer.ready));

    // Act
    for (const writer of writers) writer.go();
    const conflicts = (await Promise.all(writers.map((writer) => writer.result))).map(Number);

    // Assess: every one of the 100 increments is in the file, none overwritten by another writer
    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ count: 100 });
    // Not vacuous: the writers really raced (some compare-and-sets lost and were retried).
    expect(conflicts.reduce((sum, count) => sum + count, 0)).toBeGreaterThan(0);
  });

  it('breaks a lock left by a process that died, and waits for a live one, then names its owner', async () => {
    // Prepare: a lock whose owner process no longer exists
    const path = await temporaryFile('experiment.json');
    const dead = spawn(process.execPath, ['-e', '']);
    const deadPid = await new Promise<number>((done) => dead.on('exit', () => done(dead.pid ?? 0)));
    await writeFile(
      `${path}.lock`,
      JSON.stringify({ pid: deadPid, host: hostname(), token: 'dead', createdAt: Date.now() }),
    );

    // Act / Assess: the abandoned lock does not block a write
    const store = createFileStore({ path });
    await expect(store.write(experiment('after-crash'), { expectedVersion: null })).resolves.toBeDefined();

    // Act / Assess: a live lock (this process holds it) makes another writer wait, then fail with its owner named
    await withFileLock(path, 'file:x', async () => {
      await expect(withFileLock(path, 'file:x', async () => 'never', { waitMs: 150 })).rejects.toMatchObject({
        name: 'StoreAccessError',
        message: expect.stringMatching(
          new RegExp(`locked by process ${process.pid} on .* remove .*experiment\\.json\\.lock`),
        ),
      });
    });
    // Released: the next writer goes through.
    await expect(withFileLock(path, 'file:x', async () => 'done')).resolves.toBe('done');
  });
});

/** A node child process that prints `ready`, then its result after it gets a line on stdin. */
function startNode(args: string[]) {
  const child = spawn(process.execPath, ['--conditions=source', ...args], {
    cwd: resolve(import.meta.dirname, '../..'),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let onReady: () => void = () => {};
  const ready = new Promise<void>((done) => {
    onReady = done;
  });
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (stdout.startsWith('ready\n')) onReady();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const result = new Promise<string>((done, fail) => {
    child.on('error', fail);
    child.on('exit', (code) =>
      code === 0
        ? done(stdout.replace('ready\n', '').trim())
        : fail(new Error(`node exited ${code}: ${stderr}`)),
    );
  });
  return { ready, result, go: () => child.stdin.write('go\n') };
}
