import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { withFileLock } from './file-lock.js';
import type { ExperimentStore, StoredExperiment, WriteOptions } from './store.js';
import {
  assertExpectedVersion,
  maxDocumentBytes,
  parseStoredText,
  StoreAccessError,
  serializeDocument,
  setEnabledWithReadWrite,
} from './store.js';

/** Options of {@link createFileStore}. */
export interface FileStoreOptions {
  /** Path of the JSON file the functions read (`FAULTLINE_CONFIG_FILE`). */
  readonly path: string;
}

/**
 * A local JSON file as an experiment store. The version is a content hash, so edits by hand are detected too;
 * writes go to a temporary file and are renamed into place, so readers never see half a document. Compare-and-set
 * is atomic among faultline processes: the version check and the rename happen under an exclusive lock file
 * (`PATH.lock`, see `withFileLock`), so of two writers expecting the same version exactly one succeeds. An
 * editor that writes the file by hand takes no lock; its change is still detected by the next compare-and-set.
 *
 * @example
 * ```ts
 * const store = createFileStore({ path: '.faultline/demo.json' });
 * const current = await store.read();
 * await store.write(experiment, { expectedVersion: current?.version ?? null });
 * ```
 */
export function createFileStore(options: FileStoreOptions): ExperimentStore {
  const path = resolve(options.path);
  const name = `file:${options.path}`;

  async function read(): Promise<StoredExperiment | undefined> {
    let buffer: Buffer;
    try {
      buffer = await readFile(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new StoreAccessError(`${name}: ${(error as Error).message}`, name, { cause: error });
    }
    if (buffer.byteLength > maxDocumentBytes) {
      throw new StoreAccessError(
        `${name}: ${buffer.byteLength} bytes is above the ${maxDocumentBytes} cap`,
        name,
      );
    }
    const text = buffer.toString('utf8');
    return { text, document: await parseStoredText(text), version: hashVersion(buffer) };
  }

  async function check(writeOptions: WriteOptions): Promise<void> {
    if (writeOptions.force) return;
    const current = await read();
    assertExpectedVersion(name, writeOptions, current?.version);
  }

  const store: ExperimentStore = {
    kind: 'file',
    name,
    read,
    async write(document, writeOptions) {
      const text = serializeDocument(document);
      return withFileLock(path, name, async () => {
        await check(writeOptions);
        const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
        try {
          await mkdir(dirname(path), { recursive: true });
          await writeFile(temporary, text);
          await rename(temporary, path);
        } catch (error) {
          await rm(temporary, { force: true }).catch(() => {});
          throw new StoreAccessError(`${name}: ${(error as Error).message}`, name, { cause: error });
        }
        return { version: hashVersion(Buffer.from(text)) };
      });
    },
    async remove(writeOptions) {
      await withFileLock(path, name, async () => {
        await check(writeOptions);
        await rm(path, { force: true });
      });
    },
    setEnabled: (enabled) => setEnabledWithReadWrite(store, enabled),
    async close() {},
  };
  return store;
}

function hashVersion(content: Buffer): string {
  return `sha256:${createHash('sha256').update(content).digest('hex').slice(0, 16)}`;
}
