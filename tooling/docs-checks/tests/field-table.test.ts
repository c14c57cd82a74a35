import { knownFields } from '@faultline/core';
import { describe, expect, it } from 'vitest';
import { readRepositoryFile } from '../src/markdown.js';

/** The first column of the table under `## Fields` in docs/experiment-format.md, backticks removed. */
function documentedFields(): string[] {
  const text = readRepositoryFile('docs/experiment-format.md');
  const section = text.slice(text.indexOf('\n## Fields\n'));
  const table = section.slice(section.indexOf('| field | value |'));
  const rows: string[] = [];
  for (const line of table.split('\n').slice(2)) {
    if (!line.startsWith('|')) break;
    const first = line.split('|')[1]?.trim() ?? '';
    rows.push(first.replace(/^`|`$/g, ''));
  }
  return rows;
}

describe('the field table of docs/experiment-format.md', () => {
  it('lists exactly the fields of core (knownFields), which the cross-cloud contract checks on every adapter', () => {
    expect(documentedFields()).toEqual([...knownFields]);
  });
});
