import * as s from '../../schema/schema-builders.js';
import { defineFaultType } from '../fault-type.js';
import { singleHandlerCallCapability } from '../single-handler-call.js';

/**
 * `duplicate` (around the handler, event triggers): delivers the same event `times` times in a row, as queues and
 * event buses do under at-least-once delivery, to prove the handler is idempotent. The result of the last delivery
 * is returned; a delivery that throws ends the sequence with its error (as a real redelivery would surface it).
 * HTTP invocations are left alone: a caller, not the platform, decides to retry a request.
 *
 * @example
 * ```yaml
 * faults:
 *   - id: redeliver-orders
 *     type: duplicate
 *     probability: 0.05
 *     times: 2
 *     match: [{ field: trigger, op: eq, value: queue }]
 * ```
 */
/** Invocations a duplicate fault is already repeating (weakly held: nothing outlives the invocation). */
const duplicatedInvocations = new WeakSet<object>();

export const duplicateFault = defineFaultType({
  type: 'duplicate',
  summary:
    'Delivers an event to the handler several times in a row (at-least-once delivery) to test idempotency.',
  phase: 'around',
  attributes: s.object({
    times: s.defaulted(
      s.number({
        integer: true,
        minimum: 2,
        maximum: 10,
        description: 'How many times the handler sees the event (2 = one duplicate).',
      }),
      2,
    ),
  }),
  create(attributes) {
    const { times } = attributes;
    return {
      cannotAct(context) {
        // An HTTP request read as a `schedule` (a Cloud Scheduler job) still has one response to write: once.
        if (context.invocation.trigger === 'http' || context.invocation.http !== undefined) {
          return 'HTTP requests are not redelivered by the platform (a caller decides to retry)';
        }
        if (context.capabilities[singleHandlerCallCapability] === true) {
          return 'this host calls the handler once per invocation (Middy calls its handler itself)';
        }
        return undefined;
      },
      async around(context, next) {
        if (context.invocation.trigger === 'http' || context.invocation.http !== undefined) return next();
        // Two duplicate faults sampled for one invocation would multiply (2 × 6 = 12 deliveries): the outermost
        // one delivers, the inner ones pass through, so `times` stays the most a handler ever sees an event.
        if (duplicatedInvocations.has(context.invocation)) return next();
        duplicatedInvocations.add(context.invocation);
        let result = await next();
        for (let delivery = 1; delivery < times && !context.signal.aborted; delivery += 1) {
          result = await next();
        }
        return result;
      },
    };
  },
});
