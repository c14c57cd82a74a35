import { type Invocation, parseFieldPath } from '@faultline/core';
import { compileFieldReader } from '@faultline/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FieldPathError, knownFields } from '../../src/invocation/fields.js';

function createInvocation(overrides: Partial<Invocation> = {}): Invocation {
  return {
    cloud: 'aws',
    function: 'orders-api',
    stage: 'dev',
    region: 'eu-west-1',
    trigger: 'http',
    requestId: 'req-1',
    deadlineMs: undefined,
    http: {
      method: 'GET',
      path: '/orders/42',
      headers: { 'x-tenant': 'acme', 'content-type': 'application/json' },
      query: { tenant: 'acme', 'a.b': 'dotted' },
    },
    event: { type: 'order.created', source: 'shop' },
    raw: { detail: { orderId: 42, paid: true, items: [{ sku: 'a-1' }] }, nested: { object: { deep: 'x' } } },
    ...overrides,
  };
}

describe('parseFieldPath', () => {
  it('accepts every top-level scalar field', () => {
    for (const name of ['cloud', 'function', 'stage', 'region', 'trigger', 'requestId']) {
      expect(parseFieldPath(name)).toEqual({ ok: true, field: { kind: name, path: name } });
    }
  });

  it('lower-cases header names so matching is case-insensitive', () => {
    expect(parseFieldPath('http.header.X-Tenant')).toEqual({
      ok: true,
      field: { kind: 'http.header', path: 'http.header.x-tenant', name: 'x-tenant' },
    });
  });

  it('keeps query names as written, dots included', () => {
    expect(parseFieldPath('http.query.a.b')).toEqual({
      ok: true,
      field: { kind: 'http.query', path: 'http.query.a.b', name: 'a.b' },
    });
  });

  it('splits raw paths into segments', () => {
    expect(parseFieldPath('raw.detail.items.0.sku')).toEqual({
      ok: true,
      field: { kind: 'raw', path: 'raw.detail.items.0.sku', segments: ['detail', 'items', '0', 'sku'] },
    });
  });

  it.each(['raw.__proto__.polluted', 'raw.constructor', 'raw.a.prototype'])(
    'rejects the prototype segment in %s',
    (path) => {
      const result = parseFieldPath(path);
      expect(result.ok).toBe(false);
      expect(result.ok === false && result.message).toMatch(/must not use the segment/);
    },
  );

  it('accepts 16 raw segments and rejects 17', () => {
    const segments = Array.from({ length: 16 }, (_, index) => `s${index}`);
    expect(parseFieldPath(`raw.${segments.join('.')}`).ok).toBe(true);
    const result = parseFieldPath(`raw.${[...segments, 'x'].join('.')}`);
    expect(result).toEqual({ ok: false, message: 'must be at most 16 segments deep after "raw.", got 17' });
  });

  it('rejects empty raw segments with a hint', () => {
    expect(parseFieldPath('raw.a..b')).toMatchObject({
      ok: false,
      hint: 'remove the doubled or trailing dot',
    });
    expect(parseFieldPath('raw.')).toMatchObject({
      ok: false,
      message: '"raw" needs a dot path into the native event',
    });
  });

  it('suggests the closest known field for a typo', () => {
    expect(parseFieldPath('http.methd')).toEqual({
      ok: false,
      message: 'is not a known field: "http.methd"',
      hint: 'did you mean "http.method"?',
    });
    expect(parseFieldPath('funtion')).toMatchObject({ ok: false, hint: 'did you mean "function"?' });
    expect(parseFieldPath('requestID')).toMatchObject({ ok: false, hint: 'did you mean "requestId"?' });
    expect(parseFieldPath('htp.path')).toMatchObject({ ok: false, hint: 'did you mean "http.path"?' });
    expect(parseFieldPath('http.headers.x-tenant')).toMatchObject({
      ok: false,
      hint: 'did you mean "http.header.x-tenant"?',
    });
    expect(parseFieldPath('event.sourc')).toMatchObject({ ok: false, hint: 'did you mean "event.source"?' });
  });

  it('lists the known fields when nothing is close', () => {
    const result = parseFieldPath('detail.orderId');
    expect(result.ok).toBe(false);
    expect(result.ok === false && result.hint).toContain('known fields: cloud, function');
    expect(result.ok === false && result.hint).toContain('raw.<dot.path>');
  });

  it('rejects sub-fields on scalar fields and missing names', () => {
    expect(parseFieldPath('stage.name')).toMatchObject({ ok: false, message: '"stage" has no sub-fields' });
    expect(parseFieldPath('http.header')).toMatchObject({ ok: false, message: '"http.header" needs a name' });
    expect(parseFieldPath('http.header.bad name')).toMatchObject({ ok: false });
    expect(parseFieldPath('')).toMatchObject({ ok: false, message: 'must not be empty' });
  });

  it('never throws on any string', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 600 }), (path) => {
        const result = parseFieldPath(path);
        expect(typeof result.ok).toBe('boolean');
      }),
    );
  });

  it('accepts every documented field shape', () => {
    for (const documented of knownFields) {
      const concrete = documented.replace('<name>', 'x-name').replace('<dot.path>', 'a.b');
      expect(parseFieldPath(concrete).ok).toBe(true);
    }
  });
});

