import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createFileStore,
  type ExperimentStore,
  retryOnConflict,
  StoreAccessError,
  StoreConflictError,
  setEnabledWithReadWrite,
  withOperationTimeout,
} from '../../src/stores/index.js';

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
    const first = await store.write({ id: 'a' }, { expectedVersion: null });
    await store.write({ id: 'b' }, { expectedVersion: first.version });
    await expect(store.write({ id: 'c' }, { expectedVersion: first.version })).rejects.toBeInstanceOf(
      StoreConflictError,
    );
    await expect(store.write({ id: 'c' }, { expectedVersion: null })).rejects.toBeInstanceOf(
      StoreConflictError,
    );
    await expect(store.write({ id: 'c' }, { expectedVersion: undefined })).rejects.toBeInstanceOf(
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
    await inner.write({ id: 'x', enabled: true }, { expectedVersion: null });
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
