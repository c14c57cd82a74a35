import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { minifySync } from 'rolldown/utils';
import type { Rolldown, UserConfig } from 'tsdown';
import { binaryEntryPointsOf, entryPointsOf, syncManifest } from './scripts/package-exports.mjs';

/**
 * The one build every published package uses: each entry point of its `exports` map (the `source` condition) and
 * each `bin` pre-bundled twice, ESM (`.mjs`) and CommonJS (`.cjs`), with bundled types (`.d.mts`, `.d.cts`).
 *
 * - Dependencies and peer dependencies (`@faultline/*`, cloud SDKs, `yaml`) stay imports, so one copy of each is
 *   shared with the user's own imports.
 * - Source maps carry their sources (`sourcesContent`), so they resolve without shipping `src/`.
 * - The package's manifest is normalized first (`scripts/package-exports.mjs`): a new subpath needs only its `source`.
 * - A `bin` is built as ESM only (`dist/<name>.mjs`): a command is run, never required, and may use top-level await.
 * - Few files: what a function loads at import is one chunk. Every module the package's main entry (or each group
 *   of `chunkGroups`) imports statically goes into one file, which the other entry points and the lazy chunks import
 *   in turn; code loaded with `import()` stays out of it and loads on first use. Left to itself the bundler splits
 *   modules by which entries share them (nine chunks for what `@faultline/core/adapter-kit` loads at import), and an
 *   unbundled cold import pays every file (about 0.45 ms each in a fresh Node 20 process) and every resolution of
 *   `@faultline/core/adapter-kit` from a different file (about 0.9 ms each). Core also groups its lazily loaded
 *   runtime and experiment pipeline, for the first invocation.
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
    const chunking = chunkGroupsOf(packageDirectory, groups);
    library.plugins = [chunking.plugin];
    library.outputOptions = { ...library.outputOptions, codeSplitting: { groups: chunking.groups } };
  }
  const minified = options.minifiedChunks ?? [];
  if (minified.length > 0) {
    library.hooks = {
      'build:done': () => minifyChunks(join(packageDirectory, 'dist'), minified),
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
  /**
   * Chunks (by group name) shipped minified, with source maps that carry their sources. For chunks that only
   * `import()` loads and that a cold instance parses on its first invocation: V8 scans every byte of a module
   * and parses every function it then runs twice, so shorter names and no whitespace are parse time saved.
   */
  readonly minifiedChunks?: readonly string[];
}

/**
 * Minifies the built chunks named in `names` (`dist/<name>.mjs` and `.cjs`) in place with oxc, as rolldown's own
 * `minify` does, and chains their source maps. Done on the written files: rolldown prints a `renderChunk` result
 * again, whitespace and all, and writes the source map it had before `generateBundle`.
 */
function minifyChunks(outDirectory: string, names: readonly string[]): void {
  for (const name of names) {
    for (const extension of ['.mjs', '.cjs']) {
      const file = join(outDirectory, `${name}${extension}`);
      const mapFile = `${file}.map`;
      const written = readFileSync(file, 'utf8');
      const code = extension === '.mjs' ? inlineRuntimeHelpers(outDirectory, file, written) : written;
      const result = minifySync(basename(file), code, {
        module: extension === '.mjs',
        sourcemap: true,
        inputMap: JSON.parse(readFileSync(mapFile, 'utf8')),
      });
      if (result.errors.length > 0 || result.map === undefined) {
        throw new Error(
          `minifying ${file} failed: ${result.errors.map((error) => error.message).join('; ') || 'no source map'}`,
        );
      }
      writeFileSync(file, `${result.code}\n//# sourceMappingURL=${basename(mapFile)}\n`);
      writeFileSync(mapFile, JSON.stringify({ ...result.map, file: basename(file) }));
    }
  }
}

/**
 * Copies the bundler's runtime helpers (`rolldown-runtime.mjs`: a few lines that build module namespace objects)
 * into an ES module chunk that imports them, so a lazily loaded chunk is one file less to resolve, read and compile
 * on a cold instance's first invocation (about 0.3 ms in a fresh Node process). The helpers go on the line of the
 * import they replace, which keeps every other line, and so the source map, where it was. CommonJS chunks keep
 * their `require`: the eager CommonJS files load the helpers anyway.
 */
function inlineRuntimeHelpers(outDirectory: string, file: string, code: string): string {
  const imported = /^import \{ ([^}]+) \} from "\.\/rolldown-runtime\.mjs";$/m.exec(code);
  if (imported === null) return code;
  const runtime = readFileSync(join(outDirectory, 'rolldown-runtime.mjs'), 'utf8');
  const exported = /^export \{ ([^}]+) \};$/m.exec(runtime);
  if (exported === null || /\bimport\b|\/\*/.test(runtime.slice(0, exported.index))) {
    throw new Error(
      `inlining rolldown-runtime.mjs into ${file}: the helpers are not the plain code expected`,
    );
  }
  // `local as exported` in the runtime, `exported as local` in the chunk.
  const specifiers = (list: string) =>
    list.split(',').map((specifier) => {
      const [name = '', , alias] = specifier.trim().split(/\s+/);
      return { name, alias: alias ?? name };
    });
  const runtimeLocalOf = new Map(specifiers(exported[1] ?? '').map(({ name, alias }) => [alias, name]));
  const bindings = specifiers(imported[1] ?? '').map(({ name, alias }) => {
    const local = runtimeLocalOf.get(name);
    if (local === undefined) throw new Error(`inlining rolldown-runtime.mjs into ${file}: no helper ${name}`);
    return { local: alias, helper: local };
  });
  const body = runtime
    .slice(0, exported.index)
    .split('\n')
    .filter((line) => !line.startsWith('//'))
    .join(' ');
  const line =
    `const [${bindings.map(({ local }) => local).join(', ')}] = (() => { ${body} ` +
    `return [${bindings.map(({ helper }) => helper).join(', ')}]; })();`;
  return code.slice(0, imported.index) + line + code.slice(imported.index + imported[0].length);
}

/**
 * The bundler's chunk groups for `groups`, and the plugin that fills them: once the module graph is built (`buildEnd`)
 * it collects, from rolldown's own graph, each group's roots and every module they import statically (`importedIds`:
 * type-only imports are gone by then, and `import()` targets are `dynamicallyImportedIds`, not followed). Listed
 * first, served first: a module in two closures goes to the earlier group.
 */
function chunkGroupsOf(
  packageDirectory: string,
  groups: NonNullable<LibraryBuildOptions['chunkGroups']>,
): { plugin: Rolldown.Plugin; groups: Rolldown.CodeSplittingGroup[] } {
  const closures = groups.map((group) => ({
    name: group.name,
    roots: group.roots.map((root) => join(packageDirectory, root)),
    modules: new Set<string>(),
  }));
  const plugin: Rolldown.Plugin = {
    name: 'faultline:chunk-groups',
    buildEnd() {
      for (const closure of closures) {
        closure.modules.clear();
        const pending = [...closure.roots];
        while (pending.length > 0) {
          const id = pending.pop() as string;
          if (closure.modules.has(id)) continue;
          closure.modules.add(id);
          pending.push(...(this.getModuleInfo(id)?.importedIds ?? []));
        }
      }
    },
  };
  return {
    plugin,
    groups: closures.map((closure, index) => ({
      name: closure.name,
      test: (id: string) => closure.modules.has(id),
      priority: closures.length - index,
    })),
  };
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
