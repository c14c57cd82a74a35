import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { loadExperimentFile } from '@faultline/cli';
import { describe, expect, it } from 'vitest';
import { repositoryRoot } from '../src/markdown.js';
import { checkSnippets } from '../src/snippets.js';

const examplesDirectory = join(repositoryRoot, 'examples');

function filesUnder(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(directory, entry.name)) : [join(directory, entry.name)],
  );
}

const files = filesUnder(examplesDirectory).map((file) => relative(repositoryRoot, file));
const experiments = files.filter((file) => /\.(ya?ml|json)$/.test(file));

describe('examples/', () => {
  it('has a ready experiment for each common drill', () => {
    for (const drill of [
      'examples/dynamodb-throttling.yaml',
      'examples/sqs-partial-batch.yaml',
      'examples/dead-downstream.yaml',
      'examples/cold-start-storm.yaml',
      'examples/firestore-latency.yaml',
      'examples/app-configuration-outage.yaml',
      'examples/middy-powertools/experiment.yaml',
      'examples/middy-powertools/handler.ts',
    ]) {
      expect(files).toContain(drill);
    }
  });

  it.each(experiments)('%s validates (the same checks as `faultline validate`)', async (file) => {
    const loaded = await loadExperimentFile(join(repositoryRoot, file));
    expect(loaded.ok ? [] : loaded.issues).toEqual([]);
  });

  it('every example handler type-checks against the real exports', () => {
    const handlers = files.filter((file) => file.endsWith('.ts'));
    const problems = checkSnippets(
      handlers.map((file) => ({
        file,
        line: 0,
        language: 'ts',
        flags: [],
        code: readFileSync(join(repositoryRoot, file), 'utf8'),
      })),
    );
    expect(problems.map((problem) => `${problem.file}:${problem.line}: ${problem.message}`)).toEqual([]);
  });
});
