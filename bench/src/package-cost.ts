import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { type BenchContext, type BenchRow, createRow, medianOf } from './harness.js';

/** Issue 8's targets for what a package costs a function before its first invocation. */
export const packageCostTargets = { entryBundleKb: 25, coldImportAddedMs: 10 } as const;

/** One entry point of a package (`@faultline/aws-lambda`, `@faultline/aws-lambda/ssm`, …). */
export interface PackageEntry {
  /** How users import it, e.g. `@faultline/aws-lambda/ssm`. */
  readonly label: string;
  /** Its source file. */
  readonly file: string;
  /** Also time its cold import in fresh processes (the main entry of each adapter). */
  readonly coldImport?: boolean;
}

/** What {@link measurePackageCost} measures for one adapter. */
export interface PackageCostOptions {
  /** Row name prefix, e.g. `aws-lambda`. */
  readonly prefix: string;
  readonly entries: readonly PackageEntry[];
  /** Peer packages users install next to the bundle (cloud SDKs, Middy): kept external. */
  readonly external: readonly string[];
  readonly context: BenchContext;
}

/**
 * The same method for every adapter, so their rows compare: `esbuild --bundle --minify --splitting` (ESM, Node 20,
 * peers external), as a user's bundler treats our dynamic `import()`s. A row reports what is loaded at import time
 * (the entry chunk and the chunks it imports statically); code only `import()` loads (the experiment pipeline,
 * the YAML parser) is given in the note. Cold import: a fresh `node` process times `import()` of that bundle,
 * interleaved with the same process importing an empty module, median of many runs.
 *
 * @example
 * ```ts
 * rows.push(...(await measurePackageCost({ prefix: 'aws-lambda', entries, external: ['@aws-sdk/*'], context })));
 * ```
 */
export async function measurePackageCost(options: PackageCostOptions): Promise<BenchRow[]> {
  const { prefix, context } = options;
  const rows: BenchRow[] = [];
  const directory = await mkdtemp(join(tmpdir(), `faultline-bench-${prefix}-`));
  try {
    const emptyModule = join(directory, 'empty.mjs');
    await writeFile(emptyModule, 'export {};\n');
    for (const [index, entry] of options.entries.entries()) {
      context.log(`${prefix}: bundling ${entry.label}`);
      const outdir = join(directory, String(index));
      const bundle = await bundleEntry(entry.file, outdir, options.external);
      rows.push(
        createRow({
          name: `${prefix}: bundle of ${entry.label} loaded at import`,
          value: bundle.eagerBytes / 1000,
          unit: 'kB',
          baseline: null,
          target: { of: 'value', max: packageCostTargets.entryBundleKb },
          note: `esbuild --bundle --minify --splitting, ESM, ${options.external.join(', ')} external, @faultline/core included; ${(bundle.eagerGzipBytes / 1000).toFixed(1)} kB gzipped; ${(bundle.lazyBytes / 1000).toFixed(1)} kB more in chunks only import() loads (experiment pipeline, YAML parser); ${bundle.eagerPeerImports} peer imports at load (failure-lambda: 11.8 kB, 4.3 kB gzipped, its SDK loaded eagerly)`,
        }),
      );
      if (entry.coldImport !== true) continue;
      context.log(`${prefix}: cold import of ${entry.label} in fresh processes`);
      const runs = context.quick ? 9 : 21;
      const packageMs: number[] = [];
      const emptyMs: number[] = [];
      const bundleUrl = pathToFileURL(bundle.entryFile).href;
      const emptyUrl = pathToFileURL(emptyModule).href;
      await timeColdImport(bundleUrl); // warms the file system cache, as a deployed function's image is
      for (let run = 0; run < runs; run++) {
        // Interleaved and alternating, so both sides see the same machine state.
        if (run % 2 === 0) {
          emptyMs.push(await timeColdImport(emptyUrl));
          packageMs.push(await timeColdImport(bundleUrl));
        } else {
          packageMs.push(await timeColdImport(bundleUrl));
          emptyMs.push(await timeColdImport(emptyUrl));
        }
      }
      const packageMedian = medianOf(packageMs);
      const emptyMedian = medianOf(emptyMs);
      rows.push(
        createRow({
          name: `${prefix}: cold import of ${entry.label}`,
          value: packageMedian,
          unit: 'ms',
          baseline: emptyMedian,
          target: { of: 'added', max: packageCostTargets.coldImportAddedMs },
          note: `median of ${runs} fresh node processes each, import() of the bundle above vs an empty module; added ${(packageMedian - emptyMedian).toFixed(1)} ms; cloud SDKs load only when their config source reads (failure-lambda: +233 ms)`,
        }),
      );
    }
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
  return rows;
}

interface EntryBundle {
  readonly entryFile: string;
  /** The entry chunk and every chunk it imports statically: what `import` loads. */
  readonly eagerBytes: number;
  readonly eagerGzipBytes: number;
  /** Chunks reached only through `import()`. */
  readonly lazyBytes: number;
  /** Static imports of external (peer) packages from the eager chunks: an eager cloud SDK shows here. */
  readonly eagerPeerImports: number;
}

async function bundleEntry(file: string, outdir: string, external: readonly string[]): Promise<EntryBundle> {
  const result = await build({
    entryPoints: { entry: file },
    bundle: true,
    minify: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    conditions: ['source'],
    external: [...external],
    outdir,
    outExtension: { '.js': '.mjs' },
    metafile: true,
    logLevel: 'silent',
  });
  const outputs: Metafile['outputs'] = result.metafile.outputs;
  const entryName = Object.keys(outputs).find((name) => outputs[name]?.entryPoint !== undefined);
  if (entryName === undefined) throw new Error(`esbuild produced no entry chunk for ${file}`);
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
  for (const [name, output] of Object.entries(outputs)) {
    if (!name.endsWith('.mjs')) continue;
    if (!eager.has(name)) {
      lazyBytes += output.bytes;
      continue;
    }
    eagerBytes += output.bytes;
    eagerGzipBytes += gzipSync(await readFile(name)).byteLength;
    eagerPeerImports += output.imports.filter(
      (imported) =>
        imported.external && imported.kind === 'import-statement' && !imported.path.startsWith('node:'),
    ).length;
  }
  return { entryFile: entryName, eagerBytes, eagerGzipBytes, lazyBytes, eagerPeerImports };
}

/** Milliseconds a fresh node process spends in `import(url)`, measured inside that process. */
function timeColdImport(url: string): Promise<number> {
  const script = `const s=performance.now();await import(${JSON.stringify(url)});process.stdout.write(String(performance.now()-s))`;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', script],
      { timeout: 60_000, env: { PATH: process.env.PATH ?? '' } },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${error.message}\n${stderr}`));
        else resolve(Number(stdout.trim()));
      },
    );
  });
}
