import dns, { type LookupAddress } from 'node:dns';
import { Agent } from 'node:http';
import { Socket } from 'node:net';
import { findHostRule, type HostRule, isAddress, normalizeHost } from './host-rule.js';
import {
  activeScopeCount,
  currentInterceptionScope,
  type InterceptionScope,
  noteInterception,
} from './interception-scope.js';
import {
  createConnectionRefusedError,
  createConnectionResetError,
  createConnectTimeoutError,
  createNotFoundError,
  type InjectedFaultMarker,
} from './network-errors.js';
import { formatSyntheticResponse } from './synthetic-response.js';

/**
 * TCP and TLS interception at two points of `net.Socket.prototype`:
 *
 * - `connect`: `http`/`https` agents, global `fetch` (undici), `net.connect` and `tls.connect` all open sockets
 *   through it, and its options still carry the host as the caller gave it (a name or an IP) before any DNS lookup.
 *   New connections to a blackholed host fail here.
 * - `_writeGeneric` (where every write reaches the handle, plain or TLS): keep-alive pools reuse connections
 *   opened before the fault began, which never pass `connect` again. The first write of the sampled invocation on
 *   such a socket gets the fault instead. Synthetic responses (`dependency` status/throttle/access-denied) are
 *   served here too: the request is swallowed and the response pushed into the socket's readable side, which for a
 *   TLS socket is the decrypted side, so it works over HTTPS as well.
 */

type ConnectFunction = (this: Socket, ...args: unknown[]) => Socket;
type WriteCallback = (error?: Error | null) => void;
type WriteGenericFunction = (
  this: Socket,
  writev: boolean,
  data: unknown,
  encoding: unknown,
  callback: WriteCallback,
) => unknown;
type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address?: string | LookupAddress[],
  family?: number,
) => void;
type LookupFunction = (hostname: string, options: unknown, callback: LookupCallback) => void;

interface ConnectOptions {
  readonly [requestScopeKey]?: InterceptionScope | null;
  readonly host?: unknown;
  readonly hostname?: unknown;
  readonly port?: unknown;
  readonly path?: unknown;
  readonly lookup?: unknown;
  readonly [option: string]: unknown;
}

interface ConnectTarget {
  readonly options: ConnectOptions;
  readonly callback: unknown;
  readonly host: string;
  readonly port: number;
}

/**
 * Node's own fields: `_host` is the name passed to `connect` (Node sets it only for names, not IP literals);
 * `_server` is set on sockets a server accepted.
 */
interface SocketInternals {
  readonly _host?: unknown;
  readonly _server?: unknown;
  /** The `http.ClientRequest` the socket currently serves. */
  readonly _httpMessage?: { readonly [requestScopeKey]?: InterceptionScope | null } | null;
  _writeGeneric: WriteGenericFunction;
}

interface SocketDecision {
  readonly scope: InterceptionScope;
  /** The socket answered with a synthetic response: later writes are discarded. */
  readonly swallow: boolean;
  /**
   * For `delay` rules: the HTTP request last delayed on this socket (or {@link delayedAtConnect}). A slow dependency
   * slows every request, so each new request on a kept-alive socket is delayed again, its body chunks are not.
   */
  delayedRequest?: unknown;
}

/** Marks a socket whose connect was delayed: its first request has had its delay. */
const delayedAtConnect = Symbol('delayed-at-connect');

/** Sockets a scope already acted on, so a fault applies once per socket and invocation. */
const decisions = new WeakMap<Socket, SocketDecision>();

/**
 * The scope an `http`/`https` request was created in. An agent writes a queued request, or opens its socket, from
 * the callback of another request's socket — in that other invocation's async context. So the agent hook pins the
 * creating invocation's scope (or `null`: created outside any scope) on the request and on its connection options,
 * and the socket hooks prefer that over the current context.
 */
const requestScopeKey = Symbol.for('faultline.request-scope.v1');

/** The scope pinned on a request, or the current context's scope when nothing was pinned. */
function scopeOf(pinned: InterceptionScope | null | undefined): InterceptionScope | undefined {
  if (pinned === undefined) return currentInterceptionScope();
  return pinned?.active === true ? pinned : undefined;
}

