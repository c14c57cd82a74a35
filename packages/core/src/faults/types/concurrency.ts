import * as s from '../../schema/schema-builders.js';
import { defineFaultType } from '../fault-type.js';

/**
 * In-flight counters per experiment and fault id, kept for the life of the process (one function instance). They
 * outlive config reloads on purpose: an invocation admitted under one config version releases its slot on the same
 * counter after a reload.
 */
const inFlightByFault = new Map<string, { count: number }>();

function counterFor(experimentId: string, faultId: string): { count: number } {
  const key = `${experimentId}\u0000${faultId}`;
  let counter = inFlightByFault.get(key);
  if (counter === undefined) {
    counter = { count: 0 };
    inFlightByFault.set(key, counter);
  }
  return counter;
}

/**
 * `concurrency` (around the handler): caps the invocations this instance runs at once. An invocation that would
 * exceed `maxInFlight` gets the platform's throttling result without running the handler: on HTTP triggers the same
 * 429 on every cloud (JSON body `{ "error": "TooManyRequests", "message": "Too Many Requests", "reason": … }`, and a
 * `retry-after` header when `retryAfterSeconds` is set), a throttling error on others. Its slot is released when the
 * invocation ends, also when the handler throws or times out.
 *
 * Only sampled invocations count, so use `probability: 1` to cap the whole instance. Most useful on platforms that
 * run concurrent requests in one process (Cloud Functions gen2, Azure Functions) and to rehearse a reserved
 * concurrency limit on Lambda with a local load test.
 *
 * @example
 * ```yaml
 * faults:
 *   - id: tight-capacity
 *     type: concurrency
 *     probability: 1
 *     maxInFlight: 4
 *     retryAfterSeconds: 2
 * ```
 */
export const concurrencyFault = defineFaultType({
  type: 'concurrency',
  summary: 'Caps in-flight invocations per instance; the excess gets the platform throttling result.',
  phase: 'around',
  attributes: s.object({
    maxInFlight: s.required(
      s.number({
        integer: true,
        minimum: 0,
        maximum: 100_000,
        description:
          'Invocations allowed to run at once in one instance; 0 throttles every sampled invocation.',
      }),
    ),
    retryAfterSeconds: s.optional(
      s.number({
        integer: true,
        minimum: 0,
        maximum: 86_400,
        description:
          "Seconds sent in the 429's retry-after header on HTTP triggers; without it the 429 has no retry-after.",
      }),
    ),
  }),
  create(attributes, fault) {
    const { maxInFlight, retryAfterSeconds } = attributes;
    const reason = `concurrency limit of ${maxInFlight} in-flight invocations reached (fault ${fault.id})`;
    const outcome = { kind: 'throttle', reason, retryAfterSeconds } as const;
    return {
      before(context) {
        const counter = counterFor(context.experimentId, fault.id);
        if (counter.count >= maxInFlight) return outcome;
        counter.count++;
        let released = false;
        context.defer(() => {
          if (released) return;
          released = true;
          counter.count--;
        });
        return undefined;
      },
    };
  },
});

/** The in-flight count of a `concurrency` fault in this process (diagnostics and tests). */
export function concurrencyInFlight(experimentId: string, faultId: string): number {
  return inFlightByFault.get(`${experimentId}\u0000${faultId}`)?.count ?? 0;
}
