// Sums vitest JSON reports (one per package) into the line CI reads: "N passed, N failed".
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const directory = process.argv[2] ?? '.vitest-reports';
let passed = 0;
let failed = 0;
let files = 0;
for (const name of readdirSync(directory).filter((entry) => entry.endsWith('.json'))) {
  const report = JSON.parse(readFileSync(join(directory, name), 'utf8'));
  passed += report.numPassedTests ?? 0;
  failed += report.numFailedTests ?? 0;
  // A test file that failed to load has no failed test but a failed suite: count it.
  for (const result of report.testResults ?? []) {
    if (result.status === 'failed' && (result.assertionResults ?? []).length === 0) failed += 1;
  }
  files += 1;
}
// No report at all, or a non-test step (lint, typecheck) failed: never print a clean line.
if (files === 0 || (process.argv[3] !== undefined && process.argv[3] !== '0' && failed === 0)) failed += 1;
console.log(`${passed} passed, ${failed} failed`);
