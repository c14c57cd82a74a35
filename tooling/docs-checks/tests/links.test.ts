import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findBrokenLinks } from '../src/links.js';
import { headingAnchors, markdownFiles, readRepositoryFile, repositoryRoot, slug } from '../src/markdown.js';

const scratch = mkdtempSync(join(repositoryRoot, 'tooling/docs-checks/.links-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('relative links in the Markdown files', () => {
  it('resolve to files of the repository and to headings that exist', () => {
    const files = markdownFiles();
    expect(files).toContain('README.md');
    expect(files).toContain('docs/cli.md');
    const broken = files
      .flatMap(findBrokenLinks)
      .map((link) => `${link.file}:${link.line}: ${link.target} — ${link.reason}`);
    expect(broken).toEqual([]);
  });

  it('would catch a missing file, a missing anchor and a path outside the repository', () => {
    const file = relative(repositoryRoot, join(scratch, 'bad.md'));
    writeFileSync(
      join(scratch, 'bad.md'),
      [
        '# Title',
        'See [the guide](../../../docs/nope.md), [a section](../../../docs/cli.md#no-such-heading),',
        '[elsewhere](../../../../outside.md), [here](#title), [ok](../../../docs/cli.md#exit-codes)',
        'and `[not a link](nowhere.md)`.',
      ].join('\n'),
    );
    expect(findBrokenLinks(file).map((link) => link.reason)).toEqual([
      'docs/nope.md does not exist',
      'docs/cli.md has no heading #no-such-heading',
      'points outside the repository',
    ]);
  });
});

describe('the docs', () => {
  it('never cite a path outside the repository', () => {
    const outside = /(?:^|[\s(`'"])(\/(?:work|home|Users|root|mnt)\/[^\s)`'"]*)/g;
    const found = markdownFiles().flatMap((file) =>
      [...readRepositoryFile(file).matchAll(outside)].map((match) => `${file}: ${match[1]}`),
    );
    expect(found).toEqual([]);
  });
});

describe('heading anchors', () => {
  it('follow GitHub: punctuation dropped, code and links as text, repeats numbered', () => {
    expect(slug('The `run` section')).toBe('the-run-section');
    expect(slug('faultline off / on')).toBe('faultline-off--on');
    expect(slug('faultline and AWS FIS')).toBe('faultline-and-aws-fis');
    expect([...headingAnchors('## Usage\n## Usage\n```\n# not a heading\n```\n')]).toEqual([
      'usage',
      'usage-1',
    ]);
  });
});