type AddRequestFunction = (this: Agent, request: unknown, options: unknown, ...rest: unknown[]) => unknown;
const agentPrototype = Agent.prototype as unknown as {
  addRequest: AddRequestFunction;
  createSocket: AddRequestFunction;
};

function pinnedScope(value: unknown): InterceptionScope | null | undefined {
  return typeof value === 'object' && value !== null
    ? (value as { [requestScopeKey]?: InterceptionScope | null })[requestScopeKey]
    : undefined;
}

function installAgentInterceptor(): void {
  const current = agentPrototype.addRequest as Marked<AddRequestFunction>;
  if (typeof current !== 'function' || current[interceptedMarker] !== undefined) return;
  const original = current;
  const intercepted: Marked<AddRequestFunction> = function interceptedAddRequest(
    this: Agent,
    request,
    options,
    ...rest
  ) {
    // Called synchronously from the ClientRequest constructor, i.e. in the invocation that made the request.
    if (activeScopeCount() !== 0) {
      const pinned = currentInterceptionScope() ?? null;
      if (typeof request === 'object' && request !== null)
        (request as Record<symbol, unknown>)[requestScopeKey] = pinned;
      if (typeof options === 'object' && options !== null)
        (options as Record<symbol, unknown>)[requestScopeKey] = pinned;
    }
    return original.call(this, request, options, ...rest);
  };
  intercepted[interceptedMarker] = original;
  agentPrototype.addRequest = intercepted;

  // When a socket closes, the agent opens one for the next queued request with the closed socket's options; re-pin
  // them to the request the new socket is for.
  const originalCreateSocket = agentPrototype.createSocket as Marked<AddRequestFunction>;
  if (typeof originalCreateSocket !== 'function' || originalCreateSocket[interceptedMarker] !== undefined)
    return;
  const interceptedCreateSocket: Marked<AddRequestFunction> = function interceptedCreateSocket(
    this: Agent,
    request,
    options,
    ...rest
  ) {
    if (activeScopeCount() !== 0 && typeof options === 'object' && options !== null) {
      const pinned = pinnedScope(request);
      if (pinned !== undefined && pinnedScope(options) !== pinned) {
        return originalCreateSocket.call(this, request, { ...options, [requestScopeKey]: pinned }, ...rest);
      }
    }
    return originalCreateSocket.call(this, request, options, ...rest);
  };
  interceptedCreateSocket[interceptedMarker] = originalCreateSocket;
  agentPrototype.createSocket = interceptedCreateSocket;
}

function uninstallAgentInterceptor(): void {
  const original = (agentPrototype.addRequest as Marked<AddRequestFunction>)[interceptedMarker];
  if (original !== undefined) agentPrototype.addRequest = original;
  const originalCreateSocket = (agentPrototype.createSocket as Marked<AddRequestFunction>)[interceptedMarker];
  if (originalCreateSocket !== undefined) agentPrototype.createSocket = originalCreateSocket;
}

const interceptedMarker = Symbol.for('faultline.intercepted-socket.v1');
type Marked<F> = F & { [interceptedMarker]?: F };

const socketPrototype = Socket.prototype as unknown as SocketInternals & { connect: ConnectFunction };

/** Patches `connect` and `_writeGeneric` once per process; a second call is a no-op. */
export function installSocketInterceptor(): void {
  installAgentInterceptor();
  const currentConnect = socketPrototype.connect as Marked<ConnectFunction>;
  if (currentConnect[interceptedMarker] === undefined) {
    const originalConnect = currentConnect;
    const interceptedConnect: Marked<ConnectFunction> = function interceptedConnect(
      this: Socket,
      ...args: unknown[]
    ) {
      if (activeScopeCount() === 0) return originalConnect.apply(this, args);
      return connectInScope(this, originalConnect, args);
    };
    interceptedConnect[interceptedMarker] = originalConnect;
    socketPrototype.connect = interceptedConnect;
  }
  const currentWrite = socketPrototype._writeGeneric as Marked<WriteGenericFunction>;
  if (typeof currentWrite === 'function' && currentWrite[interceptedMarker] === undefined) {
    const originalWrite = currentWrite;
    const interceptedWrite: Marked<WriteGenericFunction> = function interceptedWriteGeneric(
      this: Socket,
      writev,
      data,
      encoding,
      callback,
    ) {
      if (activeScopeCount() === 0) return originalWrite.call(this, writev, data, encoding, callback);
      return writeInScope(this, originalWrite, writev, data, encoding, callback);
    };
    interceptedWrite[interceptedMarker] = originalWrite;
    socketPrototype._writeGeneric = interceptedWrite;
  }
}

