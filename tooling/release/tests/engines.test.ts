import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { readWorkspacePackages, repositoryRoot } from '../src/workspace.ts';

/** The Node versions `.ci/run` installs and runs the whole suite on (`nodeXX_version=…`). */
function ciNodeVersions(): Map<number, string> {
  const script = readFileSync(join(repositoryRoot, '.ci', 'run'), 'utf8');
  const versions = new Map<number, string>();
  for (const match of script.matchAll(/^node(\d+)_version=(\d+\.\d+\.\d+)$/gm)) {
    versions.set(Number(match[1]), match[2] as string);
  }
  return versions;
}

describe('engines say what CI tests', () => {
  const rootManifest = JSON.parse(readFileSync(join(repositoryRoot, 'package.json'), 'utf8')) as {
    engines?: { node?: string };
  };
  const range = rootManifest.engines?.node ?? '';

  it('CI runs the suite on Node 20, 22 and 24, each at a pinned version', () => {
    expect([...ciNodeVersions().keys()].sort((a, b) => a - b)).toEqual([20, 22, 24]);
  });

  it('the root range admits every version CI runs and no major it does not run', () => {
    expect(semver.validRange(range)).not.toBeNull();
    for (const [major, version] of ciNodeVersions()) {
      expect(semver.satisfies(version, range), `${version} satisfies ${range}`).toBe(true);
      expect(semver.minVersion(range)?.major).toBe(20);
      expect(semver.major(version)).toBe(major);
    }
    // The majors between and after the tested ones (odd lines, the next even one) are not claimed.
    for (const untested of ['21.7.0', '23.11.0', '25.0.0', '26.0.0', '19.9.0']) {
      expect(semver.satisfies(untested, range), `${untested} is outside ${range}`).toBe(false);
    }
  });

  it('runs on the Node version CI meant (.ci/run sets FAULTLINE_EXPECTED_NODE_MAJOR for each of its three runs)', () => {
    const expected = process.env.FAULTLINE_EXPECTED_NODE_MAJOR;
    const major = Number(process.versions.node.split('.')[0]);
    expect(ciNodeVersions().has(major), `Node ${process.versions.node} is one CI tests`).toBe(true);
    if (expected !== undefined) expect(major).toBe(Number(expected));
  });

  it('every workspace package declares the same range as the root', () => {
    const packages = readWorkspacePackages();
    expect(packages.length).toBeGreaterThanOrEqual(10);
    for (const workspacePackage of packages) {
      expect(workspacePackage.manifest.engines?.node, `${workspacePackage.manifest.name} engines.node`).toBe(
        range,
      );
    }
  });
});
