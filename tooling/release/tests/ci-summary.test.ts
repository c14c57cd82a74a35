import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { repositoryRoot } from '../src/workspace.ts';

const script = join(repositoryRoot, 'scripts', 'sum-vitest-reports.mjs');
const folders: string[] = [];

/** A reports folder with one JSON report per package and run, in vitest's JSON reporter's shape. */
function reportsFolder(
  runs: Record<string, Record<string, { passed: number; failed: number; crashed?: number }>>,
) {
  const folder = mkdtempSync(join(tmpdir(), 'faultline-reports-'));
  folders.push(folder);
  for (const [run, packages] of Object.entries(runs)) {
    mkdirSync(join(folder, run), { recursive: true });
    for (const [name, counts] of Object.entries(packages)) {
      const crashedFiles = Array.from({ length: counts.crashed ?? 0 }, () => ({
        status: 'failed',
        assertionResults: [],
      }));
      writeFileSync(
        join(folder, run, `${name}.json`),
        JSON.stringify({
          numPassedTests: counts.passed,
          numFailedTests: counts.failed,
          testResults: crashedFiles,
        }),
      );
    }
  }
  return folder;
}

function summarise(folder: string, status = '0'): string[] {
  return execFileSync(
    process.execPath,
    [script, '--status', status, '--runs', 'node20,node22,node24', folder],
    { encoding: 'utf8' },
  )
    .trimEnd()
    .split('\n');
}

afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

describe('the CI summary line over three Node runs', () => {
  it('sums every run into one last line and prints a line per run before it', () => {
    const one = { core: { passed: 10, failed: 0 }, cli: { passed: 5, failed: 0 } };
    const lines = summarise(reportsFolder({ node20: one, node22: one, node24: one }));
    expect(lines.at(-1)).toBe('45 passed, 0 failed');
    expect(lines.slice(0, -1)).toEqual([
      '  node20 — 15 tests passed, 0 failed',
      '  node22 — 15 tests passed, 0 failed',
      '  node24 — 15 tests passed, 0 failed',
    ]);
  });

  it('counts failures and test files that crashed in any run', () => {
    const good = { core: { passed: 10, failed: 0 } };
    const lines = summarise(
      reportsFolder({
        node20: good,
        node22: { core: { passed: 9, failed: 1 } },
        node24: { core: { passed: 9, failed: 0, crashed: 2 } },
      }),
    );
    expect(lines.at(-1)).toBe('28 passed, 3 failed');
  });

  it('never prints a clean line when a run is missing or lacks a package another run reported', () => {
    const both = { core: { passed: 10, failed: 0 }, cli: { passed: 5, failed: 0 } };
    expect(summarise(reportsFolder({ node20: both, node22: both })).at(-1)).toBe('30 passed, 1 failed');
    expect(
      summarise(
        reportsFolder({ node20: both, node22: both, node24: { core: { passed: 10, failed: 0 } } }),
      ).at(-1),
    ).toBe('40 passed, 1 failed');
  });

  it('never prints a clean line when lint or typecheck failed', () => {
    const one = { core: { passed: 10, failed: 0 } };
    expect(summarise(reportsFolder({ node20: one, node22: one, node24: one }), '1').at(-1)).toBe(
      '30 passed, 1 failed',
    );
  });
});
