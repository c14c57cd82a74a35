import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const sourceRoot = fileURLToPath(new URL('../../src/', import.meta.url));

async function sourceFiles(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true });
  const files = await Promise.all(
    entries.map((entry) => {
      const path = join(directory, entry.name);
      // `src/aws-sdk` is the `/aws-sdk` subpath (SDK middleware): users import it only with the SDK at hand.
      if (entry.isDirectory()) return entry.name === 'aws-sdk' ? [] : sourceFiles(path);
      return entry.name.endsWith('.ts') ? [path] : [];
    }),
  );
  return files.flat();
}

describe('optional peers stay lazy', () => {
  it('never imports @aws-sdk or @middy statically (only types, or import() on first use)', async () => {
    const offenders: string[] = [];
    for (const file of await sourceFiles(sourceRoot)) {
      const text = await readFile(file, 'utf8');
      for (const match of text.matchAll(
        /^\s*(import|export)\s+(?!type\b)[^;]*?from\s+'(@aws-sdk|@middy)\/[^']+'/gm,
      )) {
        offenders.push(`${relative(sourceRoot, file)}: ${match[0].trim()}`);
      }
    }

    expect(offenders).toEqual([]);
  });
});