/** Restores the original methods (tests only; the patches are inert without an active scope). */
export function uninstallSocketInterceptor(): void {
  uninstallAgentInterceptor();
  const originalConnect = (socketPrototype.connect as Marked<ConnectFunction>)[interceptedMarker];
  if (originalConnect !== undefined) socketPrototype.connect = originalConnect;
  const originalWrite = (socketPrototype._writeGeneric as Marked<WriteGenericFunction>)[interceptedMarker];
  if (originalWrite !== undefined) socketPrototype._writeGeneric = originalWrite;
}

/** Whether the socket interceptor is in place. */
export function socketInterceptorInstalled(): boolean {
  return (socketPrototype.connect as Marked<ConnectFunction>)[interceptedMarker] !== undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// connect

function connectInScope(socket: Socket, original: ConnectFunction, args: unknown[]): Socket {
  const target = readConnectTarget(args);
  if (target === undefined) return original.apply(socket, args);
  const scope = scopeOf(target.options[requestScopeKey]);
  if (scope === undefined || scope.hostRules.length === 0) return original.apply(socket, args);
  const hostIsAddress = isAddress(target.host);
  const rule = findHostRule(scope.hostRules, target.host, target.port, hostIsAddress);
  if (rule !== undefined && rule.action.kind !== 'respond') {
    decisions.set(
      socket,
      rule.action.kind === 'delay'
        ? { scope, swallow: false, delayedRequest: delayedAtConnect }
        : { scope, swallow: false },
    );
    applyConnectAction(socket, original, args, target, rule, scope);
    return socket;
  }
  if (rule === undefined && !hostIsAddress && scope.hasAddressRules) {
    // The name matches no glob, but an IP glob may match what it resolves to: check the resolved addresses.
    decisions.set(socket, { scope, swallow: false });
    const guarded = { ...target.options, lookup: createGuardedLookup(target, scope) };
    return typeof target.callback === 'function'
      ? original.call(socket, guarded, target.callback)
      : original.call(socket, guarded);
  }
  // `respond` rules act on the first write, once the connection (and TLS handshake) is up.
  return original.apply(socket, args);
}

function readConnectTarget(args: readonly unknown[]): ConnectTarget | undefined {
  const first = args[0];
  let options: ConnectOptions;
  let callback: unknown;
  if (Array.isArray(first)) {
    // `net.connect` hands over its already-normalized `[options, callback]` pair.
    options = first[0] as ConnectOptions;
    callback = first[1];
  } else if (typeof first === 'object' && first !== null) {
    options = first as ConnectOptions;
    callback = args[1];
  } else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    options = { port: first, host: typeof args[1] === 'string' ? args[1] : undefined };
    callback = args.find((arg) => typeof arg === 'function');
  } else {
    return undefined;
  }
  // Node treats any truthy `path` as an IPC pipe (http agents pass `path: null` for TCP).
  if (typeof options !== 'object' || options === null || options.path) return undefined;
  const rawHost = options.host ?? options.hostname;
  return {
    options,
    callback,
    host: normalizeHost(typeof rawHost === 'string' && rawHost !== '' ? rawHost : 'localhost'),
    port: Number(options.port),
  };
}

/** The marker of the errors a rule causes; every interception asks for it once, so it also reports the call. */
function markerOf(
  rule: HostRule,
  scope: InterceptionScope,
  host?: string,
  port?: number,
): InjectedFaultMarker {
  noteInterception(scope, {
    faultId: rule.faultId,
    faultType: rule.faultType,
    action: rule.action.kind,
    host,
    port,
  });
  return { faultId: rule.faultId, faultType: rule.faultType, experimentId: scope.experimentId };
}

