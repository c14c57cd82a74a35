import * as s from '../../schema/schema-builders.js';
import { defineFaultType } from '../fault-type.js';
import { InjectedFaultError } from '../injected-fault-error.js';

/**
 * `exception` (before the handler): the handler is skipped and the invocation fails with an
 * `InjectedFaultError` carrying `message` and `errorName`. Adapters surface it in the platform's failure shape
 * (a thrown error for Lambda/event triggers, a 500 from the HTTP frameworks).
 *
 * @example
 * ```yaml
 * faults:
 *   - id: orders-crash
 *     type: exception
 *     probability: 0.3
 *     message: Database connection lost
 *     errorName: ConnectionError
 * ```
 */
export const exceptionFault = defineFaultType({
  type: 'exception',
  summary: 'Skips the handler and fails the invocation with an InjectedFaultError.',
  phase: 'before',
  attributes: s.object({
    message: s.defaulted(
      s.string({ minLength: 1, maxLength: 1024, description: 'Error message.' }),
      'Injected fault',
    ),
    errorName: s.defaulted(
      s.string({
        minLength: 1,
        maxLength: 128,
        pattern: { regex: /^[A-Za-z_$][\w$.]*$/, description: 'an identifier such as ConnectionError' },
        description: 'Error name (`error.name`), e.g. to trip alarms keyed on a specific error class.',
      }),
      'InjectedFaultError',
    ),
  }),
  create(attributes, fault) {
    return {
      // A fresh error per invocation, so stacks and mutations never leak between invocations.
      before: (context) => ({
        kind: 'throw',
        error: new InjectedFaultError(attributes.message, {
          name: attributes.errorName,
          experimentId: context.experimentId,
          faultId: fault.id,
          faultType: fault.type,
        }),
      }),
    };
  },
});
