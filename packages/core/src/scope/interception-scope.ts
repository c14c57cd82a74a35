import { AsyncLocalStorage } from 'node:async_hooks';
import type { Sleep } from '../engine/ports.js';
import type { HostRule } from './host-rule.js';

/**
 * A dependency fault as the AWS SDK middleware (or any client-level integration) sees it. Service and operation
 * names are compared case-insensitively; absent lists mean "any".
 */
export interface DependencyFaultRule {
  readonly faultId: string;
  readonly faultType: string;
  /** Lower-case service id, e.g. `dynamodb`; undefined: any service. */
  readonly service: string | undefined;
  /** Lower-case operation names, e.g. `getitem`; undefined: any operation. */
  readonly operations: readonly string[] | undefined;
  /** Host globs the request's endpoint must match; undefined: any host. */
  readonly matchesHost: ((host: string) => boolean) | undefined;
  readonly effect: 'latency' | 'status' | 'throttle' | 'access-denied' | 'reset';
  readonly delayMs: number;
  readonly status: number | undefined;
  readonly errorCode: string | undefined;
}

/** What one fault adds to the interception scope of an invocation. */
export interface InterceptionContribution {
  readonly hostRules?: readonly HostRule[];
  readonly dependencyFaults?: readonly DependencyFaultRule[];
}

/**
 * One outgoing call a `dependency` or `blackhole` fault acted on, as the interceptors report it.
 *
 * @example
 * ```ts
 * const interception: Interception = { faultId: 'slow-pricing', faultType: 'dependency', action: 'delay', host: 'pricing.internal', port: 443 };
 * ```
 */
export interface Interception {
  readonly faultId: string;
  readonly faultType: string;
  /** What was done: `refuse`, `reset`, `timeout`, `dns`, `delay`, `respond`, or a dependency effect (`throttle`, …). */
  readonly action: string;
  readonly host?: string | undefined;
  readonly port?: number | undefined;
  /** For AWS SDK calls: the service id and operation. */
  readonly service?: string | undefined;
  readonly operation?: string | undefined;
}

/** The part of a fault context a scope needs (a `FaultContext` satisfies it). */
export interface ScopeContext {
  readonly experimentId: string;
  readonly signal: AbortSignal;
  readonly sleep: Sleep;
  /**
   * Told about each outgoing call a fault of the scope acts on, synchronously, in the caller's async context (so the
   * client span of that call is the active one, when the HTTP client is instrumented). Must not throw.
   */
  readonly onIntercept?: ((interception: Interception) => void) | undefined;
  /** The invocation's cleanup registry; the scope also ends there (e.g. cleanups run ahead of a platform deadline). */
  defer?(cleanup: () => void): void;
}

/** The interception state of one sampled invocation. Interceptors read it; only faults create it. */
export interface InterceptionScope {
  readonly experimentId: string;
  readonly hostRules: readonly HostRule[];
  readonly dependencyFaults: readonly DependencyFaultRule[];
  readonly hasAddressRules: boolean;
  readonly signal: AbortSignal;
  readonly sleep: Sleep;
  /** False once the invocation ended: late callbacks of an ended invocation are no longer intercepted. */
  readonly active: boolean;
  /**
   * Told about each outgoing call a fault of the scope acts on (the context's `onIntercept`); interceptors call it
   * through `noteInterception`.
   */
  readonly onIntercept: ((interception: Interception) => void) | undefined;
  /** Registers something to release when the scope ends (a hanging socket, a delayed connect). */
  onEnd(release: () => void): void;
}

interface MutableScope extends InterceptionScope {
  active: boolean;
  releases: (() => void)[] | undefined;
}

/**
 * Process-wide scope state, shared through a global symbol: the interceptors are patched into Node's modules once
 * per process, so two copies of this package (e.g. one bundled into a layer) must agree on one storage and count.
 */
interface ScopeRegistry {
  readonly storage: AsyncLocalStorage<MutableScope>;
  /**
   * How many scopes are open in this process. Interceptors read this plain number first and call straight through
   * when it is zero, so an instance with no fault firing never touches AsyncLocalStorage on an outbound call.
   */
  openScopeCount: number;
}

const registryKey = Symbol.for('faultline.interception-scope.v1');
const globalSlots = globalThis as { [registryKey]?: ScopeRegistry };
globalSlots[registryKey] ??= { storage: new AsyncLocalStorage<MutableScope>(), openScopeCount: 0 };
const registry: ScopeRegistry = globalSlots[registryKey];
const storage = registry.storage;

/** Number of open interception scopes in this process (0 when no interception fault is running). */
export function activeScopeCount(): number {
  return registry.openScopeCount;
}

/**
 * The interception scope of the calling async context, or undefined when none is active. Cheap when no scope is
 * open anywhere in the process (one number comparison).
 *
 * @example
 * ```ts
 * const scope = currentInterceptionScope();
 * if (scope !== undefined) console.log(scope.hostRules.length, 'host rules active');
 * ```
 */
export function currentInterceptionScope(): InterceptionScope | undefined {
  if (registry.openScopeCount === 0) return undefined;
  const scope = storage.getStore();
  return scope?.active === true ? scope : undefined;
}

/**
 * Captures the interception scope of the calling async context, for a host that calls the handler itself from a
 * context the scope does not reach (Middy calls it from its own request chain, not from inside the `around`
 * effects). The returned function enters the captured scope in *its* caller's async context
 * (`AsyncLocalStorage.enterWith`): for the rest of that synchronous execution and everything it starts, such as the
 * handler called right after. Once the scope has ended, entering it does nothing: an ended scope intercepts nothing.
 * `undefined` when no scope is active here.
 *
 * @example
 * ```ts
 * const enterScope = captureInterceptionScope(); // inside an interception fault's `around`
 * // later, in the host's own context, synchronously before it calls the handler:
 * enterScope?.();
 * ```
 */
