// Sums vitest JSON reports into the line CI reads: "N passed, N failed".
//
//   node scripts/sum-vitest-reports.mjs [--status N] [--runs a,b,c] DIRECTORY
//
// Without --runs, DIRECTORY holds one report per package. With --runs, it holds one folder per run (one per Node
// version in .ci/run), each with one report per package: every run must be there and report the same packages, a
// line per run is printed first, and the last line sums all runs. --status is the exit status of the steps that
// are not tests (lint, typecheck, a crashed task): when it is not 0, the line never reads "0 failed".
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const argv = process.argv.slice(2);
const option = (name) => {
  const index = argv.indexOf(name);
  if (index === -1) return undefined;
  const [value] = argv.splice(index, 2).slice(1);
  return value;
};
const status = option('--status') ?? '0';
const runs = option('--runs')
  ?.split(',')
  .filter((run) => run !== '');
const directory = argv[0] ?? '.vitest-reports';

/** Passed and failed tests of one folder of reports, and which packages reported. */
function sumFolder(folder) {
  let passed = 0;
  let failed = 0;
  const packages = [];
  if (!existsSync(folder)) return { passed, failed, packages };
  for (const name of readdirSync(folder).filter((entry) => entry.endsWith('.json'))) {
    const report = JSON.parse(readFileSync(join(folder, name), 'utf8'));
    passed += report.numPassedTests ?? 0;
    failed += report.numFailedTests ?? 0;
    // A test file that failed to load has no failed test but a failed suite: count it.
    for (const result of report.testResults ?? []) {
      if (result.status === 'failed' && (result.assertionResults ?? []).length === 0) failed += 1;
    }
    packages.push(name.replace(/\.json$/, ''));
  }
  return { passed, failed, packages: packages.sort() };
}

let passed = 0;
let failed = 0;
if (runs === undefined) {
  const total = sumFolder(directory);
  ({ passed, failed } = total);
  // No report at all: never print a clean line.
  if (total.packages.length === 0) failed += 1;
} else {
  const results = runs.map((run) => ({ run, ...sumFolder(join(directory, run)) }));
  const allPackages = [...new Set(results.flatMap((result) => result.packages))].sort();
  for (const result of results) {
    const missing = allPackages.filter((name) => !result.packages.includes(name));
    // A run without reports, or without a package another run reported, did not run everything.
    const incomplete = result.packages.length === 0 || missing.length > 0 ? 1 : 0;
    passed += result.passed;
    failed += result.failed + incomplete;
    const note =
      result.packages.length === 0
        ? ' (no report: counted as 1 failed)'
        : missing.length > 0
          ? ` (no report from ${missing.join(', ')}: counted as 1 failed)`
          : '';
    console.log(`  ${result.run} — ${result.passed} tests passed, ${result.failed} failed${note}`);
  }
}
// A non-test step (lint, typecheck) failed: never print a clean line.
if (status !== '0' && failed === 0) failed += 1;
console.log(`${passed} passed, ${failed} failed`);
