import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigDocumentError, decodeConfigDocument, formatFromFileName } from '../../src/index.js';

describe('decodeConfigDocument', () => {
  it('reads JSON, and refuses YAML with the fix (functions read JSON only)', async () => {
    const json = await decodeConfigDocument('{"id":"orders","faults":[{"id":"a","probability":0.5}]}');
    const yaml = decodeConfigDocument('id: orders\nfaults:\n  - id: a\n    probability: 0.5\n', {
      sourceName: 'env:FAULTLINE_CONFIG',
    });
    const declared = decodeConfigDocument('{"id":"orders"}', { format: 'yaml', sourceName: 'file:x.yaml' });

    expect(json).toEqual({ id: 'orders', faults: [{ id: 'a', probability: 0.5 }] });
    await expect(yaml).rejects.toThrow(/env:FAULTLINE_CONFIG is not valid JSON at line 1, column 1/);
    await expect(yaml).rejects.toThrow(/functions read experiments as JSON only/);
    await expect(declared).rejects.toThrow(
      /file:x\.yaml is YAML, and functions read experiments as JSON only/,
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
