import { builtinFaultRegistry, type MatchCondition, validateExperiment } from '@faultline/core';
import { createSeededRandom, createTestInvocation } from '@faultline/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileExperiment, compileMatch, compileMatchCondition } from '../../src/engine/compile.js';
import { decide } from '../../src/engine/decide.js';

function compile(document: Record<string, unknown>) {
  const result = validateExperiment({ schemaVersion: 1, id: 'decide', ...document });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return compileExperiment(result.experiment, { registry: builtinFaultRegistry, configVersion: 'v1' })
    .compiled;
}

const always = (extra: object = {}) => ({ id: 'f', type: 'status', probability: 1, status: 503, ...extra });
const random = createSeededRandom(1);
const noon = Date.parse('2026-11-29T12:00:00Z');

describe('decide', () => {
  it('injects a fault that matches and is sampled', () => {
    const plan = decide(compile({ faults: [always()] }), createTestInvocation(), noon, random);
    expect(plan.outcome).toBe('sampled');
    expect(plan.inject.map((fault) => fault.id)).toEqual(['f']);
    expect(plan.wouldInject).toEqual([]);
  });

  it('injects nothing when the experiment is disabled', () => {
    const plan = decide(
      compile({ enabled: false, faults: [always()] }),
      createTestInvocation(),
      noon,
      random,
    );
    expect(plan.outcome).toBe('disabled');
    expect(plan.inject).toEqual([]);
  });

  it('treats disabled faults and probability 0 as never firing', () => {
    const experiment = compile({ faults: [always({ enabled: false }), always({ id: 'g', probability: 0 })] });
    expect(experiment.armed).toBe(false);
    expect(decide(experiment, createTestInvocation(), noon, random).inject).toEqual([]);
  });

  it('injects only inside the window (start inclusive, end exclusive)', () => {
    const experiment = compile({
      window: { start: '2026-11-29T11:00:00Z', end: '2026-11-29T13:00:00Z' },
      faults: [always()],
    });
    const invocation = createTestInvocation();
    expect(decide(experiment, invocation, Date.parse('2026-11-29T10:59:59Z'), random).outcome).toBe(
      'outside-window',
    );
    expect(decide(experiment, invocation, Date.parse('2026-11-29T11:00:00Z'), random).inject).toHaveLength(1);
    expect(decide(experiment, invocation, Date.parse('2026-11-29T13:00:00Z'), random).outcome).toBe(
      'outside-window',
    );
  });

  it('applies only to targeted clouds, functions and stages', () => {
    const experiment = compile({
      target: { clouds: ['local'], functions: ['orders-*'], stages: ['dev', 'staging-*'] },
      faults: [always()],
    });
    expect(
      decide(experiment, createTestInvocation({ function: 'orders-api' }), noon, random).inject,
    ).toHaveLength(1);
    expect(decide(experiment, createTestInvocation({ function: 'billing' }), noon, random).outcome).toBe(
      'not-targeted',
    );
    expect(
      decide(experiment, createTestInvocation({ function: 'orders-api', stage: 'STAGING-eu' }), noon, random)
        .inject,
    ).toHaveLength(1);
    expect(
      decide(experiment, createTestInvocation({ function: 'orders-api', cloud: 'aws' }), noon, random)
        .outcome,
    ).toBe('not-targeted');
    expect(
      decide(experiment, createTestInvocation({ function: 'orders-api', stage: undefined }), noon, random)
        .outcome,
    ).toBe('not-targeted');
  });

  it('refuses production stages unless allowProduction is set', () => {
    const refused = compile({ faults: [always()] });
    expect(decide(refused, createTestInvocation({ stage: 'prod' }), noon, random).outcome).toBe(
      'production-refused',
    );
    expect(decide(refused, createTestInvocation({ stage: 'Production' }), noon, random).outcome).toBe(
      'production-refused',
    );
    expect(decide(refused, createTestInvocation({ stage: 'dev' }), noon, random).inject).toHaveLength(1);
    const allowed = compile({ guard: { allowProduction: true }, faults: [always()] });
    expect(decide(allowed, createTestInvocation({ stage: 'prod' }), noon, random).inject).toHaveLength(1);
  });

  it('returns would-inject faults in dry-run mode and injects none', () => {
    const plan = decide(
      compile({ mode: 'dry-run', faults: [always()] }),
      createTestInvocation(),
      noon,
      random,
    );
    expect(plan.inject).toEqual([]);
    expect(plan.wouldInject.map((fault) => fault.id)).toEqual(['f']);
  });

  it('moves sampled faults beyond the remaining budget to budgetLimited', () => {
    const experiment = compile({ faults: [always(), always({ id: 'g' }), always({ id: 'h' })] });
    const plan = decide(experiment, createTestInvocation(), noon, random, { budgetRemaining: 1 });
    expect(plan.inject.map((fault) => fault.id)).toEqual(['f']);
    expect(plan.budgetLimited.map((fault) => fault.id)).toEqual(['g', 'h']);
  });

  describe('match conditions', () => {
    const cases: [string, object, Parameters<typeof createTestInvocation>[0], boolean][] = [
      [
        'eq on a header (lower-cased name)',
        { field: 'http.header.X-Tenant', op: 'eq', value: 'a' },
        { http: { headers: { 'x-tenant': 'a' } } },
        true,
      ],
      ['eq miss', { field: 'http.method', op: 'eq', value: 'POST' }, {}, false],
      ['neq on an absent field', { field: 'http.query.debug', op: 'neq', value: '1' }, {}, true],
      ['in', { field: 'http.method', op: 'in', value: ['PUT', 'GET'] }, {}, true],
      [
        'exists',
        { field: 'http.header.x-chaos', op: 'exists' },
        { http: { headers: { 'x-chaos': '' } } },
        true,
      ],
      ['exists false', { field: 'http.header.x-chaos', op: 'exists', value: false }, {}, true],
      ['prefix', { field: 'http.path', op: 'prefix', value: '/orders/' }, {}, true],
      ['suffix', { field: 'http.path', op: 'suffix', value: '/2' }, {}, false],
      ['glob', { field: 'function', op: 'glob', value: 'ord?rs' }, {}, true],
      [
        'gte on a numeric raw field',
        { field: 'raw.attempt', op: 'gte', value: 3 },
        { raw: { attempt: 3 } },
        true,
      ],
      [
        'lte on a numeric string',
        { field: 'http.query.size', op: 'lte', value: 10 },
        { http: { query: { size: '11' } } },
        false,
      ],
      [
        'eq compares numbers with strings by value',
        { field: 'http.query.page', op: 'eq', value: 2 },
        { http: { query: { page: '2' } } },
        true,
      ],
    ];
    for (const [name, condition, overrides, expected] of cases) {
      it(`${name} → ${expected ? 'matches' : 'does not match'}`, () => {
        const experiment = compile({ faults: [always({ match: [condition] })] });
        const plan = decide(experiment, createTestInvocation(overrides), noon, random);
        expect(plan.inject.length === 1).toBe(expected);
      });
    }

    it('decides like checking every condition in file order, whatever order it checks them in', () => {
      const condition: fc.Arbitrary<MatchCondition> = fc.record({
        field: fc.constantFrom(
          'http.path',
          'http.method',
          'http.header.x-tenant',
          'http.query.page',
          'raw.attempt',
        ),
        op: fc.constantFrom('eq', 'neq', 'in', 'exists', 'prefix', 'suffix', 'glob', 'gte', 'lte'),
        value: fc.oneof(fc.constantFrom('/orders', 'GET', 'a', '2', '*'), fc.integer({ min: 0, max: 3 })),
      });
      fc.assert(
        fc.property(
          fc.array(condition, { minLength: 1, maxLength: 5 }),
          fc.constantFrom('/orders/1', '/admin'),
          fc.constantFrom('a', 'b'),
          fc.constantFrom('1', '2'),
          fc.integer({ min: 0, max: 3 }),
          (conditions, path, tenant, page, attempt) => {
            const invocation = createTestInvocation({
              http: { path, headers: { 'x-tenant': tenant }, query: { page } },
              raw: { attempt },
            });
            const expected = conditions.every((entry) => compileMatchCondition(entry)(invocation));
            return compileMatch(conditions)?.(invocation) === expected;
          },
        ),
      );
    });

    it('ANDs all conditions', () => {
      const experiment = compile({
        faults: [
          always({
            match: [
              { field: 'http.method', op: 'eq', value: 'GET' },
              { field: 'http.path', op: 'prefix', value: '/admin' },
            ],
          }),
        ],
      });
      expect(decide(experiment, createTestInvocation(), noon, random).inject).toEqual([]);
      expect(
        decide(experiment, createTestInvocation({ http: { path: '/admin/x' } }), noon, random).inject,
      ).toHaveLength(1);
    });
  });
});

