import { isFaultlineError } from './faultline-error.js';

// Its own module so the code loaded at import (wrappers, the deferred engine) can describe errors without pulling in
// the event emitter, which only the lazily loaded runtime needs.

/**
 * A short, secret-free description of a thrown value, for event details and condition keys.
 *
 * @example
 * ```ts
 * const description: ErrorDescription = { errorName: 'SsmParameterError', errorMessage: 'GetParameter … failed', errorCode: 'STORE_READ_FAILED', serviceCode: 'ThrottlingException' };
 * ```
 */
// A type, not an interface, so it fits event details (`Readonly<Record<string, unknown>>`).
export type ErrorDescription = {
  readonly errorName: string;
  /** The message, followed by its cause's when it does not already say it; at most 500 characters by default. */
  readonly errorMessage: string;
  /** A faultline error's `code`, else the code of the error or of its cause (e.g. `ECONNREFUSED`). */
  readonly errorCode?: string;
  /** What the cloud service answered, when a faultline error carries it (e.g. `ThrottlingException`). */
  readonly serviceCode?: string;
};

/**
 * Describes any thrown value the same way everywhere faultline reports one: `internal-error` and `cleanup-error`
 * details, `config-error` events, the console line of a setup failure.
 *
 * @example
 * ```ts
 * describeError(new TypeError('boom')); // { errorName: 'TypeError', errorMessage: 'boom' }
 * describeError(new Error('fetch failed', { cause: Object.assign(new Error('connect refused'), { code: 'ECONNREFUSED' }) }));
 * // { errorName: 'Error', errorMessage: 'fetch failed: connect refused', errorCode: 'ECONNREFUSED' }
 * ```
 */
export function describeError(error: unknown, maxMessageLength = 500): ErrorDescription {
  try {
    if (!(error instanceof Error)) {
      return { errorName: typeof error, errorMessage: String(error).slice(0, maxMessageLength) };
    }
    const cause = (error as { cause?: unknown }).cause;
    const message =
      cause instanceof Error && cause.message !== '' && !error.message.includes(cause.message)
        ? `${error.message}: ${cause.message}`
        : error.message;
    const errorCode = readCode(error) ?? (cause instanceof Error ? readCode(cause) : undefined);
    const serviceCode = isFaultlineError(error) ? readText(error, 'serviceCode') : undefined;
    return {
      errorName: error.name,
      errorMessage: message.slice(0, maxMessageLength),
      ...(errorCode === undefined ? {} : { errorCode }),
      ...(serviceCode === undefined ? {} : { serviceCode }),
    };
  } catch {
    // A hostile getter or toString: still say something.
    return { errorName: 'unknown', errorMessage: 'an error that could not be described' };
  }
}

function readCode(error: Error): string | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' || typeof code === 'number' ? String(code) : undefined;
}

function readText(error: Error, field: string): string | undefined {
  const value = (error as unknown as Record<string, unknown>)[field];
  return typeof value === 'string' ? value : undefined;
}
