import {
  parseCloudTraceContext,
  parseTraceHeaders,
  parseTraceparent,
  parseXRayTraceHeader,
  toW3cTraceId,
} from '@faultline/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { traceHeadersOf } from '../../src/observability/trace-context.js';

describe('trace headers', () => {
  it('reads X-Ray headers with root, parent and sampling in any order', () => {
    expect(
      parseXRayTraceHeader('Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1'),
    ).toEqual({
      traceId: '1-5759e988-bd862e3fe1be46a994272793',
      spanId: '53995c3f42cd8ad8',
      sampled: true,
      format: 'xray',
    });
    expect(parseXRayTraceHeader('Sampled=0;Root=1-5759e988-bd862e3fe1be46a994272793;Lineage=a:1')).toEqual({
      traceId: '1-5759e988-bd862e3fe1be46a994272793',
      sampled: false,
      format: 'xray',
    });
    expect(parseXRayTraceHeader('Parent=53995c3f42cd8ad8')).toBeUndefined();
    expect(parseXRayTraceHeader('Root=2-5759e988-bd862e3fe1be46a994272793')).toBeUndefined();
    expect(parseXRayTraceHeader(undefined)).toBeUndefined();
  });

  it('reads W3C traceparent and refuses malformed or all-zero ids', () => {
    expect(parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      sampled: true,
      format: 'w3c',
    });
    expect(parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00')?.sampled).toBe(false);
    // A later version may add fields; its first four are read.
    expect(parseTraceparent('01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra')?.traceId).toBe(
      '4bf92f3577b34da6a3ce929d0e0e4736',
    );
    for (const bad of [
      '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
      'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra',
      '00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01',
      'garbage',
    ]) {
      expect(parseTraceparent(bad), bad).toBeUndefined();
    }
  });

  it('reads X-Cloud-Trace-Context with a decimal span id and the sampling option', () => {
    expect(parseCloudTraceContext('105445aa7843bc8bf206b12000100000/1;o=1')).toEqual({
      traceId: '105445aa7843bc8bf206b12000100000',
      spanId: '1',
      sampled: true,
      format: 'cloud-trace',
    });
    expect(parseCloudTraceContext('105445AA7843BC8BF206B12000100000')).toEqual({
      traceId: '105445aa7843bc8bf206b12000100000',
      format: 'cloud-trace',
    });
    expect(parseCloudTraceContext('not-a-trace/1;o=1')).toBeUndefined();
  });

  it('maps X-Ray roots to W3C trace ids the way the X-Ray propagator does', () => {
    expect(toW3cTraceId('1-5759e988-bd862e3fe1be46a994272793')).toBe('5759e988bd862e3fe1be46a994272793');
    expect(toW3cTraceId('4bf92f3577b34da6a3ce929d0e0e4736')).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(toW3cTraceId('nope')).toBeUndefined();
  });

  it('prefers the platform headers (X-Ray, then X-Cloud-Trace-Context) over traceparent, as logs join on them', () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const cloud = '105445aa7843bc8bf206b12000100000/1;o=1';
    const amzn = 'Root=1-5759e988-bd862e3fe1be46a994272793';
    expect(parseTraceHeaders(traceHeadersOf({ traceparent, 'x-cloud-trace-context': cloud }))?.format).toBe(
      'cloud-trace',
    );
    expect(parseTraceHeaders(traceHeadersOf({ traceparent, 'x-amzn-trace-id': amzn }))?.format).toBe('xray');
    expect(parseTraceHeaders(traceHeadersOf({ 'x-amzn-trace-id': [amzn] }))?.format).toBe('xray');
    expect(parseTraceHeaders(traceHeadersOf({ traceparent }))?.format).toBe('w3c');
    // A malformed platform header does not hide a valid traceparent.
    expect(parseTraceHeaders({ xray: 'Root=garbage', traceparent })?.format).toBe('w3c');
    expect(parseTraceHeaders(traceHeadersOf({}))).toBeUndefined();
    expect(parseTraceHeaders(undefined)).toBeUndefined();
  });

  it('reads back every valid traceparent it is given, and never throws on arbitrary text', () => {
    const hex = (length: number) =>
      fc
        .string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: length, maxLength: length })
        .filter((text) => /[1-9a-f]/.test(text));
    fc.assert(
      fc.property(hex(32), hex(16), fc.boolean(), (traceId, spanId, sampled) => {
        const parsed = parseTraceparent(`00-${traceId}-${spanId}-${sampled ? '01' : '00'}`);
        expect(parsed).toEqual({ traceId, spanId, sampled, format: 'w3c' });
      }),
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        for (const parse of [parseTraceparent, parseXRayTraceHeader, parseCloudTraceContext]) {
          const parsed = parse(text);
          if (parsed !== undefined) expect(toW3cTraceId(parsed.traceId)).toMatch(/^[0-9a-f]{32}$/);
        }
      }),
    );
  });
});
