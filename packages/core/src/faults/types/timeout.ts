import * as s from '../../schema/schema-builders.js';
import { defineFaultType } from '../fault-type.js';
import { InjectedFaultError } from '../injected-fault-error.js';

/** What the `timeout` fault does once its wait ends: its `afterWait` attribute. */
export const timeoutAfterWaitActions = ['fail', 'continue'] as const;

/** `afterWait`'s pre-release name, a key that made every timeout entry look like a thenable. */
const formerAfterWaitName = 'then';

/**
 * `timeout` (before the handler): sleeps until the platform deadline minus `bufferMs`, then either fails with an
 * `InjectedFaultError` named `TimeoutError` (`afterWait: fail`, the default) or lets the handler run with almost no
 * time left (`afterWait: continue`). When the platform reports no deadline the fault is skipped (a `skipped` event
 * says so), because sleeping an unknown time could hold the instance for its whole maximum duration.
 *
 * @example
 * ```yaml
 * faults:
 *   - id: near-timeout
 *     type: timeout
 *     probability: 0.05
 *     bufferMs: 100
 *     afterWait: fail
 * ```
 */
export const timeoutFault = defineFaultType({
  type: 'timeout',
  summary: 'Waits until the platform deadline minus a buffer, then fails or continues.',
  phase: 'before',
  attributes: s.object(
    {
      bufferMs: s.defaulted(
        s.number({
          minimum: 0,
          maximum: 900_000,
          unit: 'ms',
          description: 'How long before the deadline the wait ends, in milliseconds.',
        }),
        50,
      ),
      afterWait: s.defaulted(
        s.oneOf(timeoutAfterWaitActions, {
          description:
            'What happens when the wait ends. `fail`: fail with a TimeoutError; `continue`: run the handler with the time that is left.',
        }),
        'fail',
      ),
    },
    {
      // Before schema v1 was published `afterWait` was named `then`: an old document gets the fix, not a guess.
      unknownKeyHints: {
        [formerAfterWaitName]: 'renamed to "afterWait": write afterWait: fail or afterWait: continue',
      },
    },
  ),
  create(attributes, fault) {
    const { bufferMs, afterWait } = attributes;
    return {
      cannotAct: (context) =>
        context.invocation.deadlineMs === undefined
          ? 'the platform reported no deadline for this invocation'
          : undefined,
      async before(context) {
        const deadlineMs = context.invocation.deadlineMs;
        // `cannotAct` kept the run from getting here without a deadline; stay safe if a host skipped that check.
        if (deadlineMs === undefined) return undefined;
        const waitMs = deadlineMs - bufferMs - context.clock.now();
        if (waitMs > 0) await context.sleep(waitMs, context.signal);
        if (afterWait === 'continue') return undefined;
        return {
          kind: 'throw',
          error: new InjectedFaultError(
            `Injected timeout: stopped ${bufferMs} ms before the invocation deadline`,
            {
              name: 'TimeoutError',
              experimentId: context.experimentId,
              faultId: fault.id,
              faultType: fault.type,
            },
          ),
        };
      },
    };
  },
});
