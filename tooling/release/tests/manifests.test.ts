import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain JavaScript module shared with the build (tsdown.shared.ts), no types
import { normalizeManifest } from '../../../scripts/package-exports.mjs';
import { readPublishedPackages } from '../src/workspace.ts';

describe('published manifests', () => {
  it.each(readPublishedPackages().map((item) => [item.manifest.name, item.directory] as const))(
    '%s is committed as the build derives it from its source conditions (else run pnpm build and commit package.json)',
    (_name, directory) => {
      const text = readFileSync(join(directory, 'package.json'), 'utf8');
      expect(text).toBe(`${JSON.stringify(normalizeManifest(JSON.parse(text)), null, 2)}\n`);
    },
  );
});
