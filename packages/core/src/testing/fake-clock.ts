import type { Clock, RandomSource, Sleep } from '../engine/ports.js';
import { FaultlineError } from '../errors/faultline-error.js';

/**
 * A clock tests move by hand.
 *
 * @example
 * ```ts
 * const clock: FakeClock = createFakeClock();
 * clock.advance(1_000);
 * ```
 */
export interface FakeClock extends Clock {
  /** Moves time forward by `durationMs` (negative values are refused: time does not run backwards). */
  advance(durationMs: number): void;
  /** Jumps to an absolute epoch ms. */
  set(epochMs: number): void;
}

/**
 * A clock that only moves when told to.
 *
 * @example
 * ```ts
 * import { createFakeClock } from '@faultline/core/testing';
 *
 * const clock = createFakeClock(Date.parse('2026-11-29T12:00:00Z'));
 * clock.advance(60_000);
 * clock.now(); // 12:01
 * ```
 */
export function createFakeClock(startMs = Date.parse('2026-01-01T00:00:00Z')): FakeClock {
  let nowMs = startMs;
  return {
    now: () => nowMs,
    advance(durationMs) {
      if (!(durationMs >= 0)) {
        throw new FaultlineError('INVALID_ARGUMENT', `advance expects a duration ≥ 0 ms, got ${durationMs}`);
      }
      nowMs += durationMs;
    },
    set(epochMs) {
      nowMs = epochMs;
    },
  };
}

/**
 * A deterministic random source that also reports how often it was drawn from.
 *
 * @example
 * ```ts
 * const random = createSeededRandom(1);
 * random();
 * random.draws; // 1
 * ```
 */
export interface SeededRandom extends RandomSource {
  readonly draws: number;
}

function hashSeed(seed: number | string): number {
  if (typeof seed === 'number') return seed >>> 0;
  let hash = 0x811c9dc5;
  for (let index = 0; index < seed.length; index++)
    hash = Math.imul(hash ^ seed.charCodeAt(index), 0x01000193);
  return hash >>> 0;
}

/**
 * A seeded pseudo-random source (SplitMix32): the same seed gives the same sequence, uniform in [0, 1) with 32 bits
 * of resolution. For tests only; not cryptographic.
 *
 * @example
 * ```ts
 * import { createSeededRandom } from '@faultline/core/testing';
 * const random = createSeededRandom(42);
 * random(); // always the same first value for seed 42
 * ```
 */
export function createSeededRandom(seed: number | string = 1): SeededRandom {
  let state = hashSeed(seed);
  let draws = 0;
  const random = () => {
    draws++;
    state = (state + 0x9e3779b9) | 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    z ^= z >>> 16;
    return (z >>> 0) / 4_294_967_296;
  };
  Object.defineProperty(random, 'draws', { get: () => draws });
  return random as SeededRandom;
}

/**
 * A random source that always returns `value` (e.g. 0 to make every fault with probability > 0 fire).
 *
 * @example
 * ```ts
 * import { createConstantRandom } from '@faultline/core/testing';
 * const engine = createFaultEngine({ source, random: createConstantRandom(0) }); // every fault with probability > 0 fires
 * ```
 */
export function createConstantRandom(value: number): RandomSource {
  if (!(value >= 0 && value < 1)) {
    throw new FaultlineError('INVALID_ARGUMENT', `a random value must be in [0, 1), got ${value}`);
  }
  return () => value;
}

/**
 * A sleep that resolves at once. Pair with {@link createRecordingSleep} when the test should see the durations.
 *
 * @example
 * ```ts
 * import { immediateSleep } from '@faultline/core/testing';
 * const engine = createFaultEngine({ source, sleep: immediateSleep });
 * ```
 */
export const immediateSleep: Sleep = async () => {};

/**
 * A sleep that records each requested duration and advances a fake clock instead of waiting.
 *
 * @example
 * ```ts
 * const sleep = createRecordingSleep();
 * await sleep(300);
 * sleep.totalMs; // 300
 * ```
 */
export interface RecordingSleep extends Sleep {
  /** Every requested duration, in call order, in ms. */
  readonly calls: readonly number[];
  /** Sum of all requested durations, in ms. */
  readonly totalMs: number;
}

/**
 * A sleep that resolves at once, records the duration and advances `clock` by it, so latency and timeout faults
 * are observable without waiting.
 *
 * @example
 * ```ts
 * import { createFakeClock, createRecordingSleep } from '@faultline/core/testing';
 * const clock = createFakeClock();
 * const sleep = createRecordingSleep(clock);
 * await sleep(250);
 * sleep.calls; // [250]
 * ```
 */
export function createRecordingSleep(clock?: FakeClock): RecordingSleep {
  const calls: number[] = [];
  const sleep = async (durationMs: number, signal?: AbortSignal) => {
    if (signal?.aborted) return;
    const duration = Math.max(0, durationMs);
    calls.push(duration);
    clock?.advance(duration);
  };
  Object.defineProperty(sleep, 'calls', { get: () => calls });
  Object.defineProperty(sleep, 'totalMs', { get: () => calls.reduce((sum, value) => sum + value, 0) });
  return sleep as RecordingSleep;
}
