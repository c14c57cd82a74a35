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
 * - What a function loads at import is one chunk: every module the package's main entry (or each root of
 *   `chunkGroups`) imports statically is grouped into one file, which the other entry points and the lazy chunks
 *   import in turn. Without it the bundler splits modules by which entries share them (nine chunks for what
 *   `@faultline/core/adapter-kit` loads at import), and an unbundled cold import pays every file (about 0.5 ms
 *   each in a fresh Node 20 process) and every resolution of `@faultline/core/adapter-kit` from a different file
 *   (about 0.9 ms each). Core also groups its lazily loaded runtime and experiment pipeline, for the first
 *   invocation.
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
  const library = libraryBuild(packageDirectory, absolute(entries), ['esm', 'cjs']);
  const mainSource = entries.index;
  const groups =
    options.chunkGroups ?? (mainSource === undefined ? [] : [{ name: 'index-eager', roots: [mainSource] }]);
  if (groups.length > 0) {
    // Listed first, served first: a module in two closures goes to the earlier group.
    const closures = groups.map((group) => ({
      name: group.name,
      closure: new Set(group.roots.flatMap((root) => [...staticImportClosure(join(packageDirectory, root))])),
    }));
    library.outputOptions = {
      ...library.outputOptions,
      codeSplitting: {
        groups: closures.map(({ name, closure }, index) => ({
          name,
          test: (id: string) => closure.has(id),
          priority: closures.length - index,
        })),
      },
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
   * Chunks to build: each is `dist/<name>.mjs` (and `.cjs`) holding its `roots` and every module they import
   * statically (`roots` relative to the package, e.g. `./src/adapter-kit.ts`). A module reached from two groups goes
   * to the one listed first. Default: the main entry's source, as `index-eager`.
   */
  readonly chunkGroups?: readonly { readonly name: string; readonly roots: readonly string[] }[];
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
