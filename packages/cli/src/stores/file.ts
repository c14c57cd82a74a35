import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { withFileLock } from './file-lock.js';
import {
  isFaultlineDocument,
  isInsideDirectory,
  parentDirectoryExists,
  resolveThroughLinks,
} from './file-paths.js';
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
  /** Directories are created only inside this one (default: the current working directory). */
  readonly workingDirectory?: string;
  /** Create missing directories outside {@link FileStoreOptions.workingDirectory} too (`--allow-outside`). */
  readonly allowOutside?: boolean;
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

  /**
   * The compare-and-set check, and the guard that holds even with `force`: what sits at the path must be a
   * faultline document (or nothing, or an empty file), never someone else's file.
   */
  async function check(writeOptions: WriteOptions, action: 'overwrite' | 'remove'): Promise<void> {
    let current: StoredExperiment | undefined;
    try {
      current = await read();
    } catch (error) {
      if (!writeOptions.force) throw error;
      throw new StoreAccessError(
        `${name}: cannot tell what the file holds, so it is not ${action === 'remove' ? 'removed' : 'overwritten'} (${(error as Error).message})`,
        name,
        { cause: error },
      );
    }
    if (current !== undefined && current.text.trim() !== '' && !isFaultlineDocument(current.document)) {
      throw new StoreAccessError(
        `${name}: the file is not a faultline experiment (no schemaVersion and faults), so it is not ${action === 'remove' ? 'removed' : 'overwritten'}, even with --force; choose another path, or move the file away yourself`,
        name,
      );
    }
    if (writeOptions.force) return;
    assertExpectedVersion(name, writeOptions, current?.version);
  }

  /** Creates the file's directory when it is missing, inside the working directory only unless allowed. */
  async function ensureDirectory(): Promise<void> {
    if (await parentDirectoryExists(path)) return;
    if (!options.allowOutside) {
      const root = await resolveThroughLinks(options.workingDirectory ?? process.cwd());
      const target = await resolveThroughLinks(dirname(path));
      if (!isInsideDirectory(target, root)) {
        throw new StoreAccessError(
          `${name}: ${dirname(path)} does not exist, and faultline creates directories only inside the working directory (${root}); create it yourself, or pass --allow-outside`,
          name,
        );
      }
    }
    await mkdir(dirname(path), { recursive: true });
  }

  const store: ExperimentStore = {
    kind: 'file',
    name,
    read,
    async write(document, writeOptions) {
      const text = serializeDocument(document);
      await ensureDirectory();
      return withFileLock(path, name, async () => {
        await check(writeOptions, 'overwrite');
        const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
        try {
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
      // Nothing to remove without its directory; the lock file must not create one either.
      if (!(await parentDirectoryExists(path))) {
        await check(writeOptions, 'remove');
        return;
      }
      await withFileLock(path, name, async () => {
        await check(writeOptions, 'remove');
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
