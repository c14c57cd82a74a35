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
  const headers = lowerCaseHeaders(event.headers, undefined);
  // Payload 2.0 moves cookies out of the headers; put them back so `http.header.cookie` matches as users expect.
  if (Array.isArray(event.cookies) && event.cookies.length > 0 && headers.cookie === undefined) {
    headers.cookie = event.cookies.filter((cookie) => typeof cookie === 'string').join('; ');
  }
  const rawQuery = typeof event.rawQueryString === 'string' ? event.rawQueryString : '';
  return {
    method: stringOr(http.method, 'GET').toUpperCase(),
    path: stringOr(event.rawPath, stringOr(http.path, '/')),
    headers,
    query:
      rawQuery === ''
        ? firstValues(event.queryStringParameters, undefined, false)
        : parseQueryString(rawQuery),
  };
}

function readVersion1(event: Event, percentEncodedQuery: boolean): InvocationHttp {
  return {
    method: stringOr(event.httpMethod, 'GET').toUpperCase(),
    path: stringOr(event.path, '/'),
    headers: lowerCaseHeaders(event.headers, event.multiValueHeaders),
    query: firstValues(
      event.queryStringParameters,
      event.multiValueQueryStringParameters,
      percentEncodedQuery,
    ),
  };
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
    for (const [name, value] of Object.entries(single)) {
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

function parseQueryString(rawQuery: string): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(rawQuery)) {
    if (query[name] === undefined) query[name] = value;
  }
  return query;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' && value !== '' ? value : fallback;
}
