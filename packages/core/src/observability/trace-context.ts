import type { TraceHeaders } from '../invocation/invocation.js';

/**
 * The trace an invocation belongs to, read from what the platform hands over (X-Ray's trace header, W3C
 * `traceparent`, Cloud Trace's `X-Cloud-Trace-Context`, Azure's invocation trace context), so events carry the ids
 * that join them with the platform's traces and request logs. Adapters expose the raw headers as
 * `invocation.traceHeaders`, a getter read only when an event is written: the idle path never parses a header.
 *
 * @example
 * ```ts
 * const trace: TraceContext = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', sampled: true, format: 'w3c' };
 * ```
 */
export interface TraceContext {
  /**
   * The trace id as the platform's own tools search for it: 32 lower-case hex digits for W3C, Cloud Trace and Azure;
   * X-Ray's `1-5759e988-bd862e3fe1be46a994272793` form on AWS.
   */
  readonly traceId: string;
  /**
   * The span the invocation runs under when the header names one: 16 hex digits for W3C and X-Ray (`Parent`),
   * Cloud Trace's decimal span id.
   */
  readonly spanId?: string;
  /** The caller's sampling decision, when the header carries one. */
  readonly sampled?: boolean;
  /** Which header format it was read from. */
  readonly format: TraceFormat;
}

/** The trace header formats faultline reads. */
export const traceFormats = ['xray', 'w3c', 'cloud-trace'] as const;
/**
 * @example
 * ```ts
 * const format: TraceFormat = 'cloud-trace';
 * ```
 */
export type TraceFormat = (typeof traceFormats)[number];

const hex32 = /^[0-9a-f]{32}$/;
const hex16 = /^[0-9a-f]{16}$/;
const xrayRoot = /^1-[0-9a-f]{8}-[0-9a-f]{24}$/;
const zeroTraceId = '00000000000000000000000000000000';
const zeroSpanId = '0000000000000000';

/**
 * Reads an X-Ray trace header (`_X_AMZN_TRACE_ID`, the Lambda context's `xRayTraceId`, the `X-Amzn-Trace-Id` HTTP
 * header): `Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1`. `undefined` when it holds
 * no valid root.
 *
 * @example
 * ```ts
 * import { parseXRayTraceHeader } from '@faultline/core';
 * parseXRayTraceHeader('Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1');
 * // { traceId: '1-5759e988-bd862e3fe1be46a994272793', spanId: '53995c3f42cd8ad8', sampled: true, format: 'xray' }
 * ```
 */
export function parseXRayTraceHeader(header: string | undefined): TraceContext | undefined {
  if (typeof header !== 'string' || header.length > 512) return undefined;
  let traceId: string | undefined;
  let spanId: string | undefined;
  let sampled: boolean | undefined;
  for (const part of header.split(';')) {
    const equals = part.indexOf('=');
    if (equals === -1) continue;
    const key = part.slice(0, equals).trim();
    const value = part
      .slice(equals + 1)
      .trim()
      .toLowerCase();
    if (key === 'Root' && xrayRoot.test(value)) traceId = value;
    else if (key === 'Parent' && hex16.test(value)) spanId = value;
    else if (key === 'Sampled' && (value === '0' || value === '1')) sampled = value === '1';
  }
  if (traceId === undefined) return undefined;
  return {
    traceId,
    ...(spanId === undefined ? {} : { spanId }),
    ...(sampled === undefined ? {} : { sampled }),
    format: 'xray',
  };
}

/**
 * Reads a W3C `traceparent` (`00-<trace id>-<parent id>-<flags>`); `undefined` when it is malformed or all zeros.
 * Versions above `00` are read by their first four fields, as the specification asks.
 *
 * @example
 * ```ts
 * import { parseTraceparent } from '@faultline/core';
 * parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')?.traceId; // '4bf92f3577b34da6a3ce929d0e0e4736'
 * ```
 */
