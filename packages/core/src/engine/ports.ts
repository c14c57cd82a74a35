/**
 * Ports for time and chance: every clock read, random draw and injected delay of the engine goes through these, so
 * tests (and deterministic sampling) can replace them. Two timers are not delays and stay outside: the config
 * cache's fetch-budget wait and a run's deadline guard.
 */

/**
 * Reads the current time.
 *
 * @example
 * ```ts
 * const fixed: Clock = { now: () => Date.parse('2026-11-29T12:00:00Z') };
 * ```
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

/**
 * Waits `durationMs`; resolves early (without throwing) when `signal` aborts.
 *
 * @example
 * ```ts
 * const sleep: Sleep = (durationMs, signal) => new Promise((resolve) => setTimeout(resolve, durationMs));
 * ```
 */
export type Sleep = (durationMs: number, signal?: AbortSignal) => Promise<void>;

/**
 * A uniform random number in [0, 1).
 *
 * @example
 * ```ts
 * const alwaysFire: RandomSource = () => 0;
 * ```
 */
export type RandomSource = () => number;

/** The real clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** The real random source. */
export const systemRandom: RandomSource = Math.random;

/**
 * The real sleep: a timer that is cleared on abort. It is deliberately not `unref`'d: an injected delay is part of
 * the invocation, and the process must not exit (or the platform freeze it) before the delayed handler runs.
 *
 * @example
 * ```ts
 * import { systemSleep } from '@faultline/core/adapter-kit';
 * await systemSleep(100, AbortSignal.timeout(50)); // resolves after 50 ms
 * ```
 */
export const systemSleep: Sleep = (durationMs, signal) => abortableSleep(durationMs, signal, false);

/** The longest delay Node's timers take; a longer one would fire at once. */
const maxTimerDelayMs = 2 ** 31 - 1;

/**
 * Resolves after `durationMs`, or as soon as `signal` aborts (never rejects). A wait longer than a timer can take is
 * a wait for the abort signal. `unref`: the timer does not keep the process alive (background refreshes), unlike
 * an injected delay, which is part of the invocation.
 */
export function abortableSleep(
  durationMs: number,
  signal: AbortSignal | undefined,
  unref: boolean,
): Promise<void> {
  return new Promise<void>((resolve) => {
    if (durationMs <= 0 || signal?.aborted) {
      resolve();
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.min(durationMs, maxTimerDelayMs),
    );
    if (unref) timer.unref?.();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
