export {
  compileHostRule,
  type HostAction,
  type HostRule,
  type HostRuleOptions,
  normalizeHost,
  ruleMatches,
  type SyntheticHttpResponse,
} from './host-rule.js';
export {
  activeScopeCount,
  currentInterceptionScope,
  type DependencyFaultMatch,
  type DependencyFaultRule,
  findDependencyFault,
  type InterceptionContribution,
  type InterceptionScope,
  runInInterceptionScope,
  type ScopeContext,
} from './interception-scope.js';
export { installInterceptors, interceptorsInstalled, uninstallInterceptors } from './interceptors.js';
export type { InjectedFaultMarker, InjectedNetworkError } from './network-errors.js';
