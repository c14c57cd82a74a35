import {
  defaultMaxConfigSizeBytes,
  formatValidationIssues,
  parseExperimentText,
  validateExperimentText,
} from '@faultline/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseExperimentJson } from '../../src/experiment/parse-json.js';

const yamlExperiment = `# a comment
schemaVersion: 1
id: pricing-latency
faults:
  - id: slow
    type: latency
    probability: 0.25
    delayMs: 400
    match:
      - { field: http.path, op: prefix, value: /orders }
`;

async function messages(text: string, options?: Parameters<typeof parseExperimentText>[1]): Promise<string> {
  const result = await parseExperimentText(text, options);
  return result.ok ? '' : formatValidationIssues(result.issues);
}

describe('parseExperimentText', () => {
  it('parses YAML into a plain value', async () => {
    const result = await parseExperimentText(yamlExperiment);

    expect(result).toEqual({
      ok: true,
      value: {
        schemaVersion: 1,
        id: 'pricing-latency',
        faults: [
          {
            id: 'slow',
            type: 'latency',
            probability: 0.25,
            delayMs: 400,
            match: [{ field: 'http.path', op: 'prefix', value: '/orders' }],
          },
        ],
      },
    });
  });

  it('parses JSON, with or without an explicit format, and strips a byte order mark', async () => {
    const json = '\uFEFF{"schemaVersion": 1, "id": "x", "faults": []}';

    expect(await parseExperimentText(json)).toEqual({
      ok: true,
      value: { schemaVersion: 1, id: 'x', faults: [] },
    });
    expect(await parseExperimentText(json, { format: 'json' })).toMatchObject({ ok: true });
    expect(await parseExperimentText(json, { format: 'yaml' })).toMatchObject({ ok: true });
  });

  it('reports a JSON syntax error with its line and column', async () => {
    const text = '{\n  "schemaVersion": 1,\n  "id": "x",\n}';

    expect(await messages(text)).toMatch(
      /^\(document\): is not valid JSON( at line \d+, column \d+)?: .+ — check for trailing commas, unquoted keys and missing quotes$/,
    );
    expect(await messages('{"a": 1', { format: 'json' })).toMatch(/at line 1, column 8/);
  });

  it('reports a YAML syntax error with its line and column', async () => {
    const text = 'schemaVersion: 1\nid: x\nfaults:\n  - id: a\n   type: latency\n';

    expect(await messages(text)).toMatch(/^\(document\): is not valid YAML at line 5, column \d+: /);
  });

  it('refuses custom tags, duplicate keys and several documents', async () => {
    expect(await messages('schemaVersion: 1\nid: !!js/function "x"\n')).toMatch(
      /line 2, column 5: .* — custom tags \(!tag\) are not allowed; write plain values/,
    );
    expect(await messages('id: a\nid: b\n')).toMatch(
      /line 2, column 1: a key appears twice in one mapping — each key may appear once/,
    );
    expect(await messages('id: a\n---\nid: b\n')).toMatch(/one experiment per file/);
  });

  it('refuses list or map keys instead of stringifying them', async () => {
    expect(await messages('? [a, b]\n: 1\n')).toBe(
      '(document): is not valid for an experiment at line 1, column 3: a key is a list or map — keys must be plain strings',
    );
  });

  it('caps alias expansion so a "billion laughs" document cannot allocate', async () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let level = 1; level < 9; level++) {
      const previous = String.fromCharCode(96 + level);
      const name = String.fromCharCode(97 + level);
      levels.push(`${name}: &${name} [${Array(10).fill(`*${previous}`).join(', ')}]`);
    }

    expect(await messages(levels.join('\n'))).toBe(
      '(document): uses YAML aliases too often (more than 20 expansions) — write the repeated parts out; experiments rarely need anchors',
    );
  });

  it('treats YAML merge keys as ordinary keys (they are not part of YAML 1.2)', async () => {
    const result = await parseExperimentText('base: &b { x: 1 }\nother:\n  <<: *b\n');

    expect(result).toEqual({ ok: true, value: { base: { x: 1 }, other: { '<<': { x: 1 } } } });
  });

  it('refuses text over the size cap before parsing it', async () => {
    const text = `id: x\ndescription: "${'a'.repeat(defaultMaxConfigSizeBytes)}"\n`;

    expect(await messages(text)).toBe(
      '(document): is 256.0 KiB or more, more than the 256 KiB limit — experiments are small; split this one, or raise maxSizeBytes if you really need more',
    );
    expect(await messages('{"id": "é"}', { maxSizeBytes: 11 })).toMatch(
      /is 12 bytes, more than the 11 bytes limit/,
    );
    expect(await parseExperimentText('{"id": "é"}', { maxSizeBytes: 12 })).toMatchObject({ ok: true });
  });

  it('refuses empty text with a hint', async () => {
    expect(await messages('   \n')).toBe(
      '(document): is empty — an experiment needs at least schemaVersion, id and faults',
    );
  });

  it('never rejects, whatever the text', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc.json().map((json) => json.slice(0, 300)),
        ),
        fc.constantFrom(undefined, 'json' as const, 'yaml' as const),
        async (text, format) => {
          const result = await parseExperimentText(text, format === undefined ? {} : { format });
          expect(typeof result.ok).toBe('boolean');
          if (!result.ok) expect(result.issues.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('survives deeply nested input without a stack overflow escaping', async () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;

    expect(typeof (await parseExperimentText(deep)).ok).toBe('boolean');
    expect(typeof (await parseExperimentText(deep, { format: 'yaml' })).ok).toBe('boolean');
  });
});

describe('parseExperimentJson', () => {
  it('parses synchronously', () => {
    expect(parseExperimentJson('{"id":"x"}')).toEqual({ ok: true, value: { id: 'x' } });
    expect(parseExperimentJson('{').ok).toBe(false);
  });
});

describe('validateExperimentText', () => {
  it('parses and validates in one step', async () => {
    const result = await validateExperimentText(yamlExperiment);

    expect(result.ok).toBe(true);
    expect(result.ok && result.experiment.faults[0]).toMatchObject({
      id: 'slow',
      enabled: true,
      delayMs: 400,
    });
  });

  it('returns the validation problems of a readable document', async () => {
    const result = await validateExperimentText(
      yamlExperiment.replace('probability: 0.25', 'probability: 25'),
    );

    expect(result.ok === false && formatValidationIssues(result.issues)).toBe(
      'faults[0].probability: must be between 0 and 1, got 25 — did you mean 0.25?',
    );
  });
});
