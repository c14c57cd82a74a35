import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleForLoad } from '@faultline/testkit/bundle';
import { installTarballs, packPublishedPackages } from '@faultline/testkit/packing';
import { type BenchContext, type BenchRow, createRow, medianOf } from './harness.js';

/** What a package may cost a function before its first response (issues 8 and 15), bundled or not. */
export const packageCostTargets = {
  entryBundleKb: 25,
  coldImportAddedMs: 10,
  firstResponseAddedMs: 25,
} as const;

/** One entry point of a package (`@faultline/aws-lambda`, `@faultline/aws-lambda/ssm`, …). */
export interface PackageEntry {
  /** How users import it, e.g. `@faultline/aws-lambda/ssm`: bundled and imported from the installed packages. */
  readonly label: string;
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
 * The same method for every adapter, so their rows compare. Bundle size: `esbuild --bundle --minify --splitting`
 * (ESM, Node 20, peers external), as a user's bundler treats our dynamic `import()`s; a row reports what is loaded at
 * import time (the entry chunk and the chunks it imports statically); code only `import()` loads (the experiment
 * pipeline, the YAML parser) is given in the note. Cold import and first response are measured twice: from that
 * bundle, and from the packages as `npm install` puts the `pnpm pack` tarballs into a fresh project (no bundler:
 * the published `dist/` files of the adapter and of `@faultline/core`). Each is timed in fresh `node` processes,
 * interleaved with the same process importing an empty module (or calling a bare handler); rows give medians and
 * the notes min–max and the CPU time added.
 *
 * @example
 * ```ts
 * rows.push(...(await measurePackageCost({ prefix: 'aws-lambda', entries, external: ['@aws-sdk/*'], context })));
 * ```
 */
export async function measurePackageCost(options: PackageCostOptions): Promise<BenchRow[]> {
  const { context } = options;
  const rows: BenchRow[] = [];
  for (const [index, entry] of options.entries.entries()) {
    // The cold-start rows take medians over many fresh processes of their own: one run of the scenario.
    rows.push(
      ...(await context.scenario(
        `package cost of ${entry.label}`,
        () => measureEntry(options, entry, index),
        {
          runs: 1,
        },
      )),
    );
  }
  return rows;
}

async function measureEntry(
  options: PackageCostOptions,
  entry: PackageEntry,
  index: number,
): Promise<BenchRow[]> {
  const { prefix, context } = options;
  const rows: BenchRow[] = [];
  const directory = await mkdtemp(join(tmpdir(), `faultline-bench-${prefix}-${index}-`));
  try {
    const emptyModule = join(directory, 'empty.mjs');
    await writeFile(emptyModule, 'export {};\n');
    context.log(`${prefix}: bundling ${entry.label}`);
    // A user bundles the published package, as npm installed it: its dist files, already grouped into one chunk
    // per load. (Bundling the TypeScript sources instead splits the lazy code into about twenty chunks, files a
    // user's bundle never has.)
    const installed = await installedLayout(entry.label, context);
    const bundle = await bundleForLoad({
      file: await installedEntryFile(installed.cwd, entry.label),
      outdir: join(directory, 'bundle'),
      external: options.external,
    });
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
    if (entry.coldImport !== true) return rows;
    const layouts: ImportLayout[] = [
      {
        kind: 'bundled',
        what: 'the bundle above',
        target: pathToFileURL(bundle.entryFile).href,
        empty: pathToFileURL(emptyModule).href,
        cwd: directory,
      },
      installed,
    ];
    for (const layout of layouts) {
      rows.push(await measureColdImport(prefix, entry, layout, context));
      if (entry.firstInvocation !== undefined) {
        rows.push(await measureFirstResponse(prefix, entry, entry.firstInvocation, layout, context));
      }
    }
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
  return rows;
}

/**
 * The cold import of one entry from the packages as npm installs them (no bundler), in fresh processes against an
 * empty module: for entries that are not imported by a handler file but preloaded (`NODE_OPTIONS="--import …"`),
 * which load before the function's own code in exactly that layout.
 *
 * @example
 * ```ts
 * rows.push(...(await measureUnbundledColdImport('zero-code', '@faultline/gcp-functions/auto', context)));
 * ```
 */
export async function measureUnbundledColdImport(
  prefix: string,
  label: string,
  context: BenchContext,
): Promise<BenchRow[]> {
  return context.scenario(
    `cold import of ${label} from node_modules`,
    async () => [await measureColdImport(prefix, { label }, await installedLayout(label, context), context)],
    { runs: 1 },
  );
}

/** Where a cold start is measured from: a bundle on disk, or the packages as npm installs them. */
interface ImportLayout {
  readonly kind: 'bundled' | 'installed';
  /** For the row's note. */
  readonly what: string;
  /** What `import()` gets: a file URL, or a bare specifier resolved from `cwd`'s `node_modules`. */
  readonly target: string;
  /** A file URL of an empty module: the baseline's import. */
  readonly empty: string;
  /** The fresh processes' working directory (bare specifiers resolve from here). */
  readonly cwd: string;
}

/**
 * One npm project with every published package installed from its `pnpm pack` tarball (built with the packages'
 * real build, installed with `npm install --offline`): the `node_modules` layout a function gets when it is deployed
 * without a bundler, as Cloud Functions and Azure Functions do by default. The runner prepares it once per bench run
 * and hands it to the scenarios' processes (`FAULTLINE_BENCH_INSTALLED_PROJECT`).
 *
 * @example
 * ```ts
 * const installed = await prepareInstalledProject(console.error);
 * process.env.FAULTLINE_BENCH_INSTALLED_PROJECT = installed.directory;
 * ```
 */
export async function prepareInstalledProject(
  log: (message: string) => void,
): Promise<{ directory: string; remove(): Promise<void> }> {
  const directory = await mkdtemp(join(tmpdir(), 'faultline-bench-installed-'));
  log('packing the published packages and installing the tarballs with npm (unbundled node_modules)');
  const packed = await packPublishedPackages({ destination: join(directory, 'tarballs') });
  const project = join(directory, 'project');
  await mkdir(project);
  await installTarballs({
    projectDirectory: project,
    tarballs: packed.map((item) => item.tarball),
    type: 'module',
  });
  await writeFile(join(project, 'empty.mjs'), 'export {};\n');
  return { directory: project, remove: () => rm(directory, { recursive: true, force: true }) };
}

let installedProject: Promise<string> | undefined;

/** The project the runner prepared, or one made for this process (a suite run outside the runner). */
function installedProjectDirectory(context: BenchContext): Promise<string> {
  installedProject ??= (async () => {
    const prepared = process.env.FAULTLINE_BENCH_INSTALLED_PROJECT;
    if (prepared !== undefined && prepared !== '') return prepared;
    const installed = await prepareInstalledProject((message) => context.log(message));
    process.once('exit', () => rmSync(join(installed.directory, '..'), { recursive: true, force: true }));
    return installed.directory;
  })();
  return installedProject;
}

async function installedLayout(label: string, context: BenchContext): Promise<ImportLayout> {
  const project = await installedProjectDirectory(context);
  return {
    kind: 'installed',
    what: `${label} as npm installs it from its pnpm pack tarball (unbundled node_modules: the package's dist files and @faultline/core's)`,
    target: label,
    empty: pathToFileURL(join(project, 'empty.mjs')).href,
    cwd: project,
  };
}

/**
 * The ES module file an installed package's `exports` map serves for `specifier` (`import` condition), e.g.
 * `node_modules/@faultline/aws-lambda/dist/index.mjs` for `@faultline/aws-lambda`.
 */
async function installedEntryFile(project: string, specifier: string): Promise<string> {
  const [scope, name, ...rest] = specifier.split('/');
  const packageDirectory = join(project, 'node_modules', scope ?? '', name ?? '');
  const manifest = JSON.parse(await readFile(join(packageDirectory, 'package.json'), 'utf8')) as {
    exports?: Record<string, { import?: string | { default?: string } } | undefined>;
  };
  const target = manifest.exports?.[rest.length === 0 ? '.' : `./${rest.join('/')}`]?.import;
  const file = typeof target === 'string' ? target : target?.default;
  if (file === undefined) throw new Error(`${specifier}: no import condition in its exports map`);
  return join(packageDirectory, file);
}

/** One fresh process's measurement: wall-clock and CPU time (user + system) of the measured part. */
interface ProcessSample {
  readonly wallMs: number;
  readonly cpuMs: number;
}

/** Median, min and max of one side's samples, for a row's note. */
function describeSpread(values: readonly number[]): string {
  return `${medianOf(values).toFixed(1)} (${Math.min(...values).toFixed(1)}–${Math.max(...values).toFixed(1)})`;
}

/**
 * Runs `candidate` and `baseline` in fresh processes, `runs` times each, interleaved and alternating which goes
 * first, after one unmeasured run of each (which warms the file system cache, as a deployed function's image is).
 */
async function interleavedProcesses(
  runs: number,
  baseline: () => Promise<ProcessSample>,
  candidate: () => Promise<ProcessSample>,
): Promise<{ baseline: ProcessSample[]; candidate: ProcessSample[] }> {
  await baseline();
  await candidate();
  const baselineSamples: ProcessSample[] = [];
  const candidateSamples: ProcessSample[] = [];
  for (let run = 0; run < runs; run++) {
    if (run % 2 === 0) {
      baselineSamples.push(await baseline());
      candidateSamples.push(await candidate());
    } else {
      candidateSamples.push(await candidate());
      baselineSamples.push(await baseline());
    }
  }
  return { baseline: baselineSamples, candidate: candidateSamples };
}

/**
 * A module script that runs `prelude`, then times `work` (wall and CPU) and prints both on a line of their own. The
 * engine's background event lines (the `config-load` line) may follow: they are written on the next turn of the
 * event loop, after the first response.
 */
function timedScript(prelude: string, work: string): string {
  return `${prelude}\nconst c=process.cpuUsage();const s=performance.now();${work}\nconst w=performance.now()-s;const u=process.cpuUsage(c);process.stdout.write('\\n'+JSON.stringify({wallMs:w,cpuMs:(u.user+u.system)/1000})+'\\n')`;
}

async function measureColdImport(
  prefix: string,
  entry: PackageEntry,
  layout: ImportLayout,
  context: BenchContext,
): Promise<BenchRow> {
  context.log(`${prefix}: cold import of ${entry.label} (${layout.kind}) in fresh processes`);
  const runs = context.quick ? 9 : 21;
  const importing = (target: string) => timedScript('', `await import(${JSON.stringify(target)});`);
  const { baseline, candidate } = await interleavedProcesses(
    runs,
    async () => (await runTimedScript(importing(layout.empty), layout.cwd)).sample,
    async () => (await runTimedScript(importing(layout.target), layout.cwd)).sample,
  );
  const wall = candidate.map((sample) => sample.wallMs);
  const emptyWall = baseline.map((sample) => sample.wallMs);
  const addedCpu =
    medianOf(candidate.map((sample) => sample.cpuMs)) - medianOf(baseline.map((sample) => sample.cpuMs));
  return createRow({
    name:
      layout.kind === 'bundled'
        ? `${prefix}: cold import of ${entry.label}`
        : `${prefix}: cold import of ${entry.label} from node_modules (unbundled)`,
    value: medianOf(wall),
    unit: 'ms',
    baseline: medianOf(emptyWall),
    target: { of: 'added', max: packageCostTargets.coldImportAddedMs },
    note: `${layout.kind === 'bundled' ? 'import() of the bundle above' : `import() of ${layout.what}`} vs an empty module, ${runs} fresh node processes each, interleaved; median (min–max) ms: ${describeSpread(wall)} vs ${describeSpread(emptyWall)}; added ${(medianOf(wall) - medianOf(emptyWall)).toFixed(1)} ms wall, ${addedCpu.toFixed(1)} ms CPU; cloud SDKs load only when their config source reads (failure-lambda: +233 ms)`,
  });
}

async function measureFirstResponse(
  prefix: string,
  entry: PackageEntry,
  firstInvocation: FirstInvocation,
  layout: ImportLayout,
  context: BenchContext,
): Promise<BenchRow> {
  context.log(
    `${prefix}: cold start to the first response with ${entry.label} (${layout.kind}) in fresh processes`,
  );
  const runs = context.quick ? 9 : 21;
  const prelude = firstInvocation.prelude ?? '';
  const wrappedScript = timedScript(
    prelude,
    `const entry=await import(${JSON.stringify(layout.target)});${firstInvocation.body}`,
  );
  const bareScript = timedScript(
    prelude,
    `await import(${JSON.stringify(layout.empty)});${bareFirstInvocation}`,
  );
  // The experiment must really have been read and compiled on that first invocation, or this measures nothing.
  const wrapped = async (): Promise<ProcessSample> => {
    const { sample, stdout } = await runTimedScript(wrappedScript, layout.cwd);
    if (!stdout.includes('"type":"config-load"')) {
      throw new Error(`${prefix}: the first invocation did not load the experiment:\n${stdout}`);
    }
    return sample;
  };
  const { baseline, candidate } = await interleavedProcesses(
    runs,
    async () => (await runTimedScript(bareScript, layout.cwd)).sample,
    wrapped,
  );
  const wall = candidate.map((sample) => sample.wallMs);
  const bareWall = baseline.map((sample) => sample.wallMs);
  const addedCpu =
    medianOf(candidate.map((sample) => sample.cpuMs)) - medianOf(baseline.map((sample) => sample.cpuMs));
  return createRow({
    name:
      layout.kind === 'bundled'
        ? `${prefix}: cold start to the first response with ${entry.label}`
        : `${prefix}: cold start to the first response with ${entry.label} from node_modules (unbundled)`,
    value: medianOf(wall),
    unit: 'ms',
    baseline: medianOf(bareWall),
    target: { of: 'added', max: packageCostTargets.firstResponseAddedMs },
    note: `${runs} fresh node processes each, interleaved: import ${layout.kind === 'bundled' ? 'the bundle' : layout.what}, wrap a handler, invoke it once with an armed inline experiment (FAULTLINE_CONFIG, one fault that does not match) vs a bare handler; median (min–max) ms: ${describeSpread(wall)} vs ${describeSpread(bareWall)}; added ${(medianOf(wall) - medianOf(bareWall)).toFixed(1)} ms wall, ${addedCpu.toFixed(1)} ms CPU, of which the cold import is the part paid before the first invocation; the rest is loading the runtime and the experiment pipeline and compiling the experiment on that invocation`,
  });
}

/** Runs a module script in a fresh node process (loopback-only environment) and reads the sample it prints last. */
function runTimedScript(script: string, cwd: string): Promise<{ sample: ProcessSample; stdout: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', script],
      {
        cwd,
        timeout: 60_000,
        env: {
          PATH: process.env.PATH ?? '',
          FAULTLINE_CONFIG: coldStartExperiment,
          // Declared, as in a deployment: an unknown stage would stop at the production guard, a cheaper path.
          FAULTLINE_STAGE: 'bench',
          METADATA_SERVER_DETECTION: 'none',
          AWS_EC2_METADATA_DISABLED: 'true',
          AWS_REGION: 'us-east-1',
        },
      },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`${error.message}\n${stderr}`));
          return;
        }
        // faultline's events are JSON lines too; the measurement is the one line that starts with its field.
        try {
          const line = stdout.split('\n').find((candidate) => candidate.startsWith('{"wallMs":'));
          const sample = JSON.parse(line ?? '') as ProcessSample;
          if (Number.isFinite(sample.wallMs) && Number.isFinite(sample.cpuMs)) {
            resolve({ sample, stdout });
            return;
          }
        } catch {
          // reported below
        }
        reject(new Error(`no measurement in the output of a fresh process:\n${stdout}\n${stderr}`));
      },
    );
  });
}
