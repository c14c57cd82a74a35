import { FaultlineError } from '../errors/faultline-error.js';

/**
 * What an {@link InjectedFaultError} says about the fault that raised it.
 *
 * @example
 * ```ts
 * new InjectedFaultError('Injected status 503', { experimentId: 'e', faultId: 'f', faultType: 'status', status: 503 });
 * ```
 */
export interface InjectedFaultDetails {
  readonly experimentId: string;
  readonly faultId: string;
  readonly faultType: string;
  /** The HTTP-like status the fault stands for (a `status` fault on a trigger without responses, a throttle). */
  readonly status?: number;
  /** The error name users see, e.g. `TimeoutError`; default `InjectedFaultError`. */
  readonly name?: string;
  readonly cause?: unknown;
}

/**
 * The only kind of error faultline ever puts into user code: one it injected on purpose. It carries
 * `faultline: true` and the experiment and fault that raised it, so alarms, logs and tests can tell a drill from
 * a real failure. The `name` may be chosen by the experiment (`exception` fault `errorName`), so test for
 * injected faults with {@link isInjectedFault}, not by name.
 *
 * @example
 * ```ts
 * import { InjectedFaultError } from '@faultline/core';
 *
 * throw new InjectedFaultError('Injected fault', {
 *   experimentId: 'orders-resilience',
 *   faultId: 'boom',
 *   faultType: 'exception',
 * });
 * ```
 */
export class InjectedFaultError extends FaultlineError {
  declare readonly code: 'INJECTED_FAULT';
  /** Always `true`: the marker that survives serialization into logs. */
  readonly faultline = true as const;
  readonly experimentId: string;
  readonly faultId: string;
  readonly faultType: string;
  readonly status: number | undefined;

  constructor(message: string, details: InjectedFaultDetails) {
    super('INJECTED_FAULT', message, { cause: details.cause });
    this.name = details.name ?? 'InjectedFaultError';
    this.experimentId = details.experimentId;
    this.faultId = details.faultId;
    this.faultType = details.faultType;
    this.status = details.status;
  }

  /** Serializes the marker fields too, so JSON logs of the error keep them. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      message: this.message,
      faultline: true,
      experimentId: this.experimentId,
      faultId: this.faultId,
      faultType: this.faultType,
      ...(this.status === undefined ? {} : { status: this.status }),
    };
  }
}

/**
 * Whether `error` was injected by faultline (an {@link InjectedFaultError}, also across package copies or after
 * its `name` was changed by the experiment).
 *
 * @example
 * ```ts
 * import { isInjectedFault } from '@faultline/core';
 *
 * try {
 *   await handler(event, context);
 * } catch (error) {
 *   if (isInjectedFault(error)) console.info('chaos drill', error.faultId);
 *   else throw error;
 * }
 * ```
 */
export function isInjectedFault(error: unknown): error is InjectedFaultError {
  if (error instanceof InjectedFaultError) return true;
  // A second copy of @faultline/core (bundled twice) has its own class; the marker still identifies it.
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { faultline?: unknown }).faultline === true &&
    typeof (error as { faultId?: unknown }).faultId === 'string'
  );
}
