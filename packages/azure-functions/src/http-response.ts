import type { HttpResponseInit } from '@azure/functions';
import type { NeutralResponse } from '@faultline/core';

/*
 * Translation between what an Azure HTTP handler returns (an `HttpResponseInit` object or an `HttpResponse`
 * instance) and the engine's neutral response. Bodies may be one-shot streams (every `HttpResponse` body is one):
 * a sampled invocation touches a body only when an `after` fault reads it (`prepareHttpResult`), and then reads at
 * most `maxMaterializedBodyBytes` within `maxBodyReadMs`; a body it does not read, or cannot read whole within
 * those bounds, passes through as the same stream (what was read is put back in front of it).
 */

/** Statuses that cannot carry a body (the Fetch `Response` constructor throws if one is given). */
export const nullBodyStatuses = new Set([101, 103, 204, 205, 304]);

/** An `HttpResponseInit` whose body (if any) can be read synchronously. */
export interface MaterializedResponse extends HttpResponseInit {
  readonly body?: string | Uint8Array;
}

interface HttpResponseLike {
  readonly status: number;
  readonly headers: Headers;
  readonly cookies: HttpResponseInit['cookies'];
  readonly enableContentNegotiation: boolean;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** True for `HttpResponse` instances (duck-typed so the library is never loaded at runtime by the adapter). */
export function isHttpResponseInstance(value: unknown): value is HttpResponseLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { arrayBuffer?: unknown }).arrayBuffer === 'function' &&
    (value as { headers?: unknown }).headers instanceof Headers &&
    typeof (value as { status?: unknown }).status === 'number'
  );
}

/** Larger bodies are not buffered for `after` faults (the response passes through unchanged). */
export const maxMaterializedBodyBytes = 1024 * 1024;

/** Reads a (materialized) handler result as a neutral response; `undefined` when it is not an HTTP response. */
export function readNeutralResponse(result: unknown): NeutralResponse | undefined {
  if (!isPlainResult(result)) return undefined;
  const headers = headersToRecord(result.headers);
  let body: string | undefined;
  if (result.jsonBody !== undefined) {
    body = JSON.stringify(result.jsonBody);
    if (!hasHeader(headers, 'content-type')) headers['content-type'] = 'application/json';
  } else {
    body = readSyncBody(result.body);
  }
  return { status: result.status ?? 200, headers, body };
}

/**
 * Writes a changed neutral response back as an `HttpResponseInit`, keeping cookies and content negotiation. When
 * the body text did not change, the original body (e.g. exact bytes) is kept.
 */
export function writeNeutralResponse(original: unknown, response: NeutralResponse): HttpResponseInit {
  const base = isPlainResult(original) ? original : {};
  const before = readNeutralResponse(original);
  const { jsonBody: _jsonBody, body: _body, ...rest } = base;
  const next: HttpResponseInit = { ...rest, status: response.status, headers: { ...response.headers } };
  const unchanged = before !== undefined && response.body === before.body;
  if (!unchanged || nullBodyStatuses.has(response.status)) releaseStream(base.body);
  if (nullBodyStatuses.has(response.status)) return next;
  if (unchanged) {
    if (base.jsonBody !== undefined) next.jsonBody = base.jsonBody;
    else if (base.body !== undefined) next.body = base.body;
    return next;
  }
  if (response.body !== undefined) next.body = response.body;
  return next;
}

/** An injected response (`status` fault, throttling) as the `HttpResponseInit` the handler would have returned. */
export function toHttpResponseInit(response: NeutralResponse): HttpResponseInit {
  const init: HttpResponseInit = { status: response.status, headers: { ...response.headers } };
  if (response.body !== undefined && !nullBodyStatuses.has(response.status)) init.body = response.body;
  return init;
}

/** A stream body that is being replaced is cancelled, so its producer stops and its resources are freed. */
function releaseStream(body: unknown): void {
  if (body instanceof ReadableStream && !body.locked) body.cancel().catch(() => {});
}

export function isPlainResult(value: unknown): value is HttpResponseInit {
  return typeof value === 'object' && value !== null && !isHttpResponseInstance(value);
}

export function isSyncBody(body: unknown): boolean {
  return (
    body === undefined ||
    body === null ||
    typeof body === 'string' ||
    body instanceof Uint8Array ||
    body instanceof ArrayBuffer
  );
}

const utf8 = new TextDecoder();

function readSyncBody(body: unknown): string | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return utf8.decode(body);
  if (body instanceof ArrayBuffer) return utf8.decode(new Uint8Array(body));
  return undefined;
}

export function toHeaders(init: HttpResponseInit['headers']): Headers {
  return init instanceof Headers ? init : new Headers(init as ConstructorParameters<typeof Headers>[0]);
}

export function headersToRecord(init: HttpResponseInit['headers']): Record<string, string> {
  const record: Record<string, string> = {};
  if (init === undefined || init === null) return record;
  if (init instanceof Headers || Array.isArray(init)) {
    for (const [name, value] of toHeaders(init)) record[name] = value;
    return record;
  }
  for (const [name, value] of Object.entries(init as Record<string, string>)) {
    if (value !== undefined) record[name] = String(value);
  }
  return record;
}

function hasHeader(headers: Readonly<Record<string, string>>, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name);
}