/**
 * Puts the socket in the state of a pending connect, so writes are buffered (until 'connect' or the failure) instead
 * of failing with "socket closed" — `connecting` is a plain field Node itself sets the same way.
 */
function markConnecting(socket: Socket): void {
  (socket as { connecting: boolean }).connecting = true;
}

/**
 * Fails the socket the way a real failed connect does: asynchronously, after the caller attached its listeners
 * (`http` attaches them on the next tick, so an immediate error would be unhandled).
 */
function failLater(socket: Socket, error: Error): void {
  markConnecting(socket);
  setImmediate(() => {
    if (!socket.destroyed) socket.destroy(error);
  });
}

function applyConnectAction(
  socket: Socket,
  original: ConnectFunction,
  args: unknown[],
  target: ConnectTarget,
  rule: HostRule,
  scope: InterceptionScope,
): void {
  const marker = markerOf(rule, scope, target.host, target.port);
  const action = rule.action;
  switch (action.kind) {
    case 'refuse':
      failLater(socket, createConnectionRefusedError(target.host, target.port, marker));
      return;
    case 'dns':
      failLater(socket, createNotFoundError(target.host, 'getaddrinfo', marker));
      return;
    case 'timeout':
      // No handle is opened, so the hanging socket never keeps the process alive; it fails when the invocation
      // ends unless the caller's own timeout destroyed it first.
      markConnecting(socket);
      scope.onEnd(() => {
        if (!socket.destroyed) socket.destroy(createConnectTimeoutError(target.host, target.port, marker));
      });
      return;
    case 'delay': {
      markConnecting(socket);
      let started = false;
      const proceed = () => {
        if (started) return;
        started = true;
        if (!socket.destroyed) original.apply(socket, args);
      };
      scope.sleep(action.delayMs, scope.signal).then(proceed, proceed);
      return;
    }
    default:
      failLater(socket, createConnectionResetError(marker));
      return;
  }
}

/**
 * A lookup that resolves as usual, then drops addresses an IP glob catches. When every address is caught, the
 * rule's behaviour applies to the connection (refused, reset, hanging or delayed).
 */
function createGuardedLookup(target: ConnectTarget, scope: InterceptionScope): LookupFunction {
  const baseLookup = (
    typeof target.options.lookup === 'function' ? target.options.lookup : dns.lookup
  ) as LookupFunction;
  return (hostname, options, callback) => {
    baseLookup(hostname, options, (error, address, family) => {
      if (error !== null || !scope.active || address === undefined) {
        callback(error, address, family);
        return;
      }
      if (Array.isArray(address)) {
        const kept = address.filter(
          (entry) => findHostRule(scope.hostRules, entry.address, target.port, true) === undefined,
        );
        if (kept.length > 0) {
          callback(null, kept.length === address.length ? address : kept);
          return;
        }
        const first = address[0];
        const rule =
          first === undefined ? undefined : findHostRule(scope.hostRules, first.address, target.port, true);
        if (rule === undefined || first === undefined) callback(null, address);
        else applyLookupAction(rule, scope, target, first.address, () => callback(null, address), callback);
        return;
      }
      const rule = findHostRule(scope.hostRules, address, target.port, true);
      if (rule === undefined) callback(null, address, family);
      else applyLookupAction(rule, scope, target, address, () => callback(null, address, family), callback);
    });
  };
}

