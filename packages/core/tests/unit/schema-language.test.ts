import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { invalid, s, type ValidationIssue } from '../../src/index.js';

function check<T>(
  schema: { validate(value: unknown, path: string, issues: ValidationIssue[]): T | typeof invalid },
  value: unknown,
) {
  const issues: ValidationIssue[] = [];
  const result = schema.validate(value, '', issues);
  return { result, issues };
}

describe('the schema language', () => {
  const probability = s.number({
    minimum: 0,
    maximum: 1,
    hint: (value) => (value > 1 && value <= 100 ? `did you mean ${value / 100}?` : undefined),
  });
  const fault = s.object({
    id: s.required(s.string({ minLength: 1 })),
    enabled: s.defaulted(s.boolean(), true),
    probability: s.required(probability),
    headers: s.optional(s.record(s.string())),
    behavior: s.defaulted(s.oneOf(['refuse', 'reset', 'timeout', 'dns']), 'refuse'),
  });
  const document = s.object(
    { faults: s.required(s.array(fault, { maxItems: 3 })) },
    { ignoredKeys: ['$schema'] },
  );

  it('reports every problem at once, each with its JSON path and a hint', () => {
    const { result, issues } = check(document, {
      $schema: './x.json',
      faults: [
        { id: 'a', probability: 0.5 },
        { id: '', probability: 5, behaviour: 'reset' },
        { id: 'c', probability: 0.1, behavior: 'refused' },
      ],
    });
    expect(result).toBe(invalid);
    expect(issues).toEqual([
      { path: 'faults[1].behaviour', message: 'is not a known key', hint: 'did you mean "behavior"?' },
      { path: 'faults[1].id', message: 'must not be empty' },
      {
        path: 'faults[1].probability',
        message: 'must be between 0 and 1, got 5',
        hint: 'did you mean 0.05?',
      },
      {
        path: 'faults[2].behavior',
        message: 'must be one of "refuse", "reset", "timeout", "dns", got "refused"',
        hint: 'did you mean "refuse"?',
      },
    ]);
  });

  it('applies defaults and keeps optional properties absent', () => {
    const { result, issues } = check(document, { faults: [{ id: 'a', probability: 0.001 }] });
    expect(issues).toEqual([]);
    expect(result).toEqual({ faults: [{ id: 'a', enabled: true, probability: 0.001, behavior: 'refuse' }] });
    expect(Object.hasOwn((result as { faults: object[] }).faults[0] as object, 'headers')).toBe(false);
  });

  it('refuses oversized lists before looking at their items', () => {
    const { issues } = check(document, { faults: Array.from({ length: 10 }, () => ({})) });
    expect(issues).toEqual([{ path: 'faults', message: 'must hold at most 3 items, got 10' }]);
  });

  it('quotes keys that are not identifiers in paths', () => {
    const { issues } = check(s.record(s.number()), { 'x-tenant id': 'a' });
    expect(issues[0]?.path).toBe('["x-tenant id"]');
  });

  it('runs cross-field checks only once every property is valid', () => {
    const range = s.object(
      { minDelayMs: s.required(s.number({ minimum: 0 })), maxDelayMs: s.required(s.number({ minimum: 0 })) },
      {
        refine: (value: { minDelayMs: number; maxDelayMs: number }, path, issues) => {
          if (value.minDelayMs > value.maxDelayMs) {
            issues.push({ path: `${path}.minDelayMs`, message: 'must not exceed maxDelayMs' });
          }
        },
      },
    );
    expect(check(range, { minDelayMs: 5, maxDelayMs: 1 }).issues).toEqual([
      { path: '.minDelayMs', message: 'must not exceed maxDelayMs' },
    ]);
    expect(check(range, { minDelayMs: -1, maxDelayMs: 1 }).issues).toHaveLength(1);
  });

  it('reports the closest variant of an anyOf', () => {
    const body = s.anyOf([s.string(), s.object({ text: s.required(s.string()) })]);
    expect(check(body, 'plain').result).toBe('plain');
    expect(check(body, { text: 3 }).issues).toEqual([{ path: 'text', message: 'must be a string, got 3' }]);
  });

  it('checks ISO date-times', () => {
    const time = s.string({ format: 'date-time' });
    expect(check(time, '2026-11-29T18:00:00Z').issues).toEqual([]);
    expect(check(time, 'tomorrow').issues[0]?.hint).toBe('write it like 2026-11-29T18:00:00Z');
  });

  it('generates JSON Schema with defaults, required keys and no extra keys', () => {
    expect(fault.toJsonSchema()).toMatchObject({
      type: 'object',
      required: ['id', 'probability'],
      additionalProperties: false,
      properties: { enabled: { type: 'boolean', default: true }, probability: { minimum: 0, maximum: 1 } },
    });
  });

  it('never throws and never accepts what it reported, whatever the input', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const { result, issues } = check(document, value);
        expect(result === invalid).toBe(issues.length > 0);
      }),
      { numRuns: 2000 },
    );
  });
});
