import type { MatchCondition } from '@faultline/core';
import type { NativeFieldReader } from '@faultline/core/adapter-kit';
import { createInMemoryAdapter, type InMemoryContext, type InMemoryRequest } from '@faultline/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CompiledCondition,
  compileCondition,
  conditionFailsNatively,
  createNativeMatchPlan,
  maxPlannedFaults,
} from '../../src/engine/conditions.js';

// The plan is the native decision's fast form: it must say exactly what checking every fault's conditions one by
// one says (`conditionFailsNatively`, the reference), with fewer reads and comparisons.

const adapter = createInMemoryAdapter();
const reader = adapter.loadNativeFields?.() as NativeFieldReader<InMemoryRequest, InMemoryContext>;

/** Texts that share first characters, as routes and tenants do, so prefix groups get buckets of several. */
const text = fc.constantFrom(
  '/admin',
  '/admin-1',
  '/admin-2',
  '/admin-10',
  '/admin/users',
  '/a',
  '/ad',
  '/orders',
  '/orders/4',
  '/orders/42',
  '/',
  'admin',
  'é/',
  '',
  'GET',
  'get',
  'DELETE',
  'acme',
  'ACME',
  '5',
  'dev',
);
const field = fc.constantFrom(
  'http.path',
  'http.path',
  'http.method',
  'http.header.x-tenant',
  'http.header.constructor',
  'http.query.page',
  'trigger',
  'stage',
  'function',
  'event.type',
  'raw.path',
);
const condition: fc.Arbitrary<MatchCondition> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ field, op: fc.constant('prefix' as const), value: text }) },
  {
    weight: 3,
    arbitrary: fc.record({
      field,
      op: fc.constantFrom('eq', 'neq', 'suffix', 'glob', 'gte', 'lte'),
      value: fc.oneof(text, fc.constantFrom(5, 0, true)),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      field,
      op: fc.constant('in' as const),
      value: fc.array(text, { minLength: 1, maxLength: 3 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ field, op: fc.constant('exists' as const), value: fc.boolean() }) },
) as fc.Arbitrary<MatchCondition>;

/** A value a native field may hold besides text: a number, a boolean (read as they are), or nothing. */
const pathValue = fc.oneof(
  { weight: 6, arbitrary: text },
  { weight: 1, arbitrary: fc.constantFrom(5, 42, true, undefined) },
);
const request: fc.Arbitrary<InMemoryRequest> = fc.record(
  {
    requestId: fc.constantFrom('r-1', '5'),
    trigger: fc.constantFrom('http', 'http', 'queue'),
    method: fc.constantFrom('GET', 'get', 'DELETE', 'ß'),
    path: pathValue as fc.Arbitrary<string>,
    headers: fc.dictionary(fc.constantFrom('x-tenant', 'accept'), text),
    query: fc.dictionary(fc.constantFrom('page', 'constructor'), text),
    eventType: text,
  },
  { requiredKeys: ['requestId'] },
);
const context: fc.Arbitrary<InMemoryContext> = fc.record(
  { functionName: fc.constantFrom('orders', '/admin-1'), stage: fc.constantFrom('dev', '/a', '') },
  { requiredKeys: [] },
);

/** Up to 30 faults: most share some conditions (the experiment's route), each adds its own. */
const faults = fc
  .tuple(
    fc.array(condition, { maxLength: 2 }),
    fc.array(fc.array(condition, { maxLength: 3 }), { minLength: 1, maxLength: maxPlannedFaults }),
  )
  .map(([shared, own]) => own.map((conditions) => [...shared, ...conditions].map(compileCondition)));

function referenceSaysEveryFaultMisses(
  faultConditions: readonly (readonly CompiledCondition[])[],
  sample: InMemoryRequest,
  sampleContext: InMemoryContext,
): boolean {
  reader.begin(sample, sampleContext);
  try {
    return faultConditions.every((conditions) =>
      conditions.some((compiled) => conditionFailsNatively(compiled, reader)),
    );
  } finally {
    reader.end();
  }
}

function planSaysEveryFaultMisses(
  faultConditions: readonly (readonly CompiledCondition[])[],
  sample: InMemoryRequest,
  sampleContext: InMemoryContext,
): boolean {
  const plan = createNativeMatchPlan(faultConditions);
  if (plan === undefined) throw new Error('no plan');
  reader.begin(sample, sampleContext);
  try {
    return plan.everyFaultMisses(reader);
  } finally {
    reader.end();
  }
}

describe('the native match plan', () => {
  it('agrees with checking every condition of every fault one by one (property)', () => {
    let misses = 0;
    let runs = 0;
    fc.assert(
      fc.property(faults, request, context, (faultConditions, sample, sampleContext) => {
        runs++;
        const expected = referenceSaysEveryFaultMisses(faultConditions, sample, sampleContext);
        if (expected) misses++;
        expect(planSaysEveryFaultMisses(faultConditions, sample, sampleContext)).toBe(expected);
      }),
      { numRuns: 5000 },
    );
    // Both answers must come up often, or the agreement proves little.
    expect(misses).toBeGreaterThan(runs / 10);
    expect(misses).toBeLessThan(runs - runs / 10);
  });

  it('agrees on routes that differ in one character, whatever the path (property)', () => {
    // Prefix groups: many faults on routes that share their first characters, some of them identical.
    const route = fc.constantFrom('/admin-', '/admin/', '/orders/', '/or', '/');
    const routes = fc.array(
      fc.tuple(route, fc.constantFrom('', '0', '1', '2', '10', 'a', 'é')).map(([head, tail]) => head + tail),
      { minLength: 1, maxLength: maxPlannedFaults },
    );
    const path = fc.oneof(
      fc.tuple(route, fc.string({ maxLength: 3 })).map(([head, tail]) => head + tail),
      fc.string({ maxLength: 10 }),
    );
    fc.assert(
      fc.property(routes, fc.boolean(), path, (prefixes, withTenant, samplePath) => {
        const faultConditions = prefixes.map((prefix, index) =>
          [
            { field: 'http.path', op: 'prefix', value: prefix },
            ...(withTenant && index % 2 === 0
              ? [{ field: 'http.header.x-tenant', op: 'eq', value: `tenant-${index}` }]
              : []),
          ].map((item) => compileCondition(item as MatchCondition)),
        );
        const sample: InMemoryRequest = {
          requestId: 'r',
          path: samplePath,
          headers: { 'x-tenant': 'tenant-0' },
        };
        expect(planSaysEveryFaultMisses(faultConditions, sample, {})).toBe(
          referenceSaysEveryFaultMisses(faultConditions, sample, {}),
        );
      }),
      { numRuns: 3000 },
    );
  });

  it(`follows up to ${maxPlannedFaults} faults; beyond, the decision checks fault by fault`, () => {
    const conditions = [compileCondition({ field: 'http.method', op: 'eq', value: 'DELETE' })];
    expect(createNativeMatchPlan(Array.from({ length: maxPlannedFaults }, () => conditions))).toBeDefined();
    expect(
      createNativeMatchPlan(Array.from({ length: maxPlannedFaults + 1 }, () => conditions)),
    ).toBeUndefined();
    expect(createNativeMatchPlan([])).toBeUndefined();
    expect(
      planSaysEveryFaultMisses(
        Array.from({ length: maxPlannedFaults }, () => conditions),
        { requestId: 'r', method: 'GET' },
        {},
      ),
    ).toBe(true);
  });

  it('reads each field at most once, and none once every fault is ruled out', () => {
    const faultConditions = Array.from({ length: 10 }, (_, index) =>
      [
        { field: 'http.header.x-tenant', op: 'eq', value: `tenant-${index}` },
        { field: 'http.path', op: 'prefix', value: `/admin-${index}` },
        { field: 'http.method', op: 'in', value: ['DELETE', 'PUT'] },
      ].map((item) => compileCondition(item as MatchCondition)),
    );
    const plan = createNativeMatchPlan(faultConditions);
    const reads: string[] = [];
    const counting: NativeFieldReader<InMemoryRequest, InMemoryContext> = {
      begin: (first, second) => reader.begin(first, second),
      read: (kind, name) => {
        reads.push(name === '' ? kind : `${kind}.${name}`);
        return reader.read(kind, name);
      },
      end: () => reader.end(),
    };
    const check = (sample: InMemoryRequest) => {
      reads.length = 0;
      counting.begin(sample, {});
      try {
        return plan?.everyFaultMisses(counting);
      } finally {
        counting.end();
      }
    };
    // The cheap fields first: the path rules every fault out, the header is never read.
    expect(
      check({ requestId: 'r', method: 'DELETE', path: '/orders/42', headers: { 'x-tenant': 'tenant-3' } }),
    ).toBe(true);
    expect(reads).toEqual(['http.path']);
    // A path that fault 3 starts with: the method rules it out.
    expect(
      check({ requestId: 'r', method: 'GET', path: '/admin-3/users', headers: { 'x-tenant': 'tenant-3' } }),
    ).toBe(true);
    expect(reads).toEqual(['http.path', 'http.method']);
    // Fault 3 matches on all three fields: every field was read once.
    expect(
      check({ requestId: 'r', method: 'PUT', path: '/admin-3/users', headers: { 'x-tenant': 'tenant-3' } }),
    ).toBe(false);
    expect(reads).toEqual(['http.path', 'http.method', 'http.header.x-tenant']);
  });

  it('is never certain for a fault whose conditions the reader cannot read, or that has none', () => {
    const onConstructor = [compileCondition({ field: 'http.header.constructor', op: 'eq', value: 'x' })];
    const onMethod = [compileCondition({ field: 'http.method', op: 'eq', value: 'DELETE' })];
    const sample: InMemoryRequest = { requestId: 'r', method: 'GET', headers: {} };
    expect(planSaysEveryFaultMisses([onMethod, onConstructor], sample, {})).toBe(false);
    expect(planSaysEveryFaultMisses([onMethod, []], sample, {})).toBe(false);
    // Query parameters: the in-memory reader reads them; raw paths it leaves to the invocation (null).
    const onRaw = [compileCondition({ field: 'raw.path', op: 'eq', value: '/x' })];
    expect(planSaysEveryFaultMisses([onMethod, onRaw], sample, {})).toBe(false);
    expect(planSaysEveryFaultMisses([onMethod], sample, {})).toBe(true);
  });
});
