import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { experimentJsonSchemaId, generateExperimentJsonSchema } from '@faultline/core';
import { describe, expect, it } from 'vitest';
import { readRepositoryFile, repositoryRoot } from '../src/markdown.js';

const publishedPath = 'node_modules/@faultline/core/schema/experiment.v1.schema.json';

describe('the JSON Schema as the README tells users to use it', () => {
  const manifest = JSON.parse(readFileSync(join(repositoryRoot, 'packages/core/package.json'), 'utf8')) as {
    files: string[];
    exports: Record<string, unknown>;
  };

  it('is published at the path the README names (in the package files and its exports map)', () => {
    const readme = readRepositoryFile('README.md');
    expect(readme).toContain(publishedPath);
    expect(manifest.files).toContain('schema');
    expect(manifest.exports['./schema/experiment.v1.schema.json']).toBe('./schema/experiment.v1.schema.json');
  });

  it('has the stable $id the README states, the one faultline generates', () => {
    const schema = JSON.parse(
      readFileSync(join(repositoryRoot, 'packages/core/schema/experiment.v1.schema.json'), 'utf8'),
    );
    expect(schema.$id).toBe(experimentJsonSchemaId);
    expect(generateExperimentJsonSchema().$id).toBe(experimentJsonSchemaId);
    expect(readRepositoryFile('README.md').replace(/\s+/g, ' ')).toContain(
      `stable \`$id\` \`${experimentJsonSchemaId}\``,
    );
  });
});
