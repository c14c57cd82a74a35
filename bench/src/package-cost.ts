import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleForLoad } from '@faultline/testkit/bundle';
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
  /**
   * Also time a cold start up to the first response: JavaScript that gets the imported bundle as `entry` and wraps
   * and invokes a handler once. It runs with `FAULTLINE_CONFIG` holding an armed experiment whose one fault does not
   * match, so the first invocation loads the runtime, reads and compiles the experiment.
   */
  readonly firstInvocation?: FirstInvocation;
}

/** How the first-invocation measurement drives an entry (see {@link PackageEntry.firstInvocation}). */
export interface FirstInvocation {
  /**
   * Runs before the clock starts, in both the measured and the baseline process: what the platform does before it
   * calls the function (e.g. building the request objects; Node loads its `Headers` class on first use).
   */
  readonly prelude?: string;
  /** Wraps a handler of the imported `entry` and invokes it once. */
  readonly body: string;
}

/** The experiment the first-invocation measurement reads from `FAULTLINE_CONFIG`: armed, matching nothing. */
const coldStartExperiment = JSON.stringify({
  schemaVersion: 1,
  id: 'bench-cold-start',
  faults: [
    {
      id: 'admin-only',
      type: 'status',
      probability: 1,
      status: 503,
      match: [{ field: 'http.path', op: 'prefix', value: '/admin' }],
    },
  ],
});

/** The baseline of the first-invocation measurement: import nothing, call a bare async handler once. */
const bareFirstInvocation = 'const handler = async () => ({ statusCode: 200 }); await handler({}, {});';

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
      const bundle = await bundleForLoad({ file: entry.file, outdir, external: options.external });
      rows.push(
        createRow({
          name: `${prefix}: bundle of ${entry.label} loaded at import`,
          value: bundle.eagerBytes / 1000,
          unit: 'kB',
          baseline: null,
          target: { of: 'value', max: packageCostTargets.entryBundleKb },
          note: `esbuild --bundle --minify --splitting, ESM, ${options.external.join(', ')} external, @faultline/core included; ${(bundle.eagerGzipBytes / 1000).toFixed(1)} kB gzipped; ${(bundle.lazyBytes / 1000).toFixed(1)} kB more in chunks only import() loads on the first invocation (engine runtime, experiment pipeline, YAML parser); ${bundle.eagerPeerImports} peer imports at load (failure-lambda: 11.8 kB, 4.3 kB gzipped, its SDK loaded eagerly)`,
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
      if (entry.firstInvocation === undefined) continue;
      context.log(`${prefix}: cold start to the first response in fresh processes`);
      const wrappedMs: number[] = [];
      const bareMs: number[] = [];
      const prelude = entry.firstInvocation.prelude ?? '';
      const wrappedScript = coldStartScript(bundleUrl, prelude, entry.firstInvocation.body);
      const bareScript = coldStartScript(emptyUrl, prelude, bareFirstInvocation);
      // The experiment must really have been read and compiled on that first invocation, or this measures nothing.
      const timeWrapped = async (): Promise<number> => {
        const { value, stdout } = await runTimedScript(wrappedScript);
        if (!stdout.includes('"type":"config-load"')) {
          throw new Error(`${prefix}: the first invocation did not load the experiment:\n${stdout}`);
        }
        return value;
      };
      await timeWrapped();
      for (let run = 0; run < runs; run++) {
        if (run % 2 === 0) {
          bareMs.push(await timeScript(bareScript));
          wrappedMs.push(await timeWrapped());
        } else {
          wrappedMs.push(await timeWrapped());
          bareMs.push(await timeScript(bareScript));
        }
      }
      const wrappedMedian = medianOf(wrappedMs);
      const bareMedian = medianOf(bareMs);
      rows.push(
        createRow({
          name: `${prefix}: cold start to the first response with ${entry.label}`,
          value: wrappedMedian,
          unit: 'ms',
          baseline: bareMedian,
          note: `median of ${runs} fresh node processes each: import the bundle, wrap a handler, invoke it once with an armed inline experiment (FAULTLINE_CONFIG, one fault that does not match) vs a bare handler; added ${(wrappedMedian - bareMedian).toFixed(1)} ms, of which the import above is the part paid before the first invocation; the rest is loading the runtime and the experiment pipeline and compiling the experiment on that invocation`,
        }),
      );
    }
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
  return rows;
}

/** Milliseconds a fresh node process spends in `import(url)`, measured inside that process. */
function timeColdImport(url: string): Promise<number> {
  return timeScript(
    `const s=performance.now();await import(${JSON.stringify(url)});process.stdout.write(String(performance.now()-s))`,
  );
}

/** A module script that runs `prelude`, then imports `url` as `entry`, runs `body`, and prints how long both took. */
function coldStartScript(url: string, prelude: string, body: string): string {
  return `${prelude}\nconst s=performance.now();const entry=await import(${JSON.stringify(url)});${body}\nprocess.stdout.write(String(performance.now()-s))`;
}

/** Runs a module script in a fresh node process (loopback-only environment) and reads the number it prints. */
async function timeScript(script: string): Promise<number> {
  return (await runTimedScript(script)).value;
}

/** {@link timeScript}, also returning what the process printed before the measurement (faultline's events). */
function runTimedScript(script: string): Promise<{ value: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', script],
      {
        timeout: 60_000,
        env: {
          PATH: process.env.PATH ?? '',
          FAULTLINE_CONFIG: coldStartExperiment,
          METADATA_SERVER_DETECTION: 'none',
          AWS_EC2_METADATA_DISABLED: 'true',
          AWS_REGION: 'us-east-1',
        },
      },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${error.message}\n${stderr}`));
        else {
          // faultline's events (JSON lines) come first; the measurement is the last line.
          const lines = stdout.trim().split('\n');
          const value = Number(lines.at(-1));
          if (Number.isFinite(value)) resolve({ value, stdout });
          else reject(new Error(`no measurement in the output of a fresh process:\n${stdout}\n${stderr}`));
        }
      },
    );
  });
}
