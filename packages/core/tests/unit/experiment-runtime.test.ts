import {
  builtinFaultRegistry,
  createFaultRegistry,
  defineFaultType,
  type FaultRegistry,
  formatValidationIssues,
  s,
  validateExperiment,
} from '@faultline/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseExperimentForRuntime } from '../../src/experiment/validate.js';

const waitFault = defineFaultType({
  type: 'wait',
  summary: 'Waits before the handler.',
  phase: 'before',
  attributes: s.object({ delayMs: s.required(s.number({ minimum: 0, maximum: 900_000, unit: 'ms' })) }),
  create: () => ({}),
});
const respondFault = defineFaultType({
  type: 'respond',
  summary: 'Answers instead of the handler.',
  phase: 'before',
  attributes: s.object({
    status: s.required(s.number({ integer: true, minimum: 100, maximum: 599 })),
    headers: s.optional(s.record(s.string())),
  }),
  create: () => ({}),
});
const registry = createFaultRegistry([waitFault, respondFault]);

describe('parseExperimentForRuntime', () => {
  it('keeps the valid faults and lists the invalid ones it skipped', () => {
    const document = {
      schemaVersion: 1,
      id: 'mixed',
      faults: [
        { id: 'slow', type: 'wait', probability: 0.5, delayMs: 100 },
        { id: 'typo', type: 'wiat', probability: 0.5, delayMs: 100 },
        { id: 'down', type: 'respond', probability: 2, status: 503 },
        { id: 'ok', type: 'respond', probability: 0.1, status: 503 },
        42,
      ],
    };

    const { experiment, issues, skippedFaults } = parseExperimentForRuntime(document, { registry });

    expect(experiment?.faults.map((fault) => fault.id)).toEqual(['slow', 'ok']);
    expect(skippedFaults.map(({ index, id }) => ({ index, id }))).toEqual([
      { index: 1, id: 'typo' },
      { index: 2, id: 'down' },
      { index: 4, id: undefined },
    ]);
    expect(formatValidationIssues(skippedFaults[1]?.issues ?? [])).toBe(
      'faults[2].probability: must be between 0 and 1, got 2 — did you mean 0.02?',
    );
    expect(issues.map((issue) => issue.path)).toEqual([
      'faults[1].type',
      'faults[2].probability',
      'faults[4]',
    ]);
  });

  it('applies defaults the same way validateExperiment does', () => {
    const document = {
      schemaVersion: 1,
      id: 'x',
      faults: [{ id: 'slow', type: 'wait', probability: 1, delayMs: 5 }],
    };

    const runtime = parseExperimentForRuntime(document, { registry });
    const strict = validateExperiment(document, { registry });

    expect(strict.ok && runtime.experiment).toEqual(strict.ok && strict.experiment);
    expect(runtime.issues).toEqual([]);
    expect(runtime.skippedFaults).toEqual([]);
  });

  it('skips the later entries that repeat an id', () => {
    const document = {
      schemaVersion: 1,
      id: 'x',
      faults: [
        { id: 'a', type: 'wait', probability: 1, delayMs: 5 },
        { id: 'a', type: 'respond', probability: 1, status: 500 },
      ],
    };

    const { experiment, skippedFaults } = parseExperimentForRuntime(document, { registry });

    expect(experiment?.faults).toHaveLength(1);
    expect(experiment?.faults[0]?.type).toBe('wait');
    expect(skippedFaults).toEqual([
      {
        index: 1,
        id: 'a',
        issues: [
          {
            path: 'faults[1].id',
            message: 'duplicates the id of faults[0]',
            hint: 'give every fault its own id; the later entry is skipped',
          },
        ],
      },
    ]);
  });

  it('returns no experiment when the document itself is unusable', () => {
    const cases: unknown[] = [
      undefined,
      'text',
      { schemaVersion: 2, id: 'x', faults: [] },
      { schemaVersion: 1, id: 'x', faults: 'none' },
      {
        schemaVersion: 1,
        id: 'x',
        faults: [],
        window: { start: '2026-01-02T00:00:00Z', end: '2026-01-01T00:00:00Z' },
      },
      { schemaVersion: 1, id: 'x', faults: [], mode: 'chaos' },
      { schemaVersion: 1, id: 'x', faults: Array.from({ length: 101 }, () => ({})) },
    ];

    for (const document of cases) {
      const result = parseExperimentForRuntime(document, { registry });
      expect(result.experiment, JSON.stringify(document)?.slice(0, 80)).toBeUndefined();
      expect(result.issues.length).toBeGreaterThan(0);
      expect(result.skippedFaults).toEqual([]);
    }
  });

  it('ignores the `faultline run` section, which only the CLI reads and validates before it pushes', () => {
    const document = {
      schemaVersion: 1,
      id: 'with-run',
      faults: [{ id: 'slow', type: 'wait', probability: 0.5, delayMs: 100 }],
      run: { steadyState: 'not a list', loadDriver: { kind: 'no-such-driver' } },
    };
    const runtime = parseExperimentForRuntime(document, { registry });
    expect(runtime.issues).toEqual([]);
    expect(runtime.experiment?.faults.map((fault) => fault.id)).toEqual(['slow']);
    // The document checks still bound it, and the full validation still rejects it.
    expect(validateExperiment(document, { registry }).ok).toBe(false);
    const deep = { ...document, run: JSON.parse(`${'['.repeat(200)}${']'.repeat(200)}`) };
    expect(parseExperimentForRuntime(deep, { registry }).experiment).toBeUndefined();
  });

  it('uses the built-in fault types by default', () => {
    const { experiment } = parseExperimentForRuntime({
      schemaVersion: 1,
      id: 'x',
      faults: [{ id: 'boom', type: 'exception', probability: 0.01 }],
    });

    expect(experiment?.faults[0]).toMatchObject({ id: 'boom', type: 'exception', message: 'Injected fault' });
  });
});

