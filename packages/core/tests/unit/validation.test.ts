import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  builtinFaultRegistry,
  createFaultRegistry,
  defineFaultType,
  type ExperimentDefinition,
  formatValidationIssue,
  formatValidationIssues,
  s,
  type ValidationIssue,
  validateExperiment,
  validateExperimentText,
} from '@faultline/core';
import { describe, expect, it } from 'vitest';
import { defaultProductionStages } from '../../src/experiment/experiment-schema.js';

/** Small fault types of our own, so these tests do not depend on which built-in types exist yet. */
const sleepFault = defineFaultType({
  type: 'sleep',
  summary: 'Sleeps before the handler.',
  phase: 'before',
  attributes: s.object(
    {
      delayMs: s.required(s.number({ minimum: 0, maximum: 900_000, unit: 'ms' })),
      jitterMs: s.defaulted(s.number({ minimum: 0, maximum: 900_000, unit: 'ms' }), 0),
    },
    {
      refine: (value: { delayMs: number; jitterMs: number }, path: string, issues: ValidationIssue[]) => {
        if (value.jitterMs > value.delayMs) {
          issues.push({ path: `${path}.jitterMs`, message: 'must not exceed delayMs' });
        }
      },
    },
  ),
  create: () => ({}),
});
const failFault = defineFaultType({
  type: 'fail',
  summary: 'Throws instead of running the handler.',
  phase: 'before',
  attributes: s.object({ message: s.defaulted(s.string({ minLength: 1 }), 'Injected fault') }),
  create: () => ({}),
});
const registry = createFaultRegistry([sleepFault, failFault]);

function experiment(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    schemaVersion: 1,
    id: 'checkout-latency',
    faults: [{ id: 'slow', type: 'sleep', probability: 0.1, delayMs: 300 }],
    ...overrides,
  };
}

function issuesOf(input: unknown): string[] {
  const result = validateExperiment(input, { registry });
  return result.ok ? [] : result.issues.map(formatValidationIssue);
}

