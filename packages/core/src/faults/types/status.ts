import * as s from '../../schema/schema-builders.js';
import type { NeutralResponse } from '../fault-type.js';
import { defineFaultType } from '../fault-type.js';

/**
 * Builds the synthetic response once per config version: an object body becomes JSON with a JSON content type.
 *
 * @example
 * ```ts
 * buildSyntheticResponse(503, undefined, { message: 'down' });
 * // { status: 503, headers: { 'content-type': 'application/json' }, body: '{"message":"down"}' }
 * ```
 */
export function buildSyntheticResponse(
  status: number,
  headers: Readonly<Record<string, string>> | undefined,
  body: unknown,
): NeutralResponse {
  const merged: Record<string, string> = { ...headers };
  let text: string | undefined;
  if (typeof body === 'string') text = body;
  else if (body !== undefined && body !== null) {
    text = JSON.stringify(body);
    const hasContentType = Object.keys(merged).some((name) => name.toLowerCase() === 'content-type');
    if (!hasContentType) merged['content-type'] = 'application/json';
  }
  return Object.freeze({ status, headers: Object.freeze(merged), body: text });
}

/**
 * `status` (before the handler): the handler is skipped and a synthetic response is returned. On triggers without
 * a response (queues, CloudEvents) the invocation fails with an `InjectedFaultError` carrying the status instead.
 *
 * @example
 * ```yaml
 * faults:
 *   - id: orders-unavailable
 *     type: status
 *     probability: 0.3
 *     status: 503
 *     headers: { retry-after: "1" }
 *     body: { message: Service unavailable }
 * ```
 */
export const statusFault = defineFaultType({
  type: 'status',
  summary: 'Skips the handler and returns a synthetic response (status, headers, body).',
  phase: 'before',
  attributes: s.object({
    status: s.required(
      s.number({ integer: true, minimum: 100, maximum: 599, description: 'HTTP status code, e.g. 503.' }),
    ),
    headers: s.optional(
      s.record(s.string({ maxLength: 8192 }), {
        maxProperties: 64,
        description: 'Response headers, e.g. { retry-after: "1" }.',
      }),
    ),
    body: s.optional(
      s.anyOf([s.string({ maxLength: 65_536 }), s.record(s.unknownValue())], {
        description:
          'Response body: a string as is, or an object sent as JSON (with content-type application/json).',
      }),
    ),
  }),
  create(attributes) {
    const response = buildSyntheticResponse(attributes.status, attributes.headers, attributes.body);
    const outcome = { kind: 'respond', response } as const;
    return { before: () => outcome };
  },
});
