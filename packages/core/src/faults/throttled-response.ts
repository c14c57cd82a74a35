import type { NeutralResponse } from './fault-type.js';

/**
 * The HTTP answer to a throttled invocation (`concurrency` fault), the same on every cloud: status 429, a JSON body
 * `{ "error": "TooManyRequests", "message": "Too Many Requests", "reason": … }` and, when the fault sets
 * `retryAfterSeconds`, a `retry-after` header. Adapters shape it into their native response; triggers without a
 * response get a throttling `InjectedFaultError` instead.
 *
 * @example
 * ```ts
 * import { throttledResponse } from '@faultline/core/adapter-kit';
 *
 * throttledResponse('concurrency limit of 4 in-flight invocations reached (fault tight-capacity)', 2);
 * // { status: 429, headers: { 'content-type': 'application/json', 'retry-after': '2' }, body: '{"error":"TooManyRequests",…}' }
 * ```
 */
export function throttledResponse(reason: string, retryAfterSeconds?: number): NeutralResponse {
  const body = JSON.stringify({ error: 'TooManyRequests', message: 'Too Many Requests', reason });
  return retryAfterSeconds === undefined
    ? { status: 429, headers: { 'content-type': 'application/json' }, body }
    : {
        status: 429,
        headers: { 'content-type': 'application/json', 'retry-after': String(retryAfterSeconds) },
        body,
      };
}
