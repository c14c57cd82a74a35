import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * Remembers, per store, the version you last looked at (`diff`, `status`, `push`), like a lock file. `push`
 * replaces a stored experiment only if the store is still at that version, so a change someone else made after
 * you looked is never overwritten by accident (use `--force` or `--expected-version` deliberately).
 */
export interface SeenVersions {
  get(store: string): string | null | undefined;
  set(store: string, version: string | null): void;
  save(): Promise<void>;
}

/** Default location, relative to the working directory (git-ignored: `.faultline/`). */
export const defaultSeenVersionsPath = join('.faultline', 'cli-state.json');

/**
 * Loads the seen-versions file (missing or broken ⇒ empty).
 *
 * @example
 * ```ts
 * const seen = await loadSeenVersions('.faultline/cli-state.json');
 * seen.set('aws-ssm:/faultline/demo', '3');
 * await seen.save();
 * ```
 */
export async function loadSeenVersions(path: string = defaultSeenVersionsPath): Promise<SeenVersions> {
  let versions: Record<string, string | null> = {};
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as { seen?: Record<string, string | null> };
    if (parsed.seen !== undefined && typeof parsed.seen === 'object') versions = { ...parsed.seen };
  } catch {
    // A missing or unreadable state file only means we have not seen anything yet.
  }
  let dirty = false;
  return {
    get: (store) => (Object.hasOwn(versions, store) ? versions[store] : undefined),
    set(store, version) {
      if (versions[store] === version) return;
      versions[store] = version;
      dirty = true;
    },
    async save() {
      if (!dirty) return;
      await mkdir(dirname(path), { recursive: true });
      const temporary = `${path}.${process.pid}.tmp`;
      await writeFile(temporary, `${JSON.stringify({ seen: versions }, null, 2)}\n`);
      await rename(temporary, path);
      dirty = false;
    },
  };
}
