import type { NeutralResponse } from '@faultline/core';
import { reasonPhraseOf } from '@faultline/core/adapter-kit';
import { httpLambdaTriggers, isObject, type LambdaTrigger } from '../invocation/detect-trigger.js';

/**
 * Translation between faultline's neutral HTTP response and the native result shapes of API Gateway REST (v1),
 * HTTP API (v2), Function URLs and ALB. Non-HTTP triggers have no response to shape: every function here returns
 * `undefined` for them, and the engine throws an `InjectedFaultError` instead.
 */

/**
 * The native HTTP result of a Lambda proxy integration (the union of the v1, v2 and ALB fields).
 *
 * @example
 * ```ts
 * const result: LambdaHttpResult = { statusCode: 200, headers: { 'content-type': 'text/plain' }, body: 'ok' };
 * ```
 */
export interface LambdaHttpResult {
  statusCode: number;
  statusDescription?: string;
  headers?: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  cookies?: string[];
  body?: string;
  isBase64Encoded?: boolean;
  [field: string]: unknown;
}

/** True when the event's integration expects header values as arrays (ALB multi-value mode, API Gateway v1). */
function usesMultiValueHeaders(trigger: LambdaTrigger, event: unknown): boolean {
  if (trigger !== 'api-gateway-rest' && trigger !== 'alb') return false;
  return isObject(event) && isObject(event.multiValueHeaders);
}

/**
 * Builds the native result for an injected response (a `status` fault), or `undefined` for non-HTTP triggers.
 *
 * @example
 * ```ts
 * toNativeResponse('alb', albEvent, { status: 503, headers: {}, body: 'down' });
 * // → { statusCode: 503, statusDescription: '503 Service Unavailable', headers: {}, body: 'down', isBase64Encoded: false }
 * ```
 */
export function toNativeResponse(
  trigger: LambdaTrigger,
  event: unknown,
  response: NeutralResponse,
): LambdaHttpResult | undefined {
  if (!httpLambdaTriggers.has(trigger)) return undefined;
  const result: LambdaHttpResult = { statusCode: response.status };
  if (trigger === 'alb') result.statusDescription = statusDescription(response.status);
  if (usesMultiValueHeaders(trigger, event)) {
    result.multiValueHeaders = Object.fromEntries(
      Object.entries(response.headers).map(([name, value]) => [name, [value]]),
    );
  } else {
    result.headers = { ...response.headers };
  }
  result.body = response.body ?? '';
  result.isBase64Encoded = false;
  return result;
}

/**
 * Reads a handler's HTTP result as a neutral response for `after` faults (`corrupt`, `cors`). Base64 bodies are
 * decoded; header arrays are joined with `, `. Returns `undefined` when the result is not an HTTP response.
 *
 * @example
 * ```ts
 * readNativeResponse('api-gateway-http', { statusCode: 200, body: '{"ok":true}' });
 * // → { status: 200, headers: {}, body: '{"ok":true}' }
 * ```
 */
export function readNativeResponse(trigger: LambdaTrigger, result: unknown): NeutralResponse | undefined {
  if (!httpLambdaTriggers.has(trigger)) return undefined;
  const versionTwo = trigger === 'api-gateway-http' || trigger === 'function-url';
  if (!isObject(result) || typeof result.statusCode !== 'number') {
    // Payload 2.0 accepts any JSON value and answers it as a 200 application/json response.
    if (!versionTwo || result === undefined) return undefined;
    return {
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: typeof result === 'string' ? result : JSON.stringify(result),
    };
  }
  const headers: Record<string, string> = {};
  if (isObject(result.multiValueHeaders)) {
    for (const [name, values] of Object.entries(result.multiValueHeaders)) {
      if (Array.isArray(values)) headers[name] = values.map(String).join(', ');
    }
  }
  if (isObject(result.headers)) {
    for (const [name, value] of Object.entries(result.headers)) {
      if (value !== undefined && value !== null && headers[name] === undefined) headers[name] = String(value);
    }
  }
  let body: string | undefined;
  if (typeof result.body === 'string') {
    body =
      result.isBase64Encoded === true ? Buffer.from(result.body, 'base64').toString('utf8') : result.body;
  }
  return { status: result.statusCode, headers, body };
}

/**
 * Writes a changed neutral response back in the native shape of `original`, keeping fields faultline does not model
 * (cookies, extra fields) and the original header style (single or multi-value). A body that did not change keeps its
 * original (possibly base64) encoding.
 *
 * @example
 * ```ts
 * const original = { statusCode: 200, headers: { 'access-control-allow-origin': '*' }, body: 'ok' };
 * const neutral = readNativeResponse('api-gateway-http', original)!;
 * writeNativeResponse('api-gateway-http', event, original, { ...neutral, headers: {} });
 * // → { statusCode: 200, headers: {}, body: 'ok' }
 * ```
 */
export function writeNativeResponse<Result>(
  trigger: LambdaTrigger,
  event: unknown,
  original: Result,
  response: NeutralResponse,
): Result {
  if (!httpLambdaTriggers.has(trigger)) return original;
  const before = readNativeResponse(trigger, original);
  if (!isObject(original) || typeof original.statusCode !== 'number') {
    // A bare payload-2.0 value: answer the full object form so the changed status and headers take effect.
    return toNativeResponse(trigger, event, response) as Result;
  }
  const next: LambdaHttpResult = {
    ...(original as unknown as LambdaHttpResult),
    statusCode: response.status,
  };
  if (
    trigger === 'alb' &&
    (next.statusDescription !== undefined || response.status !== original.statusCode)
  ) {
    next.statusDescription = statusDescription(response.status);
  }
  if (isObject(original.multiValueHeaders)) {
    const originalValues = original.multiValueHeaders as Record<string, string[]>;
    const multiValueHeaders: Record<string, string[]> = {};
    for (const [name, value] of Object.entries(response.headers)) {
      const previous = originalValues[name];
      // An unchanged joined value keeps its original array, so repeated headers (Set-Cookie) survive a round trip.
      multiValueHeaders[name] = previous && before?.headers[name] === value ? previous : [value];
    }
    next.multiValueHeaders = multiValueHeaders;
    delete next.headers;
  } else {
    next.headers = { ...response.headers };
  }
  if (response.body !== before?.body) {
    next.body = response.body ?? '';
    next.isBase64Encoded = false;
  }
  return next as Result;
}

function statusDescription(status: number): string {
  return `${status} ${reasonPhraseOf(status) ?? 'Unknown'}`;
}
