/**
 * Ports for time and chance. Nothing in faultline but these touches `Date.now`, `Math.random` or `setTimeout`, so
 * tests (and deterministic sampling) can replace them.
 */

/** Reads the current time. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

/** Waits `durationMs`; resolves early (without throwing) when `signal` aborts. */
export type Sleep = (durationMs: number, signal?: AbortSignal) => Promise<void>;

/** A uniform random number in [0, 1). */
export type RandomSource = () => number;

/** The real clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** The real random source. */
export const systemRandom: RandomSource = Math.random;

/** The real sleep: a timer that never keeps the process alive on its own and is cleared on abort. */
export const systemSleep: Sleep = (durationMs, signal) =>
  new Promise<void>((resolve) => {
    if (durationMs <= 0 || signal?.aborted) {
      resolve();
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, durationMs);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
