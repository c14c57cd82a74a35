import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatValidationIssues, parseExperimentText, validateExperiment } from '../../src/index.js';

const repositoryRoot = join(import.meta.dirname, '..', '..', '..', '..');

/** Every fenced YAML block of a Markdown file that looks like a whole experiment (it has `schemaVersion`). */
function experimentBlocks(relativePath: string): string[] {
  const markdown = readFileSync(join(repositoryRoot, relativePath), 'utf8');
  return [...markdown.matchAll(/```yaml\n([\s\S]*?)```/g)]
    .map((match) => match[1] ?? '')
    .filter((block) => block.includes('schemaVersion:'));
}

describe('documentation examples', () => {
  it.each(['README.md', 'docs/experiment-format.md'])(
    'every whole experiment in %s validates',
    async (file) => {
      const blocks = experimentBlocks(file);
      expect(blocks.length).toBeGreaterThan(0);
      for (const block of blocks) {
        const parsed = await parseExperimentText(block, { format: 'yaml' });
        expect(parsed.ok, parsed.ok ? '' : formatValidationIssues(parsed.issues)).toBe(true);
        if (!parsed.ok) continue;
        const result = validateExperiment(parsed.value);
        expect(result.ok, result.ok ? '' : `${file}:\n${formatValidationIssues(result.issues)}`).toBe(true);
      }
    },
  );
});
