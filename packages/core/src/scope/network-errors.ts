/**
 * Errors that look like the ones Node raises for real network failures (same `message` shape, `code`, `errno`,
 * `syscall`, `address`/`port` or `hostname`), so the code under test takes the path it would take in production.
 * They also carry `faultline: true` and the fault's ids, so alarms and tests can tell an injected failure apart.
 */

/** Identifies the fault an injected network error came from. */
export interface InjectedFaultMarker {
  readonly faultId: string;
  readonly faultType: string;
  readonly experimentId: string;
}

/** A Node-style system error (`code`, `errno`, `syscall`) marked as injected by faultline. */
export interface InjectedNetworkError extends Error {
  readonly code: string;
  readonly errno: number;
  readonly syscall: string;
  readonly faultline: true;
  readonly faultId: string;
  readonly faultType: string;
  readonly experimentId: string;
  readonly address?: string;
  readonly port?: number;
  readonly hostname?: string;
}

/** Linux errno values Node reports for these codes (negated, as in `error.errno`). */
const errnoByCode: Readonly<Record<string, number>> = {
  ECONNREFUSED: -111,
  ECONNRESET: -104,
  ETIMEDOUT: -110,
  ENOTFOUND: -3008,
};

function createSystemError(
  message: string,
  code: string,
  syscall: string,
  marker: InjectedFaultMarker,
  extra: Readonly<Record<string, unknown>>,
): InjectedNetworkError {
  // deliberately not a FaultlineError: shaped like Node's own system errors, so code that handles a real refused or
  // reset connection handles this one the same way. The injected marker below tells them apart.
  const error = new Error(message);
  return Object.assign(error, {
    errno: errnoByCode[code] ?? -1,
    code,
    syscall,
    ...extra,
    faultline: true as const,
    faultId: marker.faultId,
    faultType: marker.faultType,
    experimentId: marker.experimentId,
  });
}

/** `connect ECONNREFUSED host:port`, as when nothing listens on the port. */
export function createConnectionRefusedError(
  host: string,
  port: number,
  marker: InjectedFaultMarker,
): InjectedNetworkError {
  return createSystemError(`connect ECONNREFUSED ${host}:${port}`, 'ECONNREFUSED', 'connect', marker, {
    address: host,
    port,
  });
}

/** `read ECONNRESET`, as when the peer (or a middlebox) resets the connection. */
export function createConnectionResetError(marker: InjectedFaultMarker): InjectedNetworkError {
  return createSystemError('read ECONNRESET', 'ECONNRESET', 'read', marker, {});
}

/** `connect ETIMEDOUT host:port`, as when packets to the host are silently dropped. */
export function createConnectTimeoutError(
  host: string,
  port: number,
  marker: InjectedFaultMarker,
): InjectedNetworkError {
  return createSystemError(`connect ETIMEDOUT ${host}:${port}`, 'ETIMEDOUT', 'connect', marker, {
    address: host,
    port,
  });
}

/** `getaddrinfo ENOTFOUND host` (or `queryA ENOTFOUND host` for `dns.resolve*`), as for an unknown name. */
export function createNotFoundError(
  hostname: string,
  syscall: string,
  marker: InjectedFaultMarker,
): InjectedNetworkError {
  return createSystemError(`${syscall} ENOTFOUND ${hostname}`, 'ENOTFOUND', syscall, marker, { hostname });
}