describe('validateExperiment', () => {
  it('accepts a minimal experiment and applies every default', () => {
    const result = validateExperiment(experiment(), { registry });

    expect(result).toEqual({
      ok: true,
      issues: [],
      experiment: {
        schemaVersion: 1,
        id: 'checkout-latency',
        enabled: true,
        mode: 'enforce',
        guard: {
          allowProduction: false,
          productionStages: ['prod', 'prod-*', 'prod*', 'production', 'live'],
        },
        faults: [{ id: 'slow', type: 'sleep', enabled: true, probability: 0.1, delayMs: 300, jitterMs: 0 }],
      },
    });
  });

  it('keeps every documented key of a complete experiment', () => {
    const input = experiment({
      $schema: './experiment.v1.schema.json',
      description: 'Checkout under latency',
      enabled: false,
      mode: 'dry-run',
      seed: 'week-48',
      window: { start: '2026-11-29T18:00:00Z', end: '2026-11-29T19:00:00Z' },
      target: { clouds: ['aws', 'gcp'], functions: ['checkout-*'], stages: ['staging', 'dev-?'] },
      guard: { allowProduction: true, productionStages: ['main'], maxInjectionsPerMinute: 60 },
      faults: [
        {
          id: 'slow',
          type: 'sleep',
          enabled: false,
          probability: 0.001,
          sampleBy: 'http.header.X-Tenant',
          match: [
            { field: 'http.method', op: 'eq', value: 'GET' },
            { field: 'http.path', op: 'glob', value: '/orders/*' },
            { field: 'stage', op: 'in', value: ['dev', 'staging'] },
            { field: 'http.header.x-canary', op: 'exists' },
            { field: 'raw.detail.amount', op: 'gte', value: 100 },
            { field: 'raw.detail.placedAt', op: 'lte', value: '2026-12-01T00:00:00Z' },
            { field: 'http.query.tenant', op: 'prefix', value: 'acme' },
            { field: 'function', op: 'suffix', value: '-api' },
            { field: 'region', op: 'neq', value: 'us-east-1' },
          ],
          delayMs: 300,
        },
      ],
    });

    const result = validateExperiment(input, { registry });

    expect(result.ok).toBe(true);
    const validated = result.ok ? result.experiment : undefined;
    expect(validated).not.toHaveProperty('$schema');
    expect(validated?.guard).toEqual({
      allowProduction: true,
      productionStages: ['main'],
      maxInjectionsPerMinute: 60,
    });
    expect(validated?.window).toEqual({ start: '2026-11-29T18:00:00Z', end: '2026-11-29T19:00:00Z' });
    const fault = validated?.faults[0];
    expect(fault?.sampleBy).toBe('http.header.x-tenant');
    expect(fault?.match?.[3]).toEqual({ field: 'http.header.x-canary', op: 'exists', value: true });
    expect(fault?.match).toHaveLength(9);
  });

  it('reports a percentage given as a probability with the fraction it probably meant', () => {
    const input = experiment({
      faults: [
        { id: 'a', type: 'sleep', probability: 0.1, delayMs: 1 },
        { id: 'b', type: 'sleep', probability: 0.2, delayMs: 1 },
        { id: 'c', type: 'sleep', probability: 5, delayMs: 1 },
      ],
    });

    expect(issuesOf(input)).toEqual([
      'faults[2].probability: must be between 0 and 1, got 5 — did you mean 0.05?',
    ]);
  });

  it('keeps the suggested fraction free of floating-point noise', () => {
    const input = experiment({ faults: [{ id: 'a', type: 'sleep', probability: 1.1, delayMs: 1 }] });

    expect(issuesOf(input)).toEqual([
      'faults[0].probability: must be between 0 and 1, got 1.1 — did you mean 0.011?',
    ]);
  });

  it('reports every problem at once, each at its path', () => {
    const input = {
      schemaVersion: 2,
      id: 'Checkout Latency',
      mode: 'dryrun',
      enabeld: true,
      window: { start: 'tomorrow' },
      faults: [
        { id: 'slow', type: 'sleep', probability: -1, delayMs: 1_000_000 },
        { id: 'slow', type: 'sleap', probability: 0.5 },
        'not an object',
      ],
    };

    expect(issuesOf(input)).toEqual([
      'enabeld: is not a known key — did you mean "enabled"?',
      'schemaVersion: must be 1, got 2 — this file was written for a newer faultline; upgrade @faultline/core and the CLI',
      'id: must be a slug (lower-case letters, digits, "-", "_", "."), got "Checkout Latency" — did you mean "checkout-latency"?',
      'mode: must be one of "enforce", "dry-run", got "dryrun" — did you mean "dry-run"?',
      'window.start: must be an ISO 8601 date-time, got "tomorrow" — write it like 2026-11-29T18:00:00Z',
      'faults[0].probability: must be between 0 and 1, got -1',
      'faults[0].delayMs: must be between 0 and 900000 ms, got 1000000',
      'faults[1].type: is not a known fault type: "sleap" — did you mean "sleep"? (known types: sleep, fail)',
      'faults[1].id: duplicates the id of faults[0]: "slow" — give every fault its own id; events and budgets are keyed by it',
      'faults[2]: must be an object (a fault entry), got "not an object"',
    ]);
  });

  it('rejects unknown keys on fault entries with a hint from the type’s attributes', () => {
    const input = experiment({ faults: [{ id: 'slow', type: 'sleep', probability: 0.1, delayMS: 300 }] });

    expect(issuesOf(input)).toEqual([
      'faults[0].delayMS: is not a known key — did you mean "delayMs"?',
      'faults[0].delayMs: is required',
    ]);
  });

  it('points people coming from other tools to the faultline spelling', () => {
    const input = experiment({
      enabled: 'yes',
      faults: [{ id: 'slow', type: 'sleep', percentage: 20, is_enabled: true, delayMs: 5 }],
    });

    expect(issuesOf(input)).toEqual([
      'enabled: must be true or false, got "yes" — write true without quotes',
      'faults[0].percentage: is not a known key — faultline uses probability, a fraction: 20 % is probability: 0.2',
      'faults[0].is_enabled: is not a known key — did you mean "enabled"?',
      'faults[0].probability: is required',
    ]);
  });

  it('reads a percentage written as text as the fraction it meant', () => {
    const input = experiment({ faults: [{ id: 'slow', type: 'sleep', probability: '5%', delayMs: 5 }] });

    expect(issuesOf(input)).toEqual([
      'faults[0].probability: must be a number between 0 and 1, got "5%" — did you mean 0.05?',
    ]);
  });

  it('lists the known types when a fault type is missing or far off', () => {
    expect(issuesOf(experiment({ faults: [{ id: 'x', probability: 0.1 }] }))).toEqual([
      'faults[0].type: is required — known types: sleep, fail',
    ]);
    expect(issuesOf(experiment({ faults: [{ id: 'x', type: 'blackhole', probability: 0.1 }] }))).toEqual([
      'faults[0].type: is not a known fault type: "blackhole" — known types: sleep, fail',
    ]);
  });

  it('runs the fault type’s own cross-field checks at the entry’s path', () => {
    const input = experiment({
      faults: [{ id: 'slow', type: 'sleep', probability: 0.1, delayMs: 10, jitterMs: 20 }],
    });

    expect(issuesOf(input)).toEqual(['faults[0].jitterMs: must not exceed delayMs']);
  });

  it('requires window.end to be after window.start', () => {
    const input = experiment({ window: { start: '2026-11-29T19:00:00Z', end: '2026-11-29T18:00:00Z' } });

    expect(issuesOf(input)).toEqual([
      'window.end: must be later than window.start (2026-11-29T19:00:00Z), got 2026-11-29T18:00:00Z — swap start and end, or move end later',
    ]);
  });

  it('checks match conditions operator by operator', () => {
    const input = experiment({
      faults: [
        {
          id: 'slow',
          type: 'sleep',
          probability: 0.1,
          delayMs: 1,
          match: [
            { field: 'http.methd', op: 'eq', value: 'GET' },
            { field: 'stage', op: 'in', value: 'dev' },
            { field: 'stage', op: 'in', value: [] },
            { field: 'stage', op: 'eq', value: ['dev'] },
            { field: 'http.path', op: 'glob', value: 'x'.repeat(257) },
            { field: 'http.path', op: 'prefix' },
            { field: 'raw.amount', op: 'gte', value: '100' },
            { field: 'raw.amount', op: 'gte', value: 'soon' },
            { field: 'http.header.x-a', op: 'exists', value: 'yes' },
            { field: 'stage', op: 'startsWith', value: 'dev' },
            { path: 'stage', operator: 'eq', value: 'dev' },
            { field: 'stage', op: 'in', value: ['dev', { nested: true }] },
            { field: 'raw.__proto__.x', op: 'exists' },
            'http.path',
          ],
        },
      ],
    });

    expect(issuesOf(input)).toEqual([
      'faults[0].match[0].field: is not a known field: "http.methd" — did you mean "http.method"?',
      'faults[0].match[1].value: must be a list for op "in", got "dev" — write ["dev"], or use op "eq"',
      'faults[0].match[2].value: must hold between 1 and 100 values, got 0 — an empty list never matches; set enabled: false to switch the fault off',
      'faults[0].match[3].value: must be a string, number or boolean for op "eq", got an array of 1 — use op "in" to compare with a list',
      'faults[0].match[4].value: must be a glob of 1 to 256 characters, got 257',
      'faults[0].match[5].value: is required for op "prefix"',
      'faults[0].match[6].value: must be a number or an ISO 8601 date-time for op "gte", got "100" — did you mean 100 (a number, without quotes)?',
      'faults[0].match[7].value: must be a number or an ISO 8601 date-time for op "gte", got "soon"',
      'faults[0].match[8].value: must be true or false for op "exists", got "yes" — true: the field is present; false: it is absent',
      'faults[0].match[9].op: must be one of "eq", "neq", "in", "exists", "prefix", "suffix", "glob", "gte", "lte", got "startsWith"',
      'faults[0].match[10].path: is not a known key — did you mean "field"?',
      'faults[0].match[10].operator: is not a known key — did you mean "op"?',
      'faults[0].match[10].field: is required',
      'faults[0].match[11].value[1]: must be a string, number or boolean, got an object',
      'faults[0].match[12].field: must not use the segment "__proto__" — raw paths read the event’s own data only, never its prototype',
      'faults[0].match[13]: must be an object like { field: http.path, op: prefix, value: /orders }, got "http.path"',
    ]);
  });

  it('checks sampleBy as a field', () => {
    const input = experiment({
      faults: [{ id: 'slow', type: 'sleep', probability: 0.1, delayMs: 1, sampleBy: 'headers.x-tenant' }],
    });

    const [issue] = issuesOf(input);
    expect(issue).toMatch(
      /^faults\[0\]\.sampleBy: is not a known field: "headers\.x-tenant" — known fields: cloud/,
    );
  });

  it('checks target and guard', () => {
    const input = experiment({
      target: { clouds: ['aws', 'ibm'], functions: [], stages: ['x'.repeat(300)] },
      guard: { maxInjectionsPerMinute: 0.5, allowProduction: 'yes' },
    });

    expect(issuesOf(input)).toEqual([
      'target.clouds[1]: must be one of "aws", "gcp", "azure", "local", got "ibm"',
      'target.functions: must hold at least one item',
      'target.stages[0]: must be at most 256 characters, got 300',
      'guard.allowProduction: must be true or false, got "yes" — write true without quotes',
      'guard.maxInjectionsPerMinute: must be a whole number, got 0.5',
    ]);
  });

  it('caps the number of faults', () => {
    const faults = Array.from({ length: 101 }, (_, index) => ({
      id: `f${index}`,
      type: 'fail',
      probability: 0.1,
    }));

    expect(issuesOf(experiment({ faults }))).toEqual([
      'faults: must hold at most 100 faults, got 101 — split the experiment into several files',
    ]);
  });

  it('accepts "1" nowhere a number is required, with a hint to drop the quotes', () => {
    expect(issuesOf(experiment({ schemaVersion: '1' }))).toEqual([
      'schemaVersion: must be the number 1, got "1" — write schemaVersion: 1 without quotes',
    ]);
  });

  it('reports a document that is not an object', () => {
    expect(issuesOf([1, 2])).toEqual(['(document): must be an object, got an array of 2']);
    expect(issuesOf(null)).toEqual(['(document): must be an object, got null']);
    expect(issuesOf({})).toEqual(['schemaVersion: is required', 'id: is required', 'faults: is required']);
  });

  it('never lets a throwing custom fault type escape', () => {
    const brokenFault = defineFaultType({
      type: 'broken',
      summary: 'Its refine throws.',
      phase: 'before',
      attributes: s.object(
        {},
        {
          refine: () => {
            throw new Error('bug in refine');
          },
        },
      ),
      create: () => ({}),
    });
    const result = validateExperiment(experiment({ faults: [{ id: 'b', type: 'broken', probability: 1 }] }), {
      registry: createFaultRegistry([brokenFault]),
    });

    expect(result.ok).toBe(false);
    expect(result.ok === false && formatValidationIssues(result.issues)).toContain('bug in refine');
  });

  it('keeps an own __proto__ key of a parsed document as data', () => {
    const input = JSON.parse('{"schemaVersion":1,"id":"x","faults":[],"__proto__":{"polluted":true}}');

    expect(issuesOf(input)).toEqual([
      '__proto__: is not a known key — known keys: schemaVersion, id, description, enabled, mode, seed, window, target, guard, faults, run, runToken',
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('validateExperiment with the built-in fault types', () => {
  it('defaults to the built-in registry', () => {
    const result = validateExperiment(
      experiment({ faults: [{ id: 'down', type: 'exception', probability: 0.05 }] }),
    );

    expect(result.ok).toBe(true);
    expect(result.ok && result.experiment.faults[0]).toMatchObject({
      type: 'exception',
      message: 'Injected fault',
      errorName: 'InjectedFaultError',
    });
  });

  it('validates every shared experiment file', async () => {
    const directory = fileURLToPath(new URL('../../../../experiments/', import.meta.url));
    const files = readdirSync(directory).filter((name) => /\.(ya?ml|json)$/.test(name));
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const name of files) {
      const result = await validateExperimentText(readFileSync(`${directory}${name}`, 'utf8'));
      expect(result.ok ? '' : formatValidationIssues(result.issues), name).toBe('');
    }
  });

  it('accepts a valid entry of every built-in fault type, and has an example for each', () => {
    const examples: Record<string, Record<string, unknown>> = {
      latency: { minDelayMs: 100, maxDelayMs: 400 },
      exception: { message: 'boom' },
      status: { status: 503, headers: { 'retry-after': '1' }, body: { error: 'unavailable' } },
      timeout: { bufferMs: 100, afterWait: 'continue' },
      corrupt: { mode: 'truncate' },
      blackhole: { hosts: ['*.internal.example', '10.0.0.*'], behavior: 'reset' },
      dependency: { hosts: ['localhost'], effect: 'latency', delayMs: 1500 },
      diskfill: { scope: 'process', sizeMb: 64 },
      concurrency: { maxInFlight: 2 },
      coldstart: { delayMs: 800 },
      cors: { mode: 'remove' },
      config: { scope: 'process', env: { FEATURE_X: 'off' }, unset: ['API_KEY'] },
      duplicate: { times: 2 },
      partialBatch: { ratio: 0.25 },
    };
    const types = builtinFaultRegistry.list().map((faultType) => faultType.type);
    expect(types.filter((type) => examples[type] === undefined)).toEqual([]);

    const faults = types.map((type) => ({
      id: `f-${type.toLowerCase()}`,
      type,
      probability: 0.1,
      ...examples[type],
    }));
    const result = validateExperiment(experiment({ faults }));

    expect(result.ok ? '' : formatValidationIssues(result.issues)).toBe('');
    expect(result.ok && result.experiment.faults.map((fault) => fault.type)).toEqual(types);
  });

  it('names afterWait when a timeout fault still uses the pre-release attribute then', async () => {
    // Written as text: the object literal key `then` is what the rename removes from the code base.
    const result = await validateExperimentText(
      [
        'schemaVersion: 1',
        'id: slow-deadline',
        'faults:',
        '  - { id: near-timeout, type: timeout, probability: 0.1, then: continue }',
      ].join('\n'),
    );

    expect(result.ok ? [] : result.issues.map(formatValidationIssue)).toEqual([
      'faults[0].then: is not a known key — renamed to "afterWait": write afterWait: fail or afterWait: continue',
    ]);
  });

  it('types a validated experiment as an ExperimentDefinition', () => {
    const result = validateExperiment(experiment({ faults: [] }));
    const definition: ExperimentDefinition | undefined = result.ok ? result.experiment : undefined;

    expect(definition?.guard.productionStages).toEqual(defaultProductionStages);
  });
});

describe('formatValidationIssues', () => {
  it('prints one line per issue as path: message — hint', () => {
    const text = formatValidationIssues([
      {
        path: 'faults[2].probability',
        message: 'must be between 0 and 1, got 5',
        hint: 'did you mean 0.05?',
      },
      { path: 'id', message: 'is required' },
      { path: '', message: 'must be an object, got null' },
    ]);

    expect(text).toBe(
      [
        'faults[2].probability: must be between 0 and 1, got 5 — did you mean 0.05?',
        'id: is required',
        '(document): must be an object, got null',
      ].join('\n'),
    );
  });
});
