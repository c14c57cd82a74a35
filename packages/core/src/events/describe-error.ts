// Its own module so the code loaded at import (wrapper, deferred engine) can describe errors without pulling in the
// event emitter, which only the lazily loaded runtime needs.

/**
 * A short, secret-free description of an unknown error for event details: its name and at most 500 characters of
 * its message.
 *
 * @example
 * ```ts
 * describeError(new TypeError('boom')); // { errorName: 'TypeError', errorMessage: 'boom' }
 * ```
 */
export function describeError(error: unknown): Record<string, unknown> {
  if (error instanceof Error) {
    return { errorName: error.name, errorMessage: error.message.slice(0, 500) };
  }
  return { errorMessage: String(error).slice(0, 500) };
}
