import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { defaultMaxConfigSizeBytes, documentLimits } from '../../src/index.js';

const repository = fileURLToPath(new URL('../../../../', import.meta.url));

/** The "Hostile input" section of docs/reliability.md. */
function hostileInputSection(): string {
  const text = readFileSync(join(repository, 'docs', 'reliability.md'), 'utf8');
  const start = text.indexOf('## Hostile input');
  expect(start, 'docs/reliability.md has a "Hostile input" section').toBeGreaterThan(-1);
  const end = text.indexOf('\n## ', start + 1);
  return text.slice(start, end === -1 ? undefined : end);
}

function testFiles(): Set<string> {
  const names = new Set<string>();
  const walk = (directory: string): void => {
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name === 'dist') continue;
      const path = join(directory, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.test.ts')) names.add(entry.name);
    }
  };
  walk(join(repository, 'packages'));
  return names;
}

const spaced = (value: number): string => value.toLocaleString('en-US').replace(/,/g, ' ');

describe('docs/reliability.md, "Hostile input"', () => {
  it('states the limits the code enforces', () => {
    const section = hostileInputSection();

    expect(section).toContain(`${defaultMaxConfigSizeBytes / 1024} KiB`);
    expect(section).toContain(`nesting ≤ ${documentLimits.maxDepth} levels`);
    expect(section).toContain(`≤ ${spaced(documentLimits.maxValues)} values`);
    expect(section).toContain(`≤ ${spaced(documentLimits.maxEntries)} entries per object or array`);
  });

  it('names, for every row, test files that exist', () => {
    const section = hostileInputSection();
    const rows = section.split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| input'));
    const existing = testFiles();

    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      const named = [...row.matchAll(/`(?:[\w./-]*\/)?([\w.-]+\.test\.ts)`/g)].map(
        (match) => match[1] as string,
      );
      expect(named.length, row).toBeGreaterThan(0);
      for (const name of named)
        expect(existing.has(name), `${name} (named in: ${row.slice(0, 60)}…)`).toBe(true);
    }
  });
});
