/**
 * Every published package checks its API report in its own tests (so a change to a public surface fails the
 * package's own `pnpm test` until its `api-report.md` is updated and reviewed).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listWorkspacePackages, repositoryRoot } from '../src/workspace.js';

const published = listWorkspacePackages().filter((entry) => entry.manifest.private !== true);

describe('API reports', () => {
  it('are checked for the published packages', () => {
    expect(published.map((entry) => entry.manifest.name).sort()).toEqual([
      '@faultline/aws-lambda',
      '@faultline/azure-functions',
      '@faultline/cli',
      '@faultline/core',
      '@faultline/gcp-functions',
    ]);
  });

  it.each(published.map((entry) => [entry.manifest.name, entry.directory] as const))(
    '%s commits its report and checks it',
    (_name, directory) => {
      expect(existsSync(join(repositoryRoot, directory, 'api-report.md'))).toBe(true);
      const test = join(repositoryRoot, directory, 'tests/unit/api-report.test.ts');
      expect(existsSync(test) && readFileSync(test, 'utf8')).toMatch(/describeApiReport\(/);
    },
  );
});
