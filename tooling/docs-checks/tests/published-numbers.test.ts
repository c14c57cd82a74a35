import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRepositoryFile, repositoryRoot } from '../src/markdown.js';

interface BenchRow {
  readonly name: string;
  readonly value: number;
  readonly baseline: number | null;
}

const results = JSON.parse(readFileSync(join(repositoryRoot, 'bench/results.json'), 'utf8')) as BenchRow[];

/** What the bench measured as added over its baseline, in ms with one decimal, as the docs print it. */
function addedMs(name: string): string {
  const row = results.find((candidate) => candidate.name === name);
  if (row === undefined || row.baseline === null)
    throw new Error(`bench/results.json has no row "${name}" with a baseline`);
  return (row.value - row.baseline).toFixed(1);
}

describe('numbers the docs publish', () => {
  it("match bench/results.json: the aws-lambda README's cold import and first response", () => {
    const readme = readRepositoryFile('packages/aws-lambda/README.md').replace(/\s+/g, ' ');
    expect(readme).toContain(
      `adds ${addedMs('aws-lambda: cold import of @faultline/aws-lambda')} ms over an empty module`,
    );
    expect(readme).toContain(
      `comes ${addedMs('aws-lambda: cold start to the first response with @faultline/aws-lambda')} ms after a bare handler's`,
    );
  });

  it('match bench/results.json: the cold-import targets table of docs/performance.md', () => {
    const performance = readRepositoryFile('docs/performance.md');
    const row = performance.split('\n').find((line) => line.startsWith('| Cold import of an adapter entry'));
    for (const [adapter, label] of [
      ['gcp-functions', 'GCP'],
      ['azure-functions', 'Azure'],
      ['aws-lambda', 'AWS'],
    ] as const) {
      expect(row).toContain(`+${addedMs(`${adapter}: cold import of @faultline/${adapter}`)} ms (${label})`);
    }
  });
});
