import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repositoryRoot } from '../src/markdown.js';

/**
 * Experiments shown in the docs and examples carry a `window.end` (auto-expiry). A reader copies them as they are:
 * an example whose window has ended injects nothing and looks broken. This fails half a year before any example
 * expires, so there is time to move it on.
 */
const marginDays = 183;

/** Tracked docs and example files: Markdown, experiment files, and the TSDoc of the packages' sources. */
function trackedFiles(): string[] {
  const listed = execFileSync('git', ['ls-files', '-z'], { cwd: repositoryRoot, encoding: 'utf8' })
    .split('\0')
    .filter((file) => file !== '');
  return listed.filter(
    (file) =>
      (/\.(md|ya?ml|json|ts)$/.test(file) &&
        !/(^|\/)CHANGELOG\.md$/.test(file) &&
        !file.startsWith('.changeset/') &&
        !file.endsWith('pnpm-lock.yaml') &&
        !file.endsWith('.schema.json') &&
        !/(^|\/)tests?\//.test(file) &&
        !file.startsWith('bench/results.json')) ||
      false,
  );
}

/** Every `end: <ISO date-time>` (YAML, JSON or TypeScript object syntax) with where it is. */
function windowEnds(): { where: string; end: string }[] {
  const found: { where: string; end: string }[] = [];
  const pattern =
    /["']?\bend["']?\s*:\s*["']?(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))/g;
  for (const file of trackedFiles()) {
    const text = readFileSync(join(repositoryRoot, file), 'utf8');
    for (const match of text.matchAll(pattern)) {
      const line = text.slice(0, match.index).split('\n').length;
      found.push({ where: `${file}:${line}`, end: match[1] as string });
    }
  }
  return found;
}

describe('examples in the docs do not expire', () => {
  it('finds the examples it guards (the README shows a window)', () => {
    expect(windowEnds().some((found) => found.where.startsWith('README.md:'))).toBe(true);
  });

  it(`every window.end shown is at least ${marginDays} days ahead`, () => {
    const deadline = Date.now() + marginDays * 24 * 60 * 60 * 1000;
    const expiring = windowEnds()
      .filter((found) => !(Date.parse(found.end) >= deadline))
      .map(
        (found) => `${found.where}: window end ${found.end} is past or within ${marginDays} days; move it on`,
      );
    expect(expiring).toEqual([]);
  });
});