export function captureInterceptionScope(): (() => void) | undefined {
  if (registry.openScopeCount === 0) return undefined;
  const scope = storage.getStore();
  if (scope === undefined || !scope.active) return undefined;
  return () => {
    if (scope.active) storage.enterWith(scope);
  };
}

function endScope(scope: MutableScope): void {
  if (!scope.active) return;
  scope.active = false;
  registry.openScopeCount--;
  const releases = scope.releases;
  scope.releases = undefined;
  if (releases === undefined) return;
  for (const release of releases) {
    try {
      release();
    } catch {
      // A release only destroys sockets or fires pending callbacks; a failure there must not reach user code.
    }
  }
}

/**
 * Runs `next` (the rest of the invocation) inside an interception scope holding `contribution`, merged with the
 * scope of an enclosing fault. The scope ends when `next` settles, when `context.signal` aborts (the invocation
 * ended or timed out) or when the invocation's deferred cleanups run, whichever comes first; ending it destroys sockets a `timeout` blackhole left hanging.
 *
 * Only the `around` effect of an interception fault calls this, so the idle path never enters AsyncLocalStorage.
 *
 * @example
 * ```ts
 * const rule = compileHostRule({ faultId: 'f', faultType: 'blackhole', hosts: ['localhost'], action: { kind: 'refuse' } });
 * const effect: FaultEffect = {
 *   around: (context, next) => runInInterceptionScope(context, { hostRules: [rule] }, next),
 * };
 * ```
 */
export async function runInInterceptionScope<Result>(
  context: ScopeContext,
  contribution: InterceptionContribution,
  next: () => Promise<Result>,
): Promise<Result> {
  const parent = currentInterceptionScope();
  const hostRules = merge(parent?.hostRules, contribution.hostRules);
  const scope: MutableScope = {
    experimentId: context.experimentId,
    hostRules,
    dependencyFaults: merge(parent?.dependencyFaults, contribution.dependencyFaults),
    hasAddressRules: hostRules.some((rule) => rule.matchesAddresses),
    signal: context.signal,
    sleep: context.sleep,
    onIntercept: context.onIntercept ?? parent?.onIntercept,
    active: true,
    releases: undefined,
    onEnd(release) {
      if (!this.active) {
        release();
        return;
      }
      this.releases ??= [];
      this.releases.push(release);
    },
  };
  registry.openScopeCount++;
  const end = () => endScope(scope);
  if (context.signal.aborted) endScope(scope);
  // The engine runs deferred cleanups whenever an invocation ends (also on timeout), so with `defer` the scope needs
  // no abort listener — EventTarget listeners cost about a microsecond each to add and remove.
  const listensToAbort = context.defer === undefined && !context.signal.aborted;
  if (context.defer !== undefined) context.defer(end);
  else if (listensToAbort) context.signal.addEventListener('abort', end, { once: true });
  try {
    return await storage.run(scope, next);
  } finally {
    if (listensToAbort) context.signal.removeEventListener('abort', end);
    endScope(scope);
  }
}

/**
 * Tells the scope's observer that a fault acts on an outgoing call (for span annotations and debug events). Never
 * throws; costs nothing when nobody observes.
 *
 * @example
 * ```ts
 * noteInterception(scope, { faultId: rule.faultId, faultType: rule.faultType, action: 'refuse', host, port });
 * ```
 */
export function noteInterception(scope: InterceptionScope, interception: Interception): void {
  const observer = scope.onIntercept;
  if (observer === undefined) return;
  try {
    observer(interception);
  } catch {
    // An observer must never change what happens to the call.
  }
}

function merge<T>(parent: readonly T[] | undefined, own: readonly T[] | undefined): readonly T[] {
  if (parent === undefined || parent.length === 0) return own ?? [];
  if (own === undefined || own.length === 0) return parent;
  return [...parent, ...own];
}

/** A dependency fault matching an SDK call, with the scope's abort-aware sleep for latency effects. */
export interface DependencyFaultMatch {
  readonly fault: DependencyFaultRule;
  readonly experimentId: string;
  /** Sleeps `durationMs`, cut short when the invocation ends. */
  sleep(durationMs: number): Promise<void>;
}

/**
 * Finds the active dependency fault for a client call, if any. Client integrations (the AWS SDK v3 middleware)
 * call this per request; it costs one number comparison when no fault is active.
 *
 * @example
 * ```ts
 * const match = findDependencyFault({ service: 'DynamoDB', operation: 'GetItem', host: 'dynamodb.us-east-1.amazonaws.com' });
 * if (match?.fault.effect === 'latency') await match.sleep(match.fault.delayMs);
 * ```
 */
export function findDependencyFault(call: {
  readonly service: string;
  readonly operation: string;
  readonly host: string | undefined;
}): DependencyFaultMatch | undefined {
  const scope = currentInterceptionScope();
  if (scope === undefined || scope.dependencyFaults.length === 0) return undefined;
  const service = call.service.toLowerCase();
  const operation = call.operation.toLowerCase();
  for (const fault of scope.dependencyFaults) {
    if (fault.service !== undefined && fault.service !== service) continue;
    if (fault.operations !== undefined && !fault.operations.includes(operation)) continue;
    if (fault.matchesHost !== undefined && (call.host === undefined || !fault.matchesHost(call.host)))
      continue;
    noteInterception(scope, {
      faultId: fault.faultId,
      faultType: fault.faultType,
      action: fault.effect,
      host: call.host,
      service: call.service,
      operation: call.operation,
    });
    return {
      fault,
      experimentId: scope.experimentId,
      sleep: (durationMs) => scope.sleep(durationMs, scope.signal),
    };
  }
  return undefined;
}
