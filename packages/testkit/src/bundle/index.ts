import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { FaultlineError } from '@faultline/core';
import { build, type Metafile } from 'esbuild';

/**
 * What a function loads when it imports one entry of a package, as a user's bundler would build it.
 *
 * @example
 * ```ts
 * const bundle = await bundleForLoad({ file: 'packages/aws-lambda/src/index.ts', outdir, external: ['@aws-sdk/*'] });
 * console.log(bundle.eagerBytes, bundle.eagerInputs);
 * ```
 */
export interface LoadBundle {
  /** The entry chunk on disk, to `import()` in a fresh process. */
  readonly entryFile: string;
  /** The entry chunk and every chunk it imports statically: what `import` loads. */
  readonly eagerBytes: number;
  readonly eagerGzipBytes: number;
  /** Chunks reached only through `import()`. */
  readonly lazyBytes: number;
  /** Static imports of external (peer) packages from the eager chunks: an eager cloud SDK shows here. */
  readonly eagerPeerImports: number;
  /** Source files (absolute paths) with code in the eager chunks. */
  readonly eagerInputs: readonly string[];
  /** `node:` builtins the eager chunks import statically. */
  readonly eagerNodeBuiltins: readonly string[];
}

/**
 * Bundles `file` the way issue 8 measures it (`esbuild --bundle --minify --splitting`, ESM, Node 20, the
 * workspace's `source` condition, `external` kept out) into `outdir`, and splits the output into what loads at
 * import and what only `import()` loads. The bench reports these numbers; the adapters' tests guard them.
 *
 * @example
 * ```ts
 * import { bundleForLoad } from '@faultline/testkit/bundle';
 *
 * const bundle = await bundleForLoad({ file: entry, outdir: await mkdtemp(join(tmpdir(), 'bundle-')), external: [] });
 * expect(bundle.eagerBytes).toBeLessThanOrEqual(25_000);
 * ```
 */
export async function bundleForLoad(options: {
  readonly file: string;
  readonly outdir: string;
  readonly external: readonly string[];
  /**
   * `esm` (default): with code splitting, as measured. `cjs`: one CommonJS file (`import()` becomes `require`), as
   * many Lambda projects bundle; then everything counts as loaded at import.
   */
  readonly format?: 'esm' | 'cjs';
}): Promise<LoadBundle> {
  const commonJs = options.format === 'cjs';
  const result = await build({
    entryPoints: { entry: options.file },
    bundle: true,
    minify: true,
    splitting: !commonJs,
    format: commonJs ? 'cjs' : 'esm',
    platform: 'node',
    target: 'node20',
    conditions: ['source'],
    external: [...options.external],
    outdir: options.outdir,
    outExtension: { '.js': commonJs ? '.cjs' : '.mjs' },
    metafile: true,
    logLevel: 'silent',
  });
  const outputs: Metafile['outputs'] = result.metafile.outputs;
  // Chunks reached through `import()` are entry points too in the metafile: the entry is the one named `entry`.
  const entryName = Object.keys(outputs).find(
    (name) => basename(name) === `entry${commonJs ? '.cjs' : '.mjs'}`,
  );
  if (entryName === undefined)
    throw new FaultlineError('INTERNAL', `esbuild produced no entry chunk for ${options.file}`);
  const eager = new Set<string>();
  const visit = (name: string): void => {
    if (eager.has(name)) return;
    eager.add(name);
    for (const imported of outputs[name]?.imports ?? []) {
      if (!imported.external && imported.kind === 'import-statement') visit(imported.path);
    }
  };
  visit(entryName);
  let eagerBytes = 0;
  let lazyBytes = 0;
  let eagerGzipBytes = 0;
  let eagerPeerImports = 0;
  const eagerInputs = new Set<string>();
  const eagerNodeBuiltins = new Set<string>();
  for (const [name, output] of Object.entries(outputs)) {
    if (!name.endsWith('.mjs') && !name.endsWith('.cjs')) continue;
    if (!eager.has(name)) {
      lazyBytes += output.bytes;
      continue;
    }
    eagerBytes += output.bytes;
    eagerGzipBytes += gzipSync(await readFile(name)).byteLength;
    for (const [input, contribution] of Object.entries(output.inputs)) {
      if (contribution.bytesInOutput > 0) eagerInputs.add(resolve(input));
    }
    for (const imported of output.imports) {
      if (!imported.external || imported.kind !== 'import-statement') continue;
      if (imported.path.startsWith('node:')) eagerNodeBuiltins.add(imported.path);
      else eagerPeerImports += 1;
    }
  }
  return {
    entryFile: entryName,
    eagerBytes,
    eagerGzipBytes,
    lazyBytes,
    eagerPeerImports,
    eagerInputs: [...eagerInputs].sort(),
    eagerNodeBuiltins: [...eagerNodeBuiltins].sort(),
  };
}