export function parseTraceparent(header: string | undefined): TraceContext | undefined {
  if (typeof header !== 'string' || header.length > 512) return undefined;
  const parts = header.trim().toLowerCase().split('-');
  const [version, traceId, spanId, flags] = parts;
  if (version === undefined || traceId === undefined || spanId === undefined || flags === undefined) {
    return undefined;
  }
  if (!/^[0-9a-f]{2}$/.test(version) || version === 'ff') return undefined;
  if (version === '00' && parts.length !== 4) return undefined;
  if (!hex32.test(traceId) || traceId === zeroTraceId) return undefined;
  if (!hex16.test(spanId) || spanId === zeroSpanId) return undefined;
  if (!/^[0-9a-f]{2}$/.test(flags)) return undefined;
  return { traceId, spanId, sampled: (Number.parseInt(flags, 16) & 1) === 1, format: 'w3c' };
}

/**
 * Reads Google Cloud's `X-Cloud-Trace-Context` (`TRACE_ID/SPAN_ID;o=OPTIONS`, the span id decimal); `undefined`
 * when the trace id is not 32 hex digits.
 *
 * @example
 * ```ts
 * import { parseCloudTraceContext } from '@faultline/core';
 * parseCloudTraceContext('105445aa7843bc8bf206b12000100000/1;o=1');
 * // { traceId: '105445aa7843bc8bf206b12000100000', spanId: '1', sampled: true, format: 'cloud-trace' }
 * ```
 */
export function parseCloudTraceContext(header: string | undefined): TraceContext | undefined {
  if (typeof header !== 'string' || header.length > 512) return undefined;
  const match = /^([0-9a-fA-F]{32})(?:\/(\d{1,20}))?(?:;o=([0-9]+))?$/.exec(header.trim());
  if (match === null) return undefined;
  const traceId = (match[1] as string).toLowerCase();
  if (traceId === zeroTraceId) return undefined;
  const spanId = match[2];
  const options = match[3];
  return {
    traceId,
    ...(spanId === undefined || /^0+$/.test(spanId) ? {} : { spanId }),
    ...(options === undefined ? {} : { sampled: (Number(options) & 1) === 1 }),
    format: 'cloud-trace',
  };
}

/**
 * The W3C form (32 hex digits) of a trace id: itself for W3C and Cloud Trace ids, the root without its version and
 * dashes for X-Ray (`1-5759e988-bd862e3f…` → `5759e988bd862e3f…`), as OpenTelemetry's X-Ray propagator maps it.
 *
 * @example
 * ```ts
 * import { toW3cTraceId } from '@faultline/core';
 * toW3cTraceId('1-5759e988-bd862e3fe1be46a994272793'); // '5759e988bd862e3fe1be46a994272793'
 * ```
 */
export function toW3cTraceId(traceId: string): string | undefined {
  if (hex32.test(traceId)) return traceId;
  if (xrayRoot.test(traceId)) return traceId.slice(2, 10) + traceId.slice(11);
  return undefined;
}

/**
 * The trace of an invocation's raw headers: the first that parses of `xray`, `cloudTrace`, `traceparent`.
 *
 * @example
 * ```ts
 * import { parseTraceHeaders } from '@faultline/core';
 * parseTraceHeaders({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' })?.format; // 'w3c'
 * ```
 */
export function parseTraceHeaders(headers: TraceHeaders | undefined): TraceContext | undefined {
  if (headers === undefined || headers === null || typeof headers !== 'object') return undefined;
  return (
    parseXRayTraceHeader(headers.xray) ??
    parseCloudTraceContext(headers.cloudTrace) ??
    parseTraceparent(headers.traceparent)
  );
}

/**
 * The trace headers of an HTTP request's headers (lower-case names): `traceparent`, `x-cloud-trace-context`,
 * `x-amzn-trace-id` (first values of repeated headers).
 *
 * @example
 * ```ts
 * traceHeadersOf({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' }).traceparent;
 * ```
 */
export function traceHeadersOf(
  headers: Readonly<Record<string, string | readonly string[] | undefined>> | undefined,
): TraceHeaders {
  if (headers === undefined || headers === null || typeof headers !== 'object') return {};
  return {
    xray: first(headers['x-amzn-trace-id']),
    cloudTrace: first(headers['x-cloud-trace-context']),
    traceparent: first(headers.traceparent),
  };
}

function first(value: string | readonly string[] | undefined): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return undefined;
}
