/**
 * `promise`, or a rejection with `signal.reason` as soon as `signal` aborts (at once when it already has): how a
 * config source honours `ConfigLoadRequest.signal` around a client call that takes no signal of its own. The
 * call itself is not cancelled; its late result is ignored.
 *
 * @example
 * ```ts
 * import { rejectOnAbort } from '@faultline/core/adapter-kit';
 * const snapshot = await rejectOnAbort(document.get(), request.signal);
 * ```
 */
export function rejectOnAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
