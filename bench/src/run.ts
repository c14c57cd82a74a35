/**
 * `pnpm bench [filter…] [--quick] [--strict] [--runs N]`: runs every `src/suites/*.ts` (or those whose file or suite
 * name contains a filter), prints an aligned table with a pass/miss column, and writes `bench/results.json`.
 *
 * Each scenario of a suite (`context.scenario(key, …)`) runs in its own fresh `node --expose-gc` process, `--runs`
 * times (default 3), round-robin over all scenarios; a row is the median over those processes, with min–max.
 *
 * - `--quick` (or `BENCH_QUICK=1`): fewer rounds and one run, for a smoke run; the numbers are not for publishing.
 * - `--only TEXT`: only the scenarios whose key contains TEXT (their suites' other rows stay as they were).
 * - `--strict`: exit non-zero when a row misses its target (a crashed suite always exits non-zero).
 * - A filtered run replaces only the rows of the suites it ran and keeps the others in `results.json`.
 */
import { spawn } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { applyLoopbackEnvironment } from '@faultline/testkit';
import {
  type BenchContext,
  type BenchRow,
  type BenchSuite,
  collectGarbage,
  createRow,
  describeTarget,
  formatNumber,
  medianOf,
  meetsTarget,
} from './harness.js';
import { prepareInstalledProject } from './package-cost.js';

const benchDirectory = dirname(dirname(fileURLToPath(import.meta.url)));
const suitesDirectory = join(benchDirectory, 'src', 'suites');
const resultsPath = join(benchDirectory, 'results.json');

/** Marks the line with a child process's result on its stdout (suites and the code they run may print too). */
const resultMarker = '@@faultline-bench-result ';

/** What a child process reports: the scenarios of its suite (list mode) or one scenario's rows. */
type ChildResult =
  | { kind: 'list'; scenarios: { key: string; runs?: number }[] }
  | { kind: 'rows'; rows: BenchRow[] };

/** One scenario to measure: its suite file and key, and how many fresh processes measure it. */
interface ScheduledScenario {
  readonly suiteFile: string;
  readonly key: string;
  readonly runs: number;
}

async function main(): Promise<number> {
  applyLoopbackEnvironment();
  process.env.TURBO_TELEMETRY_DISABLED ??= '1';
  if (process.env.FAULTLINE_BENCH_CHILD_SUITE !== undefined)
    return runChild(process.env.FAULTLINE_BENCH_CHILD_SUITE);
  const argv = process.argv.slice(2);
  const quick = argv.includes('--quick') || process.env.BENCH_QUICK === '1';
  const strict = argv.includes('--strict');
  const onlyIndex = argv.indexOf('--only');
  const only = onlyIndex === -1 ? undefined : argv[onlyIndex + 1];
  const runsIndex = argv.indexOf('--runs');
  const defaultRuns = runsIndex === -1 ? (quick ? 1 : 3) : Number(argv[runsIndex + 1]);
  if (!Number.isInteger(defaultRuns) || defaultRuns < 1) throw new Error('--runs takes a whole number ≥ 1');
  const filters = argv.filter(
    (argument, index) =>
      !argument.startsWith('--') &&
      !(runsIndex !== -1 && index === runsIndex + 1) &&
      !(onlyIndex !== -1 && index === onlyIndex + 1),
  );

  const files = (await readdir(suitesDirectory))
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .sort();
  const selected: string[] = [];
  for (const file of files) {
    const suiteFile = basename(file, '.ts');
    // Not importing a filtered-out suite keeps a broken one from blocking everyone else's runs.
    if (filters.length > 0 && !filters.some((filter) => suiteFile.includes(filter))) {
      if (!(await suiteNameMatches(file, filters))) continue;
    }
    selected.push(suiteFile);
  }

  let crashed = 0;
  const scheduled: ScheduledScenario[] = [];
  for (const suiteFile of selected) {
    try {
      const listed = await runChildProcess(suiteFile, { FAULTLINE_BENCH_LIST: '1' }, quick);
      if (listed.kind !== 'list') throw new Error('the list run reported rows');
      if (listed.scenarios.length === 0) throw new Error('it measures nothing in a context.scenario()');
      for (const { key, runs } of listed.scenarios) {
        if (only !== undefined && !key.includes(only)) continue;
        scheduled.push({ suiteFile, key, runs: Math.max(1, Math.min(runs ?? defaultRuns, defaultRuns)) });
      }
    } catch (error) {
      crashed += 1;
      process.stderr.write(`✗ ${suiteFile}: ${describe(error)}\n`);
    }
  }

  // The package-cost scenarios measure the published packages as npm installs them: pack and install once.
  const childEnvironment: Record<string, string> = {};
  let installed: { directory: string; remove(): Promise<void> } | undefined;
  if (await someSuiteMeasuresPackages(new Set(scheduled.map((item) => item.suiteFile)))) {
    installed = await prepareInstalledProject((message) => process.stderr.write(`  ${message}\n`));
    childEnvironment.FAULTLINE_BENCH_INSTALLED_PROJECT = installed.directory;
  }

  // Round-robin: run 1 of every scenario, then run 2 of every scenario, … so a burst of load hits one run of many
  // scenarios rather than every run of one.
  const results = new Map<ScheduledScenario, BenchRow[][]>();
  const maxRuns = Math.max(0, ...scheduled.map((item) => item.runs));
  const failed = new Set<ScheduledScenario>();
  try {
    for (let run = 0; run < maxRuns; run++) {
      for (const item of scheduled) {
        if (run >= item.runs || failed.has(item)) continue;
        process.stderr.write(
          `▶ ${item.suiteFile} › ${item.key}${item.runs > 1 ? ` (run ${run + 1}/${item.runs})` : ''}\n`,
        );
        const startedAt = performance.now();
        try {
          const result = await runChildProcess(
            item.suiteFile,
            { ...childEnvironment, FAULTLINE_BENCH_SCENARIO: item.key },
            quick,
          );
          if (result.kind !== 'rows') throw new Error('the scenario run listed scenarios');
          results.set(item, [...(results.get(item) ?? []), result.rows]);
          process.stderr.write(`  done in ${((performance.now() - startedAt) / 1000).toFixed(1)} s\n`);
        } catch (error) {
          crashed += 1;
          failed.add(item);
          process.stderr.write(`✗ ${item.suiteFile} › ${item.key} failed: ${describe(error)}\n`);
        }
      }
    }
  } finally {
    await installed?.remove();
  }

  const rows: BenchRow[] = [];
  const ranSuites = new Set<string>();
  for (const item of scheduled) {
    const runs = results.get(item);
    if (runs === undefined || failed.has(item)) continue;
    rows.push(...aggregateRuns(runs).map((row) => ({ ...row, suite: item.suiteFile })));
  }
  for (const suiteFile of only === undefined ? selected : []) {
    if (scheduled.some((item) => item.suiteFile === suiteFile && !failed.has(item) && results.has(item))) {
      if (!scheduled.some((item) => item.suiteFile === suiteFile && failed.has(item)))
        ranSuites.add(suiteFile);
    }
  }

  const merged = mergeResults(await readPreviousResults(), rows, ranSuites, files);
  await writeFile(resultsPath, `${JSON.stringify(merged, null, 2)}\n`);
  process.stdout.write(`${formatTable(rows)}\n`);
  const misses = rows.filter((row) => meetsTarget(row) === false).length;
  const withTargets = rows.filter((row) => meetsTarget(row) !== undefined).length;
  process.stdout.write(
    `\n${rows.length} rows, ${withTargets - misses}/${withTargets} targets met${crashed > 0 ? `, ${crashed} scenario(s) or suite(s) failed` : ''}; ` +
      `wrote ${resultsPath}\n`,
  );
  if (crashed > 0) return 1;
  if (strict && misses > 0) return 1;
  return 0;
}