describe('compileFieldReader', () => {
  const invocation = createInvocation();

  it('reads the normalized fields', () => {
    expect(compileFieldReader('cloud')(invocation)).toBe('aws');
    expect(compileFieldReader('function')(invocation)).toBe('orders-api');
    expect(compileFieldReader('stage')(invocation)).toBe('dev');
    expect(compileFieldReader('region')(invocation)).toBe('eu-west-1');
    expect(compileFieldReader('trigger')(invocation)).toBe('http');
    expect(compileFieldReader('requestId')(invocation)).toBe('req-1');
    expect(compileFieldReader('http.method')(invocation)).toBe('GET');
    expect(compileFieldReader('http.path')(invocation)).toBe('/orders/42');
    expect(compileFieldReader('http.query.tenant')(invocation)).toBe('acme');
    expect(compileFieldReader('http.query.a.b')(invocation)).toBe('dotted');
    expect(compileFieldReader('event.type')(invocation)).toBe('order.created');
    expect(compileFieldReader('event.source')(invocation)).toBe('shop');
  });

  it('reads headers whatever the case written in the experiment', () => {
    expect(compileFieldReader('http.header.X-TENANT')(invocation)).toBe('acme');
  });

  it('walks raw paths through objects and arrays', () => {
    expect(compileFieldReader('raw.detail.orderId')(invocation)).toBe(42);
    expect(compileFieldReader('raw.detail.paid')(invocation)).toBe(true);
    expect(compileFieldReader('raw.detail.items.0.sku')(invocation)).toBe('a-1');
  });

  it('reads objects, missing paths and absent parts as undefined', () => {
    expect(compileFieldReader('raw.nested.object')(invocation)).toBeUndefined();
    expect(compileFieldReader('raw.detail.missing.deeper')(invocation)).toBeUndefined();
    expect(compileFieldReader('http.header.x-missing')(invocation)).toBeUndefined();
    const eventInvocation = createInvocation({ http: undefined, event: undefined, raw: 'not an object' });
    expect(compileFieldReader('http.method')(eventInvocation)).toBeUndefined();
    expect(compileFieldReader('http.header.x-tenant')(eventInvocation)).toBeUndefined();
    expect(compileFieldReader('event.type')(eventInvocation)).toBeUndefined();
    expect(compileFieldReader('raw.detail')(eventInvocation)).toBeUndefined();
  });

  it('reads own properties only, never the prototype chain', () => {
    const inherited = createInvocation({ raw: Object.create({ inherited: 'secret' }) });
    expect(compileFieldReader('raw.inherited')(inherited)).toBeUndefined();
    expect(compileFieldReader('raw.toString')(invocation)).toBeUndefined();
    expect(compileFieldReader('http.header.hasownproperty')(invocation)).toBeUndefined();
    expect(compileFieldReader('http.query.valueOf')(invocation)).toBeUndefined();
  });

  it('reads a throwing getter or a hostile proxy as undefined instead of throwing', () => {
    const hostile = new Proxy(
      {},
      {
        getOwnPropertyDescriptor() {
          throw new Error('boom');
        },
      },
    );
    const withGetter = {
      get detail(): never {
        throw new Error('boom');
      },
    };
    expect(compileFieldReader('raw.detail')(createInvocation({ raw: hostile }))).toBeUndefined();
    expect(compileFieldReader('raw.detail')(createInvocation({ raw: withGetter }))).toBeUndefined();
  });

  it('reads non-finite numbers as undefined', () => {
    expect(compileFieldReader('raw.value')(createInvocation({ raw: { value: Number.NaN } }))).toBeUndefined();
  });

  it('throws a FieldPathError naming the path for an invalid one', () => {
    expect(() => compileFieldReader('htp.path')).toThrow(FieldPathError);
    expect(() => compileFieldReader('htp.path')).toThrow(/"htp.path".*did you mean "http.path"/);
  });

  it('never throws while reading arbitrary native events', () => {
    fc.assert(
      fc.property(
        fc.anything(),
        fc.array(fc.string({ minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 4 }),
        (raw, segments) => {
          const parsed = parseFieldPath(`raw.${segments.join('.')}`);
          fc.pre(parsed.ok);
          const value = compileFieldReader(`raw.${segments.join('.')}`)(createInvocation({ raw }));
          expect(['string', 'number', 'boolean', 'undefined']).toContain(typeof value);
        },
      ),
    );
  });
});
