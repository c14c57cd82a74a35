import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkDocumentShape, scanJsonText } from '../../src/experiment/document-limits.js';
import { parseExperimentJson } from '../../src/experiment/parse-json.js';
import { documentLimits, parseExperimentText, validateExperiment } from '../../src/index.js';

const jsonAccepts = (text: string): boolean => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

/** JSON text mutated one character at a time: the inputs a scanner gets wrong. */
const mutatedJson = fc
  .tuple(
    fc.json({ maxDepth: 4 }),
    fc.nat(),
    fc.constantFrom(
      '',
      '"',
      '\\',
      ',',
      ':',
      '{',
      '}',
      '[',
      ']',
      ' ',
      'x',
      '0',
      '-',
      '.',
      'e',
      '\n',
      '\u0001',
      'u',
    ),
    fc.boolean(),
  )
  .map(([text, at, character, replace]) => {
    const position = text.length === 0 ? 0 : at % text.length;
    return text.slice(0, position) + character + text.slice(position + (replace ? 1 : 0));
  });

describe('scanJsonText', () => {
  it('accepts exactly what JSON.parse accepts (within the limits, without duplicate keys)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.json({ maxDepth: 5 }), mutatedJson, fc.string({ maxLength: 30 })), (text) => {
        const failure = scanJsonText(text);
        const duplicates = failure?.issue.message.includes('appears twice') ?? false;
        if (!duplicates) expect(failure === undefined).toBe(jsonAccepts(text));
      }),
      { numRuns: 5_000 },
    );
  });

  it('reports a position and a kind, never the text', () => {
    const cases: [string, string][] = [
      ['{"id": "x",}', 'line 1, column 12: expected a property name in double quotes'],
      ['{"id" "x"}', 'line 1, column 7: expected a colon after the property name'],
      ['{"id": "x"\n "b": 1}', 'line 2, column 2: expected a comma or a closing brace'],
      ['[1 2]', 'line 1, column 4: expected a comma or a closing bracket'],
      ['{"id": "hunter2', 'line 1, column 8: a string is not closed'],
      [
        '{"id": "a\tb"}',
        'line 1, column 10: a string holds a raw control character (write \\n, \\t, … instead)',
      ],
      ['{"id": "\\q"}', 'line 1, column 9: a string holds an invalid escape sequence'],
      ['{"n": 01}', 'line 1, column 8: expected a comma or a closing brace'],
      ['{"n": -}', 'line 1, column 7: a number is malformed'],
      ['{} {}', 'line 1, column 4: there is more text after the document'],
      ['{"id": 1, "id": 2}', 'line 1, column 11: a property name appears twice in one object'],
      ['{"\\u0069d": 1, "id": 2}', 'line 1, column 16: a property name appears twice in one object'],
      [
        'secret: hunter2',
        'line 1, column 1: expected a value (this is not JSON; YAML or plain text, perhaps)',
      ],
      ['   ', 'line 1, column 4: expected a value (this is not JSON; YAML or plain text, perhaps)'],
    ];
    for (const [text, expected] of cases) {
      const failure = scanJsonText(text);
      expect(failure?.issue.message, text).toBe(`is not valid JSON at ${expected}`);
      expect(failure?.issue.message).not.toContain('hunter2');
    }
  });

  it(`refuses nesting deeper than ${documentLimits.maxDepth}, more than ${documentLimits.maxValues} values and collections over ${documentLimits.maxEntries} entries, where they start`, () => {
    const deep = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
    const list = (entries: number) => `[${Array.from({ length: entries }, () => '0').join(',')}]`;
    const many = `[${Array.from({ length: 25 }, () => list(900)).join(',')}]`;

    expect(scanJsonText(deep(documentLimits.maxDepth))).toBeUndefined();
    expect(scanJsonText(deep(documentLimits.maxDepth + 1))?.issue.message).toBe(
      `is not valid JSON at line 1, column ${documentLimits.maxDepth + 1}: it nests deeper than ${documentLimits.maxDepth} levels`,
    );
    expect(scanJsonText(list(documentLimits.maxEntries))).toBeUndefined();
    expect(scanJsonText(list(documentLimits.maxEntries + 1))?.issue.message).toMatch(
      /an object or array holds more than 1000 entries/,
    );
    expect(scanJsonText(many)?.issue.message).toMatch(/it holds more than 20000 values/);
    expect(scanJsonText('['.repeat(250_000))?.issue.message).toMatch(/nests deeper than 32 levels/);
  });
});