/** Arbitrary fault-like entries: mostly almost valid, with random damage, so both branches are exercised. */
function faultEntry(types: readonly string[]) {
  const almostValid = fc.record(
    {
      id: fc.oneof(fc.constantFrom('a', 'b', 'c', 'slow-1'), fc.string(), fc.integer()),
      type: fc.oneof(fc.constantFrom(...types), fc.string(), fc.constant(undefined)),
      probability: fc.oneof(
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double(),
        fc.integer({ min: -5, max: 200 }),
      ),
      delayMs: fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.anything()),
      status: fc.oneof(fc.integer({ min: 100, max: 599 }), fc.integer(), fc.string()),
      enabled: fc.oneof(fc.boolean(), fc.anything()),
      match: fc.oneof(
        fc.constant(undefined),
        fc.array(
          fc.record({
            field: fc.oneof(
              fc.constantFrom('http.path', 'stage', 'raw.a.b', 'http.header.X-A', 'nope'),
              fc.string(),
            ),
            op: fc.oneof(fc.constantFrom('eq', 'in', 'exists', 'glob', 'gte'), fc.string()),
            value: fc.anything(),
          }),
          { maxLength: 3 },
        ),
      ),
      extra: fc.anything(),
    },
    { requiredKeys: ['id', 'type', 'probability'] },
  );
  return fc.oneof({ weight: 4, arbitrary: almostValid }, { weight: 1, arbitrary: fc.anything() });
}

function documents(types: readonly string[]) {
  return fc.oneof(
    { weight: 1, arbitrary: fc.jsonValue() },
    {
      weight: 4,
      arbitrary: fc.record(
        {
          schemaVersion: fc.oneof(fc.constant(1), fc.jsonValue()),
          id: fc.oneof(fc.constant('exp-1'), fc.string()),
          enabled: fc.oneof(fc.boolean(), fc.jsonValue()),
          mode: fc.constantFrom('enforce', 'dry-run', 'x'),
          window: fc.oneof(
            fc.constant(undefined),
            fc.record({
              start: fc.date().map((date) => (Number.isNaN(date.getTime()) ? 'x' : date.toISOString())),
            }),
          ),
          faults: fc.oneof(
            { weight: 5, arbitrary: fc.array(faultEntry(types), { maxLength: 6 }) },
            fc.jsonValue(),
          ),
        },
        { requiredKeys: ['schemaVersion', 'id', 'faults'] },
      ),
    },
  );
}

function expectOnlyValidFaults(registryUnderTest: FaultRegistry, document: unknown): void {
  const runtime = parseExperimentForRuntime(document, { registry: registryUnderTest });
  for (const fault of runtime.experiment?.faults ?? []) {
    // Every fault the runtime keeps validates on its own, in an otherwise minimal experiment.
    const alone = validateExperiment(
      { schemaVersion: 1, id: 'check', faults: [fault] },
      { registry: registryUnderTest },
    );
    expect(alone.ok ? [] : alone.issues).toEqual([]);
    expect(fault.probability).toBeGreaterThanOrEqual(0);
    expect(fault.probability).toBeLessThanOrEqual(1);
  }
  const skipped = new Set(runtime.skippedFaults.map((entry) => entry.index));
  const entries =
    typeof document === 'object' &&
    document !== null &&
    Array.isArray((document as { faults?: unknown }).faults)
      ? ((document as { faults: unknown[] }).faults ?? [])
      : [];
  if (runtime.experiment !== undefined) {
    expect((runtime.experiment.faults.length ?? 0) + skipped.size).toBe(entries.length);
  }
}

describe('validation properties', () => {
  it('never throws and always explains a rejection, whatever the JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const strict = validateExperiment(value, { registry });
        const runtime = parseExperimentForRuntime(value, { registry });
        if (!strict.ok) expect(strict.issues.length).toBeGreaterThan(0);
        if (runtime.experiment === undefined) expect(runtime.issues.length).toBeGreaterThan(0);
      }),
      { numRuns: 500 },
    );
  });

  it('never yields a fault from an invalid entry (local registry)', () => {
    fc.assert(
      fc.property(documents(['wait', 'respond']), (document) => {
        expectOnlyValidFaults(registry, document);
      }),
      { numRuns: 500 },
    );
  });

  it('never yields a fault from an invalid entry (built-in registry)', () => {
    const types = builtinFaultRegistry.list().map((faultType) => faultType.type);
    fc.assert(
      fc.property(documents(types), (document) => {
        expect(() => expectOnlyValidFaults(builtinFaultRegistry, document)).not.toThrow();
      }),
      { numRuns: 500 },
    );
  });

  it('agrees with validateExperiment: a document is valid exactly when nothing is skipped or reported', () => {
    fc.assert(
      fc.property(documents(['wait', 'respond']), (document) => {
        const strict = validateExperiment(document, { registry });
        const runtime = parseExperimentForRuntime(document, { registry });
        expect(strict.ok).toBe(runtime.experiment !== undefined && runtime.issues.length === 0);
        if (strict.ok) expect(runtime.experiment).toEqual(strict.experiment);
      }),
      { numRuns: 500 },
    );
  });
});
