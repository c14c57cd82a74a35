import dns from 'node:dns';
import { syncBuiltinESMExports } from 'node:module';
import { findHostRule, normalizeHost } from './host-rule.js';
import { activeScopeCount, currentInterceptionScope, noteInterception } from './interception-scope.js';
import { createNotFoundError, type InjectedNetworkError } from './network-errors.js';

/**
 * DNS interception for `blackhole` with `behavior: dns`: `dns.lookup`, `dns.promises.lookup`, every `resolve*`
 * (callback and promise forms) and the same methods on `Resolver` instances answer ENOTFOUND for matching names.
 * Other behaviours leave DNS alone: the name still resolves, the connection is what fails.
 */

type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;
type PatchTarget = Record<string, unknown>;

const resolveMethods = [
  'resolve',
  'resolve4',
  'resolve6',
  'resolveAny',
  'resolveCaa',
  'resolveCname',
  'resolveMx',
  'resolveNaptr',
  'resolveNs',
  'resolveSoa',
  'resolveSrv',
  'resolveTxt',
] as const;

const patchedMarker = Symbol.for('faultline.intercepted-dns.v1');
type PatchedFunction = AnyFunction & { [patchedMarker]?: AnyFunction };

function patchTargets(): {
  readonly target: PatchTarget;
  readonly methods: readonly string[];
  readonly promise: boolean;
}[] {
  return [
    { target: dns as unknown as PatchTarget, methods: ['lookup', ...resolveMethods], promise: false },
    { target: dns.promises as unknown as PatchTarget, methods: ['lookup', ...resolveMethods], promise: true },
    { target: dns.Resolver.prototype as unknown as PatchTarget, methods: resolveMethods, promise: false },
    {
      target: dns.promises.Resolver.prototype as unknown as PatchTarget,
      methods: resolveMethods,
      promise: true,
    },
  ];
}

function syscallFor(method: string, args: readonly unknown[]): string {
  if (method === 'lookup') return 'getaddrinfo';
  if (method === 'resolve') {
    const recordType = typeof args[1] === 'string' ? args[1] : 'A';
    return `query${recordType.charAt(0).toUpperCase()}${recordType.slice(1).toLowerCase()}`;
  }
  const suffix = method.slice('resolve'.length);
  return suffix === '4' ? 'queryA' : suffix === '6' ? 'queryAaaa' : `query${suffix}`;
}

function blockedError(method: string, args: readonly unknown[]): InjectedNetworkError | undefined {
  const hostname = args[0];
  if (typeof hostname !== 'string') return undefined;
  const scope = currentInterceptionScope();
  if (scope === undefined || scope.hostRules.length === 0) return undefined;
  const host = normalizeHost(hostname);
  const rule = findHostRule(scope.hostRules, host, undefined, false);
  if (rule === undefined || rule.action.kind !== 'dns') return undefined;
  noteInterception(scope, { faultId: rule.faultId, faultType: rule.faultType, action: 'dns', host });
  return createNotFoundError(hostname, syscallFor(method, args), {
    faultId: rule.faultId,
    faultType: rule.faultType,
    experimentId: scope.experimentId,
  });
}

function createCallbackPatch(method: string, original: AnyFunction): PatchedFunction {
  const patched: PatchedFunction = function interceptedDns(this: unknown, ...args: unknown[]): unknown {
    if (activeScopeCount() === 0) return original.apply(this, args);
    const error = blockedError(method, args);
    const callback = args[args.length - 1];
    if (error === undefined || typeof callback !== 'function') return original.apply(this, args);
    // Real resolution answers asynchronously; so do we, after the caller's current tick.
    setImmediate(callback as (error: Error) => void, error);
    return {};
  };
  patched[patchedMarker] = original;
  return patched;
}

function createPromisePatch(method: string, original: AnyFunction): PatchedFunction {
  const patched: PatchedFunction = function interceptedDnsPromise(
    this: unknown,
    ...args: unknown[]
  ): unknown {
    if (activeScopeCount() === 0) return original.apply(this, args);
    const error = blockedError(method, args);
    return error === undefined ? original.apply(this, args) : Promise.reject(error);
  };
  patched[patchedMarker] = original;
  return patched;
}

/** Patches the DNS functions once per process; a second call is a no-op. */
export function installDnsInterceptor(): void {
  if ((dns.lookup as PatchedFunction)[patchedMarker] !== undefined) return;
  for (const { target, methods, promise } of patchTargets()) {
    for (const method of methods) {
      const original = target[method];
      if (typeof original !== 'function' || (original as PatchedFunction)[patchedMarker] !== undefined)
        continue;
      target[method] = promise
        ? createPromisePatch(method, original as AnyFunction)
        : createCallbackPatch(method, original as AnyFunction);
    }
  }
  // `import { lookup } from 'node:dns'` reads a snapshot of the CommonJS exports; refresh it.
  syncBuiltinESMExports();
}

/** Restores the original DNS functions (tests only; the patches are inert without an active scope). */
export function uninstallDnsInterceptor(): void {
  for (const { target, methods } of patchTargets()) {
    for (const method of methods) {
      const original = (target[method] as PatchedFunction | undefined)?.[patchedMarker];
      if (original !== undefined) target[method] = original;
    }
  }
  syncBuiltinESMExports();
}

/** Whether the DNS interceptor is in place. */
export function dnsInterceptorInstalled(): boolean {
  return (dns.lookup as PatchedFunction)[patchedMarker] !== undefined;
}