describe('per-fault conditions', () => {
  it('are checked before sampling: a fault whose conditions fail draws no random number', () => {
    const compiled = compile({
      faults: [
        always({
          id: 'deletes',
          probability: 0.5,
          match: [{ field: 'http.method', op: 'eq', value: 'DELETE' }],
        }),
        always({
          id: 'admin',
          probability: 0.5,
          match: [{ field: 'http.path', op: 'prefix', value: '/admin' }],
        }),
      ],
    });
    let draws = 0;
    const counting = () => {
      draws++;
      return 0;
    };

    expect(
      decide(compiled, createTestInvocation({ http: { method: 'GET', path: '/orders' } }), noon, counting)
        .inject,
    ).toEqual([]);
    expect(draws).toBe(0);

    const plan = decide(
      compiled,
      createTestInvocation({ http: { method: 'GET', path: '/admin/1' } }),
      noon,
      counting,
    );
    expect(plan.inject.map((fault) => fault.id)).toEqual(['admin']);
    expect(draws).toBe(1);
  });
});

describe('conditions every fault shares', () => {
  const checkout = { field: 'http.path', op: 'prefix', value: '/checkout' } as const;
  const post = { field: 'http.method', op: 'eq', value: 'POST' } as const;

  it('are checked once, before any fault is sampled', () => {
    const compiled = compile({
      faults: [
        { id: 'slow', type: 'latency', delayMs: 10, probability: 0.5, match: [checkout] },
        always({ id: 'down', probability: 0.5, match: [post, checkout] }),
      ],
    });
    let draws = 0;
    const counting = () => {
      draws++;
      return 0;
    };

    const elsewhere = decide(compiled, createTestInvocation({ http: { path: '/orders/1' } }), noon, counting);
    expect(elsewhere.inject).toEqual([]);
    expect(draws).toBe(0);

    const atCheckout = decide(
      compiled,
      createTestInvocation({ http: { path: '/checkout/1', method: 'POST' } }),
      noon,
      counting,
    );
    expect(atCheckout.inject.map((fault) => fault.id)).toEqual(['slow', 'down']);
    expect(draws).toBe(2);
  });

  it('are none when one fault lacks them, or for a single fault', () => {
    expect(
      compile({ faults: [always({ id: 'a', match: [checkout] }), always({ id: 'b', match: [post] })] })
        .sharedMatch,
    ).toBeUndefined();
    expect(
      compile({ faults: [always({ id: 'a', match: [checkout] }), always({ id: 'b' })] }).sharedMatch,
    ).toBeUndefined();
    expect(compile({ faults: [always({ id: 'a', match: [checkout] })] }).sharedMatch).toBeUndefined();
    expect(
      compile({
        faults: [always({ id: 'a', match: [checkout] }), always({ id: 'b', match: [checkout, post] })],
      }).sharedMatch,
    ).toBeDefined();
  });

  it('never change a decision (property: the same plan as deciding fault by fault)', () => {
    const condition = fc.constantFrom<MatchCondition>(
      checkout,
      post,
      { field: 'http.path', op: 'prefix', value: '/orders' },
      { field: 'http.header.x-tenant', op: 'eq', value: 'acme' },
      { field: 'stage', op: 'in', value: ['dev', 'staging'] },
    );
    const fault = fc.record({
      probability: fc.constantFrom(1, 0.5, 0.1),
      match: fc.uniqueArray(condition, { maxLength: 3, selector: (value) => JSON.stringify(value) }),
      sticky: fc.boolean(),
    });
    const invocation = fc.record({
      path: fc.constantFrom('/checkout/7', '/orders/7', '/admin'),
      method: fc.constantFrom('GET', 'POST'),
      tenant: fc.constantFrom('acme', 'globex'),
      stage: fc.constantFrom('dev', 'prod-like', 'staging'),
    });
    fc.assert(
      fc.property(
        fc.array(fault, { minLength: 2, maxLength: 6 }),
        invocation,
        fc.integer(),
        (faults, request, seed) => {
          const compiled = compile({
            faults: faults.map((entry, index) =>
              always({
                id: `f${index}`,
                probability: entry.probability,
                ...(entry.match.length > 0 ? { match: entry.match } : {}),
                ...(entry.sticky ? { sampleBy: 'requestId' } : {}),
              }),
            ),
          });
          const fields = createTestInvocation({
            stage: request.stage,
            requestId: `r-${seed}`,
            http: { path: request.path, method: request.method, headers: { 'x-tenant': request.tenant } },
          });
          const withShared = decide(compiled, fields, noon, createSeededRandom(seed));
          const faultByFault = decide(
            { ...compiled, sharedMatch: undefined },
            fields,
            noon,
            createSeededRandom(seed),
          );
          const ids = (plan: typeof withShared) => plan.inject.map((entry) => entry.id);
          if (compiled.sharedMatch !== undefined && !compiled.sharedMatch(fields)) {
            // Nothing can match, whatever the draws would have been.
            expect(ids(faultByFault)).toEqual([]);
            expect(ids(withShared)).toEqual([]);
          } else {
            expect(ids(withShared)).toEqual(ids(faultByFault));
          }
        },
      ),
      { numRuns: 2_000 },
    );
  });
});

describe('prefix and suffix conditions', () => {
  it('hold exactly when the path starts or ends with the text (property, incl. the one-character early rejection)', () => {
    const text = fc.string({
      unit: fc.constantFrom('/', 'a', 'b', '-', '1', 'é', '\u{1F600}'),
      maxLength: 6,
    });
    fc.assert(
      fc.property(text, text, (path, value) => {
        const invocation = createTestInvocation({ http: { method: 'GET', path, headers: {}, query: {} } });
        expect(compileMatchCondition({ field: 'http.path', op: 'prefix', value })(invocation)).toBe(
          path.startsWith(value),
        );
        expect(compileMatchCondition({ field: 'http.path', op: 'suffix', value })(invocation)).toBe(
          path.endsWith(value),
        );
      }),
      { numRuns: 3000 },
    );
  });
});
