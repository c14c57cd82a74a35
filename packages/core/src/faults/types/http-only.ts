import type { FaultContext } from '../fault-type.js';

/**
 * `cannotAct` of the faults that change an HTTP response (`corrupt`, `cors`): other triggers have none to change.
 * (A handler on an HTTP trigger that returns something that is no HTTP response is found out after it ran, and
 * reported then with a debug event.)
 */
export function noResponseToChange(context: FaultContext): string | undefined {
  return context.invocation.trigger === 'http'
    ? undefined
    : `${context.invocation.trigger} invocations have no HTTP response to change`;
}
