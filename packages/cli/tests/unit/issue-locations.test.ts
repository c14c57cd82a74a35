import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { locateIssues, parsePath } from '../../src/issue-locations.js';

describe('parsePath', () => {
  it('splits keys, indexes and quoted keys', () => {
    expect(parsePath('run.targets[0].probe.url')).toEqual(['run', 'targets', 0, 'probe', 'url']);
    expect(parsePath('labels["a.b"].x')).toEqual(['labels', 'a.b', 'x']);
    expect(parsePath('')).toEqual([]);
  });

  it('reads back any path core writes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.nat(50), fc.string({ minLength: 1, maxLength: 8 })), {
          minLength: 1,
          maxLength: 6,
        }),
        (segments) => {
          // Core's joinPath: identifiers with a dot, indexes in brackets, other keys JSON-quoted in brackets.
          let path = '';
          for (const segment of segments) {
            if (typeof segment === 'number') path += `[${segment}]`;
            else if (/^[A-Za-z_$][\w$-]*$/.test(segment)) path += path === '' ? segment : `.${segment}`;
            else path += `[${JSON.stringify(segment)}]`;
          }
          expect(parsePath(path)).toEqual(segments);
        },
      ),
    );
  });
});

describe('locateIssues', () => {
  const yaml = [
    'schemaVersion: 1',
    'id: bad',
    'faults:',
    '  - { id: a, type: latency, delayMs: 10, probability: 5 }',
    '  - id: b',
    '    type: latncy',
  ].join('\n');

  it('points a map entry at its key and a list item at the item (YAML)', async () => {
    const [probability, type, item] = await locateIssues(yaml, [
      { path: 'faults[0].probability', message: 'must be between 0 and 1' },
      { path: 'faults[1].type', message: 'unknown' },
      { path: 'faults[1]', message: 'whole item' },
    ]);
    expect(probability).toMatchObject({ line: 4, column: 42 });
    expect(type).toMatchObject({ line: 6, column: 5 });
    expect(item).toMatchObject({ line: 5, column: 5 });
  });

  it('points a missing field at the closest value that exists', async () => {
    const [missing] = await locateIssues(yaml, [{ path: 'faults[1].delayMs', message: 'is required' }]);
    expect(missing).toMatchObject({ line: 5, column: 5 });
  });

  it('locates paths in JSON too', async () => {
    const json = '{\n  "schemaVersion": 1,\n  "faults": [\n    { "id": "a", "probability": 2 }\n  ]\n}';
    const [issue] = await locateIssues(json, [{ path: 'faults[0].probability', message: 'too big' }]);
    expect(issue).toMatchObject({ line: 4, column: 18 });
  });

  it('keeps the position a syntax error reported, and leaves document-level issues without one', async () => {
    const [syntax, document] = await locateIssues('x', [
      { path: '', message: 'is not valid YAML at line 3, column 7: bad indentation' },
      { path: '', message: 'is empty' },
    ]);
    expect(syntax).toMatchObject({ line: 3, column: 7 });
    expect(document).not.toHaveProperty('line');
  });
});
