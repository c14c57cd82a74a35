/**
 * Marks faultline's errors across copies of `@faultline/core` (a function bundled with two copies has two classes;
 * `Symbol.for` is shared by both). A symbol, not a property like `InjectedFaultError`'s `faultline: true`, so
 * serialized errors of faultline's own are never mistaken for injected ones.
 */
const faultlineErrorMarker = Symbol.for('@faultline/error');

/**
 * The base of every error faultline raises. `code` is a stable identifier of what went wrong (messages may be
 * reworded; codes are not): `INJECTED_FAULT`, `INVALID_OPTION`, `SDK_MISSING`, `STORE_READ_FAILED`,
 * `CONFIG_FETCH_TIMEOUT`, `CONFIG_TOO_LARGE`, `CONFIG_DOCUMENT_INVALID`, `EXPERIMENT_INVALID`, `FIELD_PATH_INVALID`,
 * `FAULT_TYPE_DUPLICATE`, `FAULT_TYPE_NOT_PREPARED`, `INVALID_ARGUMENT`, `INTERNAL`, and the CLI's own. Subclasses
 * exist only where callers tell them apart (`InjectedFaultError`, the config errors, each source's error); test
 * with {@link isFaultlineError}, which also recognises errors from another copy of the package.
 *
 * Only `InjectedFaultError`s ever reach a wrapped handler: the others are reported as events (fail open) or, in
 * the CLI and in config sources you call yourself, thrown to you.
 *
 * @example
 * ```ts
 * import { FaultlineError, isFaultlineError } from '@faultline/core';
 *
 * try {
 *   await source.load({ signal: AbortSignal.timeout(1_000), previousVersion: undefined });
 * } catch (error) {
 *   if (isFaultlineError(error) && error.code === 'INVALID_OPTION') console.error(`fix the source: ${error.message}`);
 *   else throw error;
 * }
 * ```
 */
export class FaultlineError extends Error {
  /** What went wrong, stable across releases, e.g. `STORE_READ_FAILED`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { readonly cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FaultlineError';
    this.code = code;
    Object.defineProperty(this, faultlineErrorMarker, { value: true });
  }
}

/**
 * Whether `error` is one of faultline's errors (any subclass, also from another copy of `@faultline/core`).
 *
 * @example
 * ```ts
 * import { isFaultlineError } from '@faultline/core';
 *
 * if (isFaultlineError(error)) console.error(error.code, error.message);
 * ```
 */
export function isFaultlineError(error: unknown): error is FaultlineError {
  if (error instanceof FaultlineError) return true;
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { [faultlineErrorMarker]?: unknown })[faultlineErrorMarker] === true &&
    typeof (error as { code?: unknown }).code === 'string'
  );
}