/**
 * Rows of one scenario over its fresh processes: per row name, the median value and baseline, their min–max, and
 * the note and target of the run closest to the median.
 */
function aggregateRuns(runs: readonly BenchRow[][]): BenchRow[] {
  const names = [...new Set(runs.flat().map((row) => row.name))];
  return names.map((name) => {
    const samples = runs.flatMap((rows) => rows.filter((row) => row.name === name));
    const values = samples.map((row) => row.value);
    const value = medianOf(values);
    const baselines = samples.map((row) => row.baseline);
    const baseline = baselines.every((item) => item !== null) ? medianOf(baselines as number[]) : null;
    const representative = samples.reduce((closest, row) =>
      Math.abs(row.value - value) < Math.abs(closest.value - value) ? row : closest,
    );
    const { ratio: _ratio, ...rest } = representative;
    return createRow({
      ...rest,
      value,
      baseline,
      runs: samples.length,
      valueRange: [Math.min(...values), Math.max(...values)],
      ...(baseline === null
        ? {}
        : {
            baselineRange: [
              Math.min(...(baselines as number[])),
              Math.max(...(baselines as number[])),
            ] as const,
          }),
    });
  });
}

/** Runs one suite in a fresh `node --expose-gc` process and reads what it reports. */
function runChildProcess(
  suiteFile: string,
  environment: Record<string, string>,
  quick: boolean,
): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [...process.execArgv, '--expose-gc', fileURLToPath(import.meta.url)],
      {
        env: {
          ...process.env,
          ...environment,
          FAULTLINE_BENCH_CHILD_SUITE: suiteFile,
          BENCH_QUICK: quick ? '1' : '0',
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      const line = stdout.split('\n').find((candidate) => candidate.startsWith(resultMarker));
      if (code !== 0 || line === undefined) {
        reject(new Error(`exited with ${signal ?? code}${line === undefined ? ' without a result' : ''}`));
        return;
      }
      resolve(JSON.parse(line.slice(resultMarker.length)) as ChildResult);
    });
  });
}

