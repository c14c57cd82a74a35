import * as s from '../../schema/schema-builders.js';
import { defineFaultType } from '../fault-type.js';
import { maxLatencyMs } from './latency.js';

/** Invocations seen per experiment and fault id, for the life of the process (one function instance). */
const seenByFault = new Map<string, { count: number }>();

/**
 * `coldstart` (before the handler): delays only the first `invocations` sampled invocations of an instance, as a
 * slow initialization (large bundle, VPC attachment, JIT warm-up) would. Later invocations of the same instance run
 * at full speed; a new instance (new process) is cold again. The count survives config reloads, so refreshing the
 * experiment does not make a warm instance cold.
 *
 * Only sampled invocations count; use `probability: 1` so "first" means the instance's first invocations.
 *
 * @example
 * ```yaml
 * faults:
 *   - id: slow-init
 *     type: coldstart
 *     probability: 1
 *     delayMs: 2500
 *     invocations: 1
 * ```
 */
export const coldstartFault = defineFaultType({
  type: 'coldstart',
  summary: 'Delays the first invocation(s) of each instance only, like a slow cold start.',
  phase: 'before',
  attributes: s.object({
    delayMs: s.required(
      s.number({
        minimum: 0,
        maximum: maxLatencyMs,
        unit: 'ms',
        description: 'Extra start-up delay, in milliseconds.',
      }),
    ),
    invocations: s.defaulted(
      s.number({
        integer: true,
        minimum: 1,
        maximum: 1_000_000,
        description: 'How many of the first invocations of an instance are delayed.',
      }),
      1,
    ),
  }),
  create(attributes, fault) {
    const { delayMs, invocations } = attributes;
    return {
      before(context) {
        const key = `${context.experimentId}\u0000${fault.id}`;
        let seen = seenByFault.get(key);
        if (seen === undefined) {
          seen = { count: 0 };
          seenByFault.set(key, seen);
        }
        if (seen.count >= invocations) return undefined;
        seen.count++;
        return context.sleep(delayMs, context.signal);
      },
    };
  },
});
