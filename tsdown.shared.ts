import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
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
 * - What a function loads at import is one chunk: every module the cold-start entry (`coldStartEntry`, by default
 *   the package's main entry) imports statically is grouped into `dist/<entry>-eager.mjs`, which the other entry
 *   points and the lazy chunks import in turn. Without it the bundler splits those modules by which entries share
 *   them (into nine chunks for `@faultline/core/adapter-kit`), and an unbundled cold import pays every file (about
 *   0.5 ms each in a fresh Node 20 process) and every `@faultline/core/adapter-kit` resolution from a different
 *   file (about 0.9 ms each).
 *
 * @example
 * ```ts
 * // packages/<name>/tsdown.config.ts
 * import { createLibraryBuild } from '../../tsdown.shared.ts';
 * export default createLibraryBuild(import.meta.dirname);
 * ```
 */
export function createLibraryBuild(
  packageDirectory: string,
  options: LibraryBuildOptions = {},
): UserConfig[] {
  const manifest = syncManifest(packageDirectory);
  const absolute = (entries: Record<string, string>) =>
    Object.fromEntries(
      Object.entries(entries).map(([name, source]) => [name, join(packageDirectory, source)]),
    );
  const entries = entryPointsOf(manifest);
  const coldStartEntry = options.coldStartEntry ?? 'index';
  const coldStartSource = entries[coldStartEntry];
  const library = libraryBuild(packageDirectory, absolute(entries), ['esm', 'cjs']);
  if (coldStartSource !== undefined) {
    const eager = staticImportClosure(join(packageDirectory, coldStartSource));
    library.outputOptions = {
      ...library.outputOptions,
      codeSplitting: { groups: [{ name: `${coldStartEntry}-eager`, test: (id) => eager.has(id) }] },
    };
  }
  const binaries = binaryEntryPointsOf(manifest);
  if (Object.keys(binaries).length === 0) return [library];
  // The second build must not wipe the first one's output.
  return [
    library,
    { ...libraryBuild(packageDirectory, absolute(binaries), ['esm']), clean: false, dts: false },
  ];
}

/** Options of {@link createLibraryBuild}. */
export interface LibraryBuildOptions {
  /**
   * The entry point (its name in `dist/`, e.g. `adapter-kit`) whose static imports are grouped into one chunk,
   * because functions import it on their cold start. Default: `index`, the package's main entry.
   */
  readonly coldStartEntry?: string;
}

/**
 * The source files `entryFile` loads at import: itself and every relative module reached through `import … from`
 * and `export … from` statements, recursively. Type-only imports and `import()` are not followed: they load nothing
 * at import.
 */
function staticImportClosure(entryFile: string): Set<string> {
  const closure = new Set<string>();
  const pending = [entryFile];
  const statement =
    /^\s*(?:import|export)\s+(?!type\s)([^;]*?)\s*from\s*'(\.{1,2}\/[^']+)'|^\s*import\s+'(\.{1,2}\/[^']+)'/gm;
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (closure.has(file)) continue;
    closure.add(file);
    for (const match of readFileSync(file, 'utf8').matchAll(statement)) {
      const clause = match[1];
      // `import { type A, type B } from …` loads nothing either.
      if (
        clause !== undefined &&
        /^\{[^}]*\}$/s.test(clause) &&
        clause
          .slice(1, -1)
          .split(',')
          .every((item) => /^\s*(type\s|$)/.test(item))
      ) {
        continue;
      }
      const specifier = (match[2] ?? match[3]) as string;
      const target = resolve(dirname(file), specifier.replace(/\.js$/, '.ts'));
      if (existsSync(target)) pending.push(target);
      else if (existsSync(join(target.replace(/\.ts$/, ''), 'index.ts')))
        pending.push(join(target.replace(/\.ts$/, ''), 'index.ts'));
    }
  }
  return closure;
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
    // TSDoc stays in the bundled types (`.d.mts`, `.d.cts`), where editors read it; the JavaScript drops it, which
    // shrinks core's files by about a quarter and with them the parse of a cold start. Licence comments stay.
    outputOptions: { comments: { jsdoc: false, legal: true, annotation: true } },
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
