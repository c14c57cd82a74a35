/**
 * `@faultline/core/interception`: dependency faults at a client library's layer and the process-wide network
 * interceptors behind `blackhole` and `dependency`. An adapter hooks a client (e.g. the AWS SDK's middleware stack)
 * with {@link findDependencyFault}; the `blackhole` and `dependency` fault types install the interceptors when
 * they are created, so code outside tests and the bench never calls the install functions. A subpath of its own: it loads `node:net`, `node:dns` and
 * `node:async_hooks`, which a wrapper that never injects dependency faults should not pay for.
 *
 * @example
 * ```ts
 * import { findDependencyFault } from '@faultline/core/interception';
 * const match = findDependencyFault({ service: 'DynamoDB', operation: 'GetItem', host: 'dynamodb.us-east-1.amazonaws.com' });
 * ```
 * @packageDocumentation
 */

export { compileHostRule, type HostRule, type HostRuleOptions, normalizeHost } from './scope/host-rule.js';
export {
  currentInterceptionScope,
  type DependencyFaultMatch,
  type DependencyFaultRule,
  findDependencyFault,
  type InterceptionScope,
  runInInterceptionScope,
} from './scope/interception-scope.js';
export { installInterceptors, interceptorsInstalled, uninstallInterceptors } from './scope/interceptors.js';
