import { describe, expect, it } from 'vitest';
import { diffDocuments, formatChanges } from '../../src/structural-diff.js';

describe('diffDocuments', () => {
  it('reports nothing for equal documents', () => {
    expect(diffDocuments({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toEqual([]);
  });

  it('matches faults by id, so reordering is not a change and edits name the fault', () => {
    const before = {
      faults: [
        { id: 'a', probability: 0.1 },
        { id: 'b', probability: 1 },
      ],
    };
    const after = {
      faults: [
        { id: 'b', probability: 1 },
        { id: 'a', probability: 0.3 },
        { id: 'c', probability: 0.5 },
      ],
    };
    expect(formatChanges(diffDocuments(before, after))).toEqual([
      '~ faults[a].probability: 0.1 → 0.3',
      '+ faults[c]: {"id":"c","probability":0.5}',
    ]);
  });

  it('reports added and removed keys and a document that does not exist yet', () => {
    expect(formatChanges(diffDocuments({ enabled: true, window: {} }, { enabled: false }))).toEqual([
      '~ enabled: true → false',
      '- window: {}',
    ]);
    expect(diffDocuments(undefined, { id: 'x' })).toEqual([{ kind: 'added', path: '', after: { id: 'x' } }]);
  });
});