/** The child side: runs one suite, listing its scenarios or measuring one of them, and prints the result line. */
async function runChild(suiteFile: string): Promise<number> {
  const listing = process.env.FAULTLINE_BENCH_LIST === '1';
  const wanted = process.env.FAULTLINE_BENCH_SCENARIO;
  const suite = (
    (await import(pathToFileURL(join(suitesDirectory, `${suiteFile}.ts`)).href)) as { suite?: BenchSuite }
  ).suite;
  if (suite === undefined || typeof suite.run !== 'function') {
    throw new Error(`${suiteFile}.ts does not export \`suite: BenchSuite\``);
  }
  const listed: { key: string; runs?: number }[] = [];
  let measured: BenchRow[] | undefined;
  const context: BenchContext = {
    quick: process.env.BENCH_QUICK === '1',
    log: (message) => process.stderr.write(`  ${message}\n`),
    async scenario(key, measure, options = {}) {
      if (listed.some((item) => item.key === key))
        throw new Error(`${suiteFile}: two scenarios named "${key}"`);
      listed.push({ key, ...(options.runs === undefined ? {} : { runs: options.runs }) });
      if (listing || key !== wanted) return [];
      collectGarbage();
      measured = await measure();
      return measured;
    },
  };
  const stray = await suite.run(context);
  if (listing && stray.length > 0) {
    throw new Error(
      `${suiteFile}: rows outside a context.scenario(): ${stray.map((row) => row.name).join(', ')}`,
    );
  }
  let result: ChildResult;
  if (listing) result = { kind: 'list', scenarios: listed };
  else if (measured === undefined) throw new Error(`${suiteFile} has no scenario "${wanted}"`);
  else result = { kind: 'rows', rows: measured };
  process.stdout.write(`\n${resultMarker}${JSON.stringify(result)}\n`);
  return 0;
}

async function someSuiteMeasuresPackages(suiteFiles: ReadonlySet<string>): Promise<boolean> {
  for (const suiteFile of suiteFiles) {
    const text = await readFile(join(suitesDirectory, `${suiteFile}.ts`), 'utf8');
    if (text.includes('measurePackageCost')) return true;
  }
  return false;
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

/** Whether a suite's `name` matches a filter, read from its source so the module is not imported. */
async function suiteNameMatches(file: string, filters: readonly string[]): Promise<boolean> {
  try {
    const text = await readFile(join(suitesDirectory, file), 'utf8');
    const name = /\bname:\s*'([^']*)'/.exec(text)?.[1] ?? '';
    return filters.some((filter) => name.includes(filter));
  } catch {
    return false;
  }
}

async function readPreviousResults(): Promise<BenchRow[]> {
  try {
    const previous = JSON.parse(await readFile(resultsPath, 'utf8')) as unknown;
    return Array.isArray(previous) ? (previous as BenchRow[]) : [];
  } catch {
    return [];
  }
}

/** Rows of the suites just run replace theirs; other suites' rows are kept; order follows the suite files. */
function mergeResults(
  previous: readonly BenchRow[],
  fresh: readonly BenchRow[],
  ranSuites: ReadonlySet<string>,
  files: readonly string[],
): BenchRow[] {
  const order = new Map(files.map((file, index) => [basename(file, '.ts'), index]));
  const freshNames = new Set(fresh.map((row) => row.name));
  const kept = previous.filter(
    (row) =>
      row.suite !== undefined &&
      !ranSuites.has(row.suite) &&
      order.has(row.suite) &&
      !freshNames.has(row.name),
  );
  const all = [...kept, ...fresh];
  // Stable sort: by suite file, rows of one suite in the order the suite returned them.
  return all
    .map((row, index) => ({ row, index }))
    .sort((a, b) => {
      const bySuite = (order.get(a.row.suite ?? '') ?? 0) - (order.get(b.row.suite ?? '') ?? 0);
      return bySuite !== 0 ? bySuite : a.index - b.index;
    })
    .map(({ row }) => row);
}

function formatTable(rows: readonly BenchRow[]): string {
  const header = ['name', 'value', 'min–max', 'unit', 'baseline', 'ratio', 'target', 'result'];
  const body = rows.map((row) => {
    const met = meetsTarget(row);
    return [
      row.name,
      formatNumber(row.value),
      row.valueRange === undefined || (row.runs ?? 1) < 2
        ? ''
        : `${formatNumber(row.valueRange[0])}–${formatNumber(row.valueRange[1])}`,
      row.unit,
      formatNumber(row.baseline),
      row.ratio === null ? '—' : `${formatNumber(row.ratio)}×`,
      describeTarget(row.target),
      met === undefined ? '' : met ? 'pass' : 'MISS',
    ];
  });
  const numeric = new Set([1, 2, 4, 5]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...body.map((cells) => (cells[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) =>
        numeric.has(column) ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0),
      )
      .join('  ')
      .trimEnd();
  const separator = widths.map((width) => '─'.repeat(width)).join('  ');
  const notes = rows
    .filter((row) => row.note !== undefined)
    .map((row) => `  · ${row.name}: ${row.note}`)
    .join('\n');
  return [line(header), separator, ...body.map(line), ...(notes === '' ? [] : ['', 'Notes:', notes])].join(
    '\n',
  );
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
