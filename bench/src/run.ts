/**
 * `pnpm bench [filter…] [--quick] [--strict]`: runs every `src/suites/*.ts` (or those whose file or suite name
 * contains a filter), prints an aligned table with a pass/miss column, and writes `bench/results.json`.
 *
 * - `--quick` (or `BENCH_QUICK=1`): fewer rounds, for a smoke run; the numbers are not for publishing.
 * - `--strict`: exit non-zero when a row misses its target (a crashed suite always exits non-zero).
 * - A filtered run replaces only the rows of the suites it ran and keeps the others in `results.json`.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { applyLoopbackEnvironment } from '@faultline/testkit';
import {
  type BenchContext,
  type BenchRow,
  type BenchSuite,
  describeTarget,
  formatNumber,
  meetsTarget,
} from './harness.js';

const benchDirectory = dirname(dirname(fileURLToPath(import.meta.url)));
const suitesDirectory = join(benchDirectory, 'src', 'suites');
const resultsPath = join(benchDirectory, 'results.json');

async function main(): Promise<number> {
  applyLoopbackEnvironment();
  process.env.TURBO_TELEMETRY_DISABLED ??= '1';
  const argv = process.argv.slice(2);
  const quick = argv.includes('--quick') || process.env.BENCH_QUICK === '1';
  const strict = argv.includes('--strict');
  const filters = argv.filter((argument) => !argument.startsWith('--'));

  const files = (await readdir(suitesDirectory))
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .sort();
  const context: BenchContext = {
    quick,
    log: (message) => process.stderr.write(`  ${message}\n`),
  };

  const ranSuites = new Set<string>();
  const rows: BenchRow[] = [];
  let crashed = 0;
  for (const file of files) {
    const suiteFile = basename(file, '.ts');
    if (filters.length > 0 && !filters.some((filter) => suiteFile.includes(filter))) {
      // Not importing a filtered-out suite keeps a broken one from blocking everyone else's runs.
      const nameMatches = await suiteNameMatches(file, filters);
      if (!nameMatches) continue;
    }
    let suite: BenchSuite | undefined;
    try {
      suite = ((await import(pathToFileURL(join(suitesDirectory, file)).href)) as { suite?: BenchSuite })
        .suite;
    } catch (error) {
      crashed += 1;
      process.stderr.write(
        `✗ ${file} failed to load: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      continue;
    }
    if (suite === undefined || typeof suite.run !== 'function') {
      process.stderr.write(`✗ ${file} does not export \`suite: BenchSuite\`; skipped\n`);
      crashed += 1;
      continue;
    }
    if (
      filters.length > 0 &&
      !filters.some((filter) => suiteFile.includes(filter) || suite.name.includes(filter))
    ) {
      continue;
    }
    process.stderr.write(`▶ ${suite.name}${quick ? ' (quick)' : ''}\n`);
    const startedAt = performance.now();
    try {
      const suiteRows = await suite.run(context);
      for (const row of suiteRows) rows.push({ ...row, suite: suiteFile });
      ranSuites.add(suiteFile);
      process.stderr.write(`  done in ${((performance.now() - startedAt) / 1000).toFixed(1)} s\n`);
    } catch (error) {
      crashed += 1;
      process.stderr.write(
        `✗ ${suite.name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
    }
  }

  const merged = mergeResults(await readPreviousResults(), rows, ranSuites, files);
  await writeFile(resultsPath, `${JSON.stringify(merged, null, 2)}\n`);
  process.stdout.write(`${formatTable(rows)}\n`);
  const misses = rows.filter((row) => meetsTarget(row) === false).length;
  const withTargets = rows.filter((row) => meetsTarget(row) !== undefined).length;
  process.stdout.write(
    `\n${rows.length} rows, ${withTargets - misses}/${withTargets} targets met${crashed > 0 ? `, ${crashed} suite(s) failed` : ''}; ` +
      `wrote ${resultsPath}\n`,
  );
  if (crashed > 0) return 1;
  if (strict && misses > 0) return 1;
  return 0;
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
  const kept = previous.filter(
    (row) => row.suite !== undefined && !ranSuites.has(row.suite) && order.has(row.suite),
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
  const header = ['name', 'value', 'unit', 'baseline', 'ratio', 'target', 'result'];
  const body = rows.map((row) => {
    const met = meetsTarget(row);
    return [
      row.name,
      formatNumber(row.value),
      row.unit,
      formatNumber(row.baseline),
      row.ratio === null ? '—' : `${formatNumber(row.ratio)}×`,
      describeTarget(row.target),
      met === undefined ? '' : met ? 'pass' : 'MISS',
    ];
  });
  const numeric = new Set([1, 3, 4]);
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