describe('checkDocumentShape', () => {
  it('applies the same limits to decoded documents, without recursion, cycles included', () => {
    let deep: unknown = 1;
    for (let level = 0; level < 100_000; level++) deep = { a: deep };
    const cyclic: Record<string, unknown> = { id: 'x' };
    cyclic.self = cyclic;

    expect(checkDocumentShape({ schemaVersion: 1, id: 'x', faults: [] })).toBeUndefined();
    expect(checkDocumentShape(deep)?.message).toBe('nests deeper than 32 levels');
    expect(checkDocumentShape(cyclic)?.message).toMatch(/nests deeper than 32 levels|more than 20000 values/);
    expect(
      checkDocumentShape({ keys: Object.fromEntries(Array.from({ length: 1_001 }, (_, i) => [`k${i}`, i])) })
        ?.message,
    ).toBe('has an object or array with more than 1000 entries');
  });

  it('is what validation checks first, for every caller', () => {
    const wide = { schemaVersion: 1, id: 'x', faults: [], extra: Array.from({ length: 5_000 }, () => 0) };

    expect(validateExperiment(wide).issues).toEqual([
      expect.objectContaining({ path: '', message: 'has an object or array with more than 1000 entries' }),
    ]);
  });
});

describe('parsing experiment text within the limits', () => {
  it('parses JSON only after the scan, and says nothing of the text when it fails', () => {
    expect(parseExperimentJson('{"id": "x"}')).toEqual({ ok: true, value: { id: 'x' } });
    expect(parseExperimentJson('{"id": "p@ss"w0rd-SECRET]"}')).toEqual({
      ok: false,
      issues: [
        {
          path: '',
          message: 'is not valid JSON at line 1, column 14: expected a comma or a closing brace',
          hint: 'check for trailing commas, unquoted keys and missing quotes',
        },
      ],
    });
  });

  it('bounds YAML in the CLI too: the shapes that stalled functions are refused before the parser builds them', async () => {
    const cases: [string, RegExp][] = [
      [Array.from({ length: 26_708 }, (_, i) => `k${i}: 1`).join('\n'), /holds more than 20000 values/],
      [`a: ${'['.repeat(250_000)}`, /nests deeper than 32 levels/],
      [`${'- '.repeat(100_000)}x`, /nests deeper than 32 levels/],
      [`a:\n${' '.repeat(200)}b: 1`, /is indented deeper than 128 columns/],
      [`a: [${Array.from({ length: 5_000 }, () => '1').join(', ')}]`, /more than 1000 entries/],
    ];
    for (const [text, expected] of cases) {
      const cpuBefore = process.cpuUsage();
      const parsed = await parseExperimentText(text, { format: 'yaml' });
      const cpu = process.cpuUsage(cpuBefore);

      expect(parsed.ok).toBe(false);
      expect(parsed.ok ? '' : parsed.issues[0]?.message).toMatch(expected);
      // CPU time, so a loaded machine does not count; unbounded, these took 5 to 60 seconds.
      expect((cpu.user + cpu.system) / 1000).toBeLessThan(2_000);
    }
  });

  it('finds duplicate YAML keys in one pass, with their position', async () => {
    const text = `${Array.from({ length: 900 }, (_, i) => `k${i}: 1`).join('\n')}\nk3: 2\n`;

    const parsed = await parseExperimentText(text, { format: 'yaml' });

    expect(parsed.ok ? '' : parsed.issues[0]?.message).toBe(
      'is not valid YAML at line 901, column 1: a key appears twice in one mapping',
    );
  });
});