/**
 * Source files of the engine's runtime and experiment pipeline (paths within the repository). None of them may be in
 * what an adapter loads at import: they load with `import()` on the first invocation.
 */
export const lazyRuntimeModules = [
  'packages/core/src/config/cached-config.ts',
  'packages/core/src/engine/fault-engine.ts',
  'packages/core/src/engine/shared-engines.ts',
  'packages/core/src/engine/decide.ts',
  'packages/core/src/engine/event-emitter.ts',
  'packages/core/src/engine/fault-run.ts',
  'packages/core/src/engine/document-pipeline.ts',
  'packages/core/src/engine/compile.ts',
  'packages/core/src/experiment/validate.ts',
  'packages/core/src/faults/builtin.ts',
] as const;

/**
 * The `node:` builtins an adapter may import at load. Each builtin has its own cost for a cold ES module import
 * (measured in a fresh Node 20 process: `node:crypto` +2.1 ms, `node:http` +0.9 ms, `node:fs` +0.5 ms,
 * `node:path` +0.4 ms); the expensive ones load with `import()` where they are used. Runtime packages never use
 * `import.meta`, which a user's bundle to CommonJS would leave empty.
 */
export const builtinsAllowedAtImport: readonly string[] = ['node:path', 'node:url'];

/** The target issue 8 sets for the code an adapter's entry loads at import (esbuild, minified, SDKs external). */
export const maxEagerBundleBytes = 25_000;

/**
 * Runs an ES module script in a fresh `node` process with a loopback-only environment plus `environment`, and
 * returns what it printed. The script gets the bundle's entry as `entry` (`const entry = await import(...)` is
 * prepended), so a test can drive the built bundle the way a deployed function would.
 *
 * @example
 * ```ts
 * const output = await runWithBundle(bundle.entryFile, 'console.log(typeof entry.withFaults)', {});
 * ```
 */
export function runWithBundle(
  entryFile: string,
  script: string,
  environment: Readonly<Record<string, string>>,
  /** Where the script resolves packages from (e.g. a package directory, for its peer SDKs). */
  cwd?: string,
): Promise<string> {
  const source = `const entry = await import(${JSON.stringify(pathToFileURL(entryFile).href)});\n${script}`;
  return new Promise((resolvePromise, reject) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', source],
      {
        timeout: 30_000,
        ...(cwd === undefined ? {} : { cwd }),
        env: {
          PATH: process.env.PATH ?? '',
          METADATA_SERVER_DETECTION: 'none',
          AWS_EC2_METADATA_DISABLED: 'true',
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'testing',
          AWS_SECRET_ACCESS_KEY: 'testing',
          ...environment,
        },
      },
      (error, stdout, stderr) => {
        if (error) reject(new FaultlineError('INTERNAL', `${error.message}\n${stdout}\n${stderr}`));
        else resolvePromise(stdout);
      },
    );
  });
}
