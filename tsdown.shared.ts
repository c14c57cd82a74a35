import { join } from 'node:path';
import type { UserConfig } from 'tsdown';
import { binaryEntryPointsOf, entryPointsOf, syncManifest } from './scripts/package-exports.mjs';

/**
 * The one build every published package uses: each entry point of its `exports` map (the `source` condition) and
 * each `bin` pre-bundled twice, ESM (`.mjs`) and CommonJS (`.cjs`), with bundled types (`.d.mts`, `.d.cts`).
 *
 * - Few files: an entry point is one file plus the chunks it shares with the package's other entry points; code
 *   the source loads with `import()` (the engine runtime, the experiment pipeline, …) stays a separate chunk that
 *   loads on first use. An unbundled `node_modules` deploy then loads a handful of files at import, not ~90.
 * - Dependencies and peer dependencies (`@faultline/*`, cloud SDKs, `yaml`) stay imports, so one copy of each is
 *   shared with the user's own imports.
 * - Source maps carry their sources (`sourcesContent`), so they resolve without shipping `src/`.
 * - The package's manifest is normalized first (`scripts/package-exports.mjs`): a new subpath needs only its `source`.
 * - A `bin` is built as ESM only (`dist/<name>.mjs`): a command is run, never required, and may use top-level await.
 *
 * @example
 * ```ts
 * // packages/<name>/tsdown.config.ts
 * import { createLibraryBuild } from '../../tsdown.shared.ts';
 * export default createLibraryBuild(import.meta.dirname);
 * ```
 */
export function createLibraryBuild(packageDirectory: string): UserConfig[] {
  const manifest = syncManifest(packageDirectory);
  const absolute = (entries: Record<string, string>) =>
    Object.fromEntries(
      Object.entries(entries).map(([name, source]) => [name, join(packageDirectory, source)]),
    );
  const library = libraryBuild(packageDirectory, absolute(entryPointsOf(manifest)), ['esm', 'cjs']);
  const binaries = binaryEntryPointsOf(manifest);
  if (Object.keys(binaries).length === 0) return [library];
  // The second build must not wipe the first one's output.
  return [
    library,
    { ...libraryBuild(packageDirectory, absolute(binaries), ['esm']), clean: false, dts: false },
  ];
}

function libraryBuild(
  packageDirectory: string,
  entry: Record<string, string>,
  format: NonNullable<UserConfig['format']>,
): UserConfig {
  return {
    cwd: packageDirectory,
    entry,
    format,
    platform: 'node',
    target: 'node20.11',
    outDir: join(packageDirectory, 'dist'),
    clean: true,
    fixedExtension: true,
    hash: false,
    sourcemap: true,
    dts: { tsconfig: join(packageDirectory, 'tsconfig.build.json'), sourcemap: false },
    tsconfig: join(packageDirectory, 'tsconfig.build.json'),
    treeshake: true,
    // `import.meta.url` in the CommonJS build (the CLI reads its own package.json through it).
    shims: true,
    // The packages ship their manifest as written; the checks run on the packed tarball in the release tests.
    exports: false,
    publint: false,
    attw: false,
    report: false,
    logLevel: 'warn',
  };
}
