import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repositoryRoot } from '../src/markdown.js';

/**
 * The Node major a deploy example starts a function on, per platform: the newest one CI tests that the platform
 * runs. Lambda (`nodejs24.x`) and Cloud Functions (`nodejs24`) have Node 24; the Azure examples may say 22 or 24.
 * Node 20 left support in April 2026, so a copied example must not start a new function on it (a layer may still
 * list it among its compatible runtimes: that only says where the layer works).
 */
const deployableMajors = { lambda: ['24'], gcp: ['24'], azure: ['22', '24'] } as const;

/** Tracked Markdown, YAML and Terraform files outside tests and changelogs. */
function deployFiles(): string[] {
  return execFileSync('git', ['ls-files', '-z'], { cwd: repositoryRoot, encoding: 'utf8' })
    .split('\0')
    .filter(
      (file) =>
        /\.(md|ya?ml|tf)$/.test(file) &&
        !/(^|\/)CHANGELOG\.md$/.test(file) &&
        !file.startsWith('.changeset/') &&
        !file.endsWith('pnpm-lock.yaml') &&
        !/(^|\/)tests?\//.test(file),
    );
}

/**
 * The runtime a deploy example starts a function on: SAM/CloudFormation `Runtime: nodejs24.x`, Serverless
 * `runtime: nodejs24.x`, `gcloud --runtime=nodejs24`, Terraform `runtime = "nodejs24"`, `az --runtime-version 22`.
 */
const runtimePatterns = [
  { platform: 'lambda', pattern: /\bruntime:\s*nodejs(\d+)\.x/gi },
  { platform: 'gcp', pattern: /--runtime[= ]nodejs(\d+)/g },
  { platform: 'gcp', pattern: /\bruntime\s*=\s*"nodejs(\d+)"/g },
  { platform: 'azure', pattern: /--runtime node --runtime-version (\d+)/g },
] as const;

type Platform = keyof typeof deployableMajors;

function runtimesNamed(): { where: string; platform: Platform; major: string }[] {
  const found: { where: string; platform: Platform; major: string }[] = [];
  for (const file of deployFiles()) {
    const text = readFileSync(join(repositoryRoot, file), 'utf8');
    for (const { platform, pattern } of runtimePatterns) {
      for (const match of text.matchAll(pattern)) {
        const line = text.slice(0, match.index).split('\n').length;
        found.push({ where: `${file}:${line}`, platform, major: match[1] as string });
      }
    }
  }
  return found;
}

describe('deploy examples', () => {
  it('start functions on the newest Node each platform runs (24 on Lambda and Cloud Functions, 22 or 24 on Azure)', () => {
    const named = runtimesNamed();
    // The SAM template, the gcloud and az recipes and the zero-code docs all name a runtime.
    for (const platform of Object.keys(deployableMajors) as Platform[])
      expect(named.filter((entry) => entry.platform === platform).length).toBeGreaterThan(0);
    const outdated = named.filter(
      ({ platform, major }) => !(deployableMajors[platform] as readonly string[]).includes(major),
    );
    expect(outdated, 'a deploy example names a runtime CI does not test or the platforms retired').toEqual(
      [],
    );
  });
});
