import type { InvocationHttp } from '@faultline/core';
import type { LambdaTrigger } from './detect-trigger.js';
import { isObject } from './detect-trigger.js';

type Event = Record<string, unknown>;

/** Reads method, path, lower-cased headers and query of an HTTP-shaped Lambda event. */
export function readHttpFields(trigger: LambdaTrigger, event: Event): InvocationHttp | undefined {
  switch (trigger) {
    case 'api-gateway-http':
    case 'function-url':
      return readVersion2(event);
    case 'api-gateway-rest':
      return readVersion1(event, false);
    case 'alb':
      // ALB passes the query string as the client sent it: percent-encoded.
      return readVersion1(event, true);
    default:
      return undefined;
  }
}

function readVersion2(event: Event): InvocationHttp {
  const requestContext = isObject(event.requestContext) ? event.requestContext : {};
  const http = isObject(requestContext.http) ? requestContext.http : {};
  return new LazyHttpFields(
    upperCase(stringOr(http.method, 'GET')),
    withoutStage(stringOr(event.rawPath, stringOr(http.path, '/')), requestContext.stage),
    event,
    'version2',
  );
}

/**
 * An HTTP API serves a named stage under `/<stage>` and keeps that segment in `rawPath` (`/prod/orders/42`); the
 * route, and `http.path` on every other cloud, is `/orders/42`. `$default` (and a Function URL) adds nothing.
 */
function withoutStage(path: string, stage: unknown): string {
  if (typeof stage !== 'string' || stage === '' || stage === '$default') return path;
  const end = stage.length + 1;
  if (path.length < end || !path.startsWith(stage, 1) || path.charCodeAt(0) !== 47 /* / */) return path;
  if (path.length === end) return '/';
  return path.charCodeAt(end) === 47 ? path.slice(end) : path;
}

function readVersion1(event: Event, percentEncodedQuery: boolean): InvocationHttp {
  return new LazyHttpFields(
    upperCase(stringOr(event.httpMethod, 'GET')),
    stringOr(event.path, '/'),
    event,
    percentEncodedQuery ? 'alb' : 'version1',
  );
}

/** Which payload the headers and query are read from (ALB passes the query percent-encoded). */
type HttpPayload = 'version1' | 'version2' | 'alb';

/**
 * HTTP fields whose headers and query are normalized on first read: a fault matching on the method or path never
 * pays for copying headers. One object per invocation and no closures, since it is built on the path of faults that
 * do not fire.
 */
class LazyHttpFields implements InvocationHttp {
  private cachedHeaders: Readonly<Record<string, string>> | undefined;
  private cachedQuery: Readonly<Record<string, string>> | undefined;

  constructor(
    readonly method: string,
    readonly path: string,
    private readonly event: Event,
    private readonly payload: HttpPayload,
  ) {}

  get headers(): Readonly<Record<string, string>> {
    this.cachedHeaders ??= readHeaders(this.event, this.payload);
    return this.cachedHeaders;
  }

  get query(): Readonly<Record<string, string>> {
    this.cachedQuery ??= readQuery(this.event, this.payload);
    return this.cachedQuery;
  }

  toJSON(): InvocationHttp {
    return { method: this.method, path: this.path, headers: this.headers, query: this.query };
  }
}

function readHeaders(event: Event, payload: HttpPayload): Record<string, string> {
  if (payload !== 'version2') return lowerCaseHeaders(event.headers, event.multiValueHeaders);
  const headers = lowerCaseHeaders(event.headers, undefined);
  // Payload 2.0 moves cookies out of the headers; put them back so `http.header.cookie` matches as expected.
  if (Array.isArray(event.cookies) && event.cookies.length > 0 && headers.cookie === undefined) {
    headers.cookie = event.cookies.filter((cookie) => typeof cookie === 'string').join('; ');
  }
  return headers;
}

function readQuery(event: Event, payload: HttpPayload): Record<string, string> {
  if (payload !== 'version2') {
    return firstValues(event.queryStringParameters, event.multiValueQueryStringParameters, payload === 'alb');
  }
  const rawQuery = typeof event.rawQueryString === 'string' ? event.rawQueryString : '';
  return rawQuery === ''
    ? firstValues(event.queryStringParameters, undefined, false)
    : parseQueryString(rawQuery);
}

/** The method as written when it has no lower-case letter (it always has on API Gateway): no new string. */
function upperCase(method: string): string {
  for (let index = 0; index < method.length; index++) {
    const code = method.charCodeAt(index);
    if (code >= 97 && code <= 122) return method.toUpperCase();
  }
  return method;
}

/** Lower-cases header names; repeated headers (multi-value or repeated names) are joined with `, `. */
function lowerCaseHeaders(single: unknown, multi: unknown): Record<string, string> {
  const headers: Record<string, string> = {};
  if (isObject(multi)) {
    for (const [name, values] of Object.entries(multi)) {
      if (!Array.isArray(values)) continue;
      const joined = values.filter((value) => typeof value === 'string').join(', ');
      const key = name.toLowerCase();
      headers[key] = headers[key] === undefined ? joined : `${headers[key]}, ${joined}`;
    }
  }
  if (isObject(single)) {
    for (const name in single) {
      const value = single[name];
      if (typeof value !== 'string') continue;
      const key = name.toLowerCase();
      // API Gateway v1 sends both maps; the multi-value one is complete, the single one holds the last value only.
      if (isObject(multi) && headers[key] !== undefined) continue;
      headers[key] = headers[key] === undefined ? value : `${headers[key]}, ${value}`;
    }
  }
  return headers;
}

function firstValues(single: unknown, multi: unknown, percentEncoded: boolean): Record<string, string> {
  const query: Record<string, string> = {};
  const decode = percentEncoded ? safeDecode : (text: string) => text;
  if (isObject(multi)) {
    for (const [name, values] of Object.entries(multi)) {
      const first: unknown = Array.isArray(values) ? values[0] : undefined;
      if (typeof first === 'string') query[decode(name)] = decode(first);
    }
  }
  if (isObject(single)) {
    for (const [name, value] of Object.entries(single)) {
      const key = decode(name);
      if (typeof value === 'string' && query[key] === undefined) query[key] = decode(value);
    }
  }
  return query;
}

/** `a=1&b=2&a=3` → first values; cheaper than URLSearchParams on the per-invocation path. */
function parseQueryString(rawQuery: string): Record<string, string> {
  const query: Record<string, string> = {};
  let start = 0;
  while (start <= rawQuery.length) {
    let end = rawQuery.indexOf('&', start);
    if (end === -1) end = rawQuery.length;
    if (end > start) {
      const pair = rawQuery.slice(start, end);
      const equals = pair.indexOf('=');
      const name = safeDecode(equals === -1 ? pair : pair.slice(0, equals));
      if (query[name] === undefined) query[name] = equals === -1 ? '' : safeDecode(pair.slice(equals + 1));
    }
    start = end + 1;
  }
  return query;
}

function safeDecode(text: string): string {
  if (!text.includes('%') && !text.includes('+')) return text;
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' && value !== '' ? value : fallback;
}
