import type { Invocation } from '@faultline/core';
import { scalarFieldValue } from '@faultline/core/adapter-kit';
import { compileFieldReader, createTestInvocation } from '@faultline/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

// Adapters' native field readers pass the fields they copy as they are through scalarFieldValue: it must answer
// exactly what the invocation's compiled field reader answers for the same value.
describe('scalarFieldValue', () => {
  it('keeps strings, booleans and finite numbers, and reads anything else as absent', () => {
    expect(scalarFieldValue('orders')).toBe('orders');
    expect(scalarFieldValue('')).toBe('');
    expect(scalarFieldValue(false)).toBe(false);
    expect(scalarFieldValue(0)).toBe(0);
    expect(scalarFieldValue(-1.5)).toBe(-1.5);
    for (const absent of [
      Number.NaN,
      Number.POSITIVE_INFINITY,
      null,
      undefined,
      {},
      [],
      () => 'x',
      1n,
      Symbol('x'),
    ]) {
      expect(scalarFieldValue(absent)).toBeUndefined();
    }
  });

  it('answers what the compiled reader of an invocation field answers for the same value', () => {
    const readFunction = compileFieldReader('function');
    const readHeader = compileFieldReader('http.header.x-tenant');
    fc.assert(
      fc.property(fc.anything({ withBigInt: true, withMap: true, withSet: true }), (value) => {
        const withFunction = { ...createTestInvocation(), function: value } as unknown as Invocation;
        expect(scalarFieldValue(value)).toStrictEqual(readFunction(withFunction));
        const withHeader = createTestInvocation({
          http: { method: 'GET', path: '/', headers: { 'x-tenant': value as string } },
        });
        expect(scalarFieldValue(value)).toStrictEqual(readHeader(withHeader));
      }),
    );
  });
});