function applyLookupAction(
  rule: HostRule,
  scope: InterceptionScope,
  target: ConnectTarget,
  address: string,
  pass: () => void,
  callback: LookupCallback,
): void {
  const marker = markerOf(rule, scope, address, target.port);
  switch (rule.action.kind) {
    case 'refuse':
      callback(createConnectionRefusedError(address, target.port, marker));
      return;
    case 'timeout':
      scope.onEnd(() => callback(createConnectTimeoutError(address, target.port, marker)));
      return;
    case 'delay':
      scope.sleep(rule.action.delayMs, scope.signal).then(pass, pass);
      return;
    case 'respond':
      // The connection proceeds; the synthetic response is served on its first write.
      pass();
      return;
    default:
      // `reset`; `dns` rules never match an address.
      callback(createConnectionResetError(marker));
      return;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// write (reused keep-alive connections and synthetic responses)

function writeInScope(
  socket: Socket,
  original: WriteGenericFunction,
  writev: boolean,
  data: unknown,
  encoding: unknown,
  callback: WriteCallback,
): unknown {
  const decision = decisions.get(socket);
  if (decision?.swallow === true) {
    callback();
    return true;
  }
  const internals = socket as unknown as SocketInternals;
  const scope = scopeOf(internals._httpMessage?.[requestScopeKey]);
  if (decision !== undefined && decision.scope === scope && decision.delayedRequest !== undefined) {
    return delayNextRequest(socket, decision, internals, original, writev, data, encoding, callback);
  }
  // Server-side sockets (the function's own HTTP server) are never intercepted.
  if (
    scope === undefined ||
    scope.hostRules.length === 0 ||
    decision?.scope === scope ||
    internals._server != null
  ) {
    return original.call(socket, writev, data, encoding, callback);
  }
  const host = typeof internals._host === 'string' ? internals._host : socket.remoteAddress;
  if (host === undefined) return original.call(socket, writev, data, encoding, callback);
  const normalized = normalizeHost(host);
  const hostIsAddress = isAddress(normalized);
  const port = socket.remotePort;
  let rule = findHostRule(scope.hostRules, normalized, port, hostIsAddress);
  if (rule === undefined && !hostIsAddress && scope.hasAddressRules && socket.remoteAddress !== undefined) {
    rule = findHostRule(scope.hostRules, socket.remoteAddress, port, true);
  }
  if (rule === undefined) return original.call(socket, writev, data, encoding, callback);
  const action = rule.action;
  decisions.set(
    socket,
    action.kind === 'delay'
      ? { scope, swallow: false, delayedRequest: internals._httpMessage ?? delayedAtConnect }
      : { scope, swallow: action.kind === 'respond' },
  );
  const marker = markerOf(rule, scope, normalized, port);
  switch (action.kind) {
    case 'respond':
      callback();
      socket.push(formatSyntheticResponse(action.response));
      return true;
    case 'delay': {
      const proceed = () => {
        if (!socket.destroyed) original.call(socket, writev, data, encoding, callback);
      };
      scope.sleep(action.delayMs, scope.signal).then(proceed, proceed);
      return true;
    }
    case 'timeout':
      // The request is never sent and no answer comes, like packets dropped on an established connection.
      scope.onEnd(() => {
        if (!socket.destroyed) socket.destroy(createConnectTimeoutError(normalized, port ?? 0, marker));
      });
      return true;
    default: {
      const error =
        action.kind === 'refuse'
          ? createConnectionRefusedError(normalized, port ?? 0, marker)
          : action.kind === 'dns'
            ? createNotFoundError(normalized, 'getaddrinfo', marker)
            : createConnectionResetError(marker);
      socket.destroy(error);
      callback(error);
      return false;
    }
  }
}

/** Delays a write that starts a new HTTP request on a socket a `delay` rule already acted on in this scope. */
function delayNextRequest(
  socket: Socket,
  decision: SocketDecision,
  internals: SocketInternals,
  original: WriteGenericFunction,
  writev: boolean,
  data: unknown,
  encoding: unknown,
  callback: WriteCallback,
): unknown {
  const request = internals._httpMessage;
  if (decision.delayedRequest === delayedAtConnect) decision.delayedRequest = request ?? delayedAtConnect;
  if (request == null || request === decision.delayedRequest) {
    return original.call(socket, writev, data, encoding, callback);
  }
  const host = typeof internals._host === 'string' ? internals._host : socket.remoteAddress;
  const rule =
    host === undefined
      ? undefined
      : findHostRule(
          decision.scope.hostRules,
          normalizeHost(host),
          socket.remotePort,
          isAddress(normalizeHost(host)),
        );
  if (rule?.action.kind !== 'delay') return original.call(socket, writev, data, encoding, callback);
  decision.delayedRequest = request;
  markerOf(rule, decision.scope, host === undefined ? undefined : normalizeHost(host), socket.remotePort);
  const proceed = () => {
    if (!socket.destroyed) original.call(socket, writev, data, encoding, callback);
  };
  decision.scope.sleep(rule.action.delayMs, decision.scope.signal).then(proceed, proceed);
  return true;
}
