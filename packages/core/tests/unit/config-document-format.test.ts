import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigDocumentError, decodeConfigDocument, formatFromFileName } from '../../src/index.js';

describe('decodeConfigDocument', () => {
  it('reads JSON and YAML to the same value', async () => {
    const json = await decodeConfigDocument('{"id":"orders","faults":[{"id":"a","probability":0.5}]}');
    const yaml = await decodeConfigDocument('id: orders\nfaults:\n  - id: a\n    probability: 0.5\n');

    expect(yaml).toEqual(json);
  });

  it('refuses YAML alias bombs', async () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', 'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]'];
    bomb.push(
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
    );

    await expect(decodeConfigDocument(bomb.join('\n'), { format: 'yaml' })).rejects.toThrow(
      ConfigDocumentError,
    );
  });

  it('only ever throws ConfigDocumentError on arbitrary text', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 200 }), async (text) => {
        try {
          await decodeConfigDocument(text, { sourceName: 'test' });
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigDocumentError);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips arbitrary JSON values', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (value) => {
        const text = JSON.stringify(value);
        expect(await decodeConfigDocument(text, { format: 'json' })).toEqual(JSON.parse(text));
      }),
      { numRuns: 200 },
    );
  });
});

describe('formatFromFileName', () => {
  it.each([
    ['a.json', 'json'],
    ['A.YAML', 'yaml'],
    ['b.yml', 'yaml'],
    ['c.conf', undefined],
  ])('%s → %s', (fileName, format) => {
    expect(formatFromFileName(fileName)).toBe(format);
  });
});
