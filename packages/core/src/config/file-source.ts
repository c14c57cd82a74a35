import { resolve } from 'node:path';
import { defaultCachedConfigOptions } from './cache-options.js';
import { ConfigDocumentError, ConfigTooLargeError, InvalidConfigOptionError } from './config-errors.js';
import type { ConfigLoadResult, ConfigSource } from './config-source.js';
import { type ConfigDocumentFormat, decodeConfigDocument, formatFromFileName } from './document-format.js';

/**
 * Options of {@link createFileSource}.
 *
 * @example
 * ```ts
 * import { createFileSource, type FileSourceOptions } from '@faultline/core';
 *
 * const options: FileSourceOptions = { format: 'yaml', maxSizeBytes: 64 * 1024 };
 * const source = createFileSource('/opt/faultline/experiment', options);
 * ```
 */
export interface FileSourceOptions {
  /** `json` (the default). `yaml`, or a `.yaml`/`.yml` path, makes every read a config error saying how to store JSON. */
  format?: ConfigDocumentFormat;
  /** Files larger than this are refused without being read. Default 262144 (256 KiB). */
  maxSizeBytes?: number;
}

const missingFileCodes = new Set(['ENOENT', 'ENOTDIR']);

/**
 * A source that reads an experiment from a local JSON file — the default for local runs and tests. A `.yaml`/`.yml`
 * file is refused with a config error (functions read JSON only; `faultline push` writes JSON files). The
 * version is the file's modification time (ns) and size, so a refresh that finds both unchanged answers
 * `unchanged` without reading the file. A missing or empty file is `missing` (no faults). Oversized files are
 * refused before they are read.
 *
 * @example
 * ```ts
 * import { createCachedConfig, createFileSource } from '@faultline/core';
 *
 * const source = createFileSource('.faultline/demo.json');
 * const config = createCachedConfig(source, { ttlMs: 2_000, parse: (document) => document });
 * console.log((await config.get())?.version); // e.g. "1732900000123456789:812"
 * ```
 */
export function createFileSource(path: string, options: FileSourceOptions = {}): ConfigSource {
  const absolutePath = resolve(path);
  const name = `file:${absolutePath}`;
  const format = options.format ?? formatFromFileName(absolutePath);
  const maxSizeBytes = options.maxSizeBytes ?? defaultCachedConfigOptions.maxSizeBytes;

  return {
    name,
    async load({ signal, previousVersion }): Promise<ConfigLoadResult> {
      // Like every source: never thrown at creation, so a bad setting cannot crash a function's initialisation.
      if (!(maxSizeBytes >= 0))
        throw new InvalidConfigOptionError('maxSizeBytes', maxSizeBytes, 'a number ≥ 0');
      signal.throwIfAborted();
      // Loaded on the first read: `node:fs` is not free for a cold process that may never read a file.
      const { constants, promises } = await import('node:fs');
      let handle: Awaited<ReturnType<typeof promises.open>>;
      try {
        // Non-blocking, so a FIFO or device at the path cannot park a thread-pool thread until someone writes.
        handle = await promises.open(absolutePath, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
      } catch (error) {
        if (missingFileCodes.has((error as NodeJS.ErrnoException).code ?? '')) return { kind: 'missing' };
        throw error;
      }
      try {
        // Stat the open handle (not the path) so the version describes exactly the bytes we read.
        const stats = await handle.stat({ bigint: true });
        if (!stats.isFile()) throw new ConfigDocumentError(`${name} is not a regular file`);
        const version = `${stats.mtimeNs}:${stats.size}`;
        if (version === previousVersion) return { kind: 'unchanged' };
        if (stats.size > BigInt(maxSizeBytes)) {
          throw new ConfigTooLargeError(name, Number(stats.size), maxSizeBytes);
        }
        signal.throwIfAborted();
        const text = await handle.readFile({ encoding: 'utf8', signal });
        if (text.trim() === '') return { kind: 'missing' };
        const value = await decodeConfigDocument(text, { format, sourceName: name, maxSizeBytes });
        if (value === null || value === undefined) return { kind: 'missing' };
        if (typeof value !== 'object') {
          throw new ConfigDocumentError(
            `${name} must contain an object (the experiment), got ${typeof value}; check the file's top level`,
          );
        }
        return { kind: 'document', document: value, version };
      } finally {
        await handle.close().catch(() => {});
      }
    },
  };
}
