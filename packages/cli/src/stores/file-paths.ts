import { realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

/**
 * True when `path` is `directory` or inside it (both absolute, compared as written: resolve symbolic links first
 * with {@link resolveThroughLinks} when they matter).
 *
 * @example
 * ```ts
 * isInsideDirectory('/work/repo/.faultline/demo.json', '/work/repo'); // true
 * isInsideDirectory('/work/other/x.json', '/work/repo'); // false
 * ```
 */
export function isInsideDirectory(path: string, directory: string): boolean {
  const rest = relative(directory, path);
  return rest === '' || (rest !== '..' && !rest.startsWith(`..${sep}`) && !isAbsolute(rest));
}

/**
 * The real location of `path`: symbolic links in its existing part are followed (`realpath` of the nearest
 * existing ancestor), the part that does not exist yet is appended as written. A link inside the working tree that
 * points elsewhere is therefore judged by where it points.
 */
export async function resolveThroughLinks(path: string): Promise<string> {
  let existing = resolve(path);
  const missing: string[] = [];
  while (true) {
    try {
      return join(await realpath(existing), ...missing.reverse());
    } catch {
      const parent = dirname(existing);
      if (parent === existing) return resolve(path);
      missing.push(existing.slice(parent.length).replace(/^[\\/]+/, ''));
      existing = parent;
    }
  }
}

/** True when the directory of `path` exists (so writing the file creates no directory). */
export async function parentDirectoryExists(path: string): Promise<boolean> {
  try {
    return (await stat(dirname(path))).isDirectory();
  } catch {
    return false;
  }
}

/**
 * True for what faultline writes to a store: a JSON (or YAML) object with `schemaVersion` and `faults`. Anything
 * else at a file store's path belongs to someone else and is never overwritten or removed.
 *
 * @example
 * ```ts
 * isFaultlineDocument({ schemaVersion: 1, id: 'x', faults: [] }); // true
 * isFaultlineDocument({ name: 'my-app', version: '1.0.0' }); // false
 * ```
 */
export function isFaultlineDocument(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.hasOwn(value, 'schemaVersion') &&
    Object.hasOwn(value, 'faults')
  );
}
