/**
 * Sticky sampling: a small, fast, non-cryptographic hash of (seed, experiment, fault, key) mapped to [0, 1) with
 * 53 bits of resolution, so `probability: 0.001` is as exact as `0.5` and the same key always gets the same
 * decision on every instance and every cloud. Two 32-bit multiply-xor lanes over UTF-16 code units, cross-mixed
 * and finished with murmur3's avalanche step.
 */

/**
 * The hash state after the (seed, experiment, fault) prefix; computed once per config version and fault.
 *
 * @example
 * ```ts
 * const prefix: SamplingPrefix = createSamplingPrefix('seed', 'orders', 'slow');
 * ```
 */
export interface SamplingPrefix {
  readonly high: number;
  readonly low: number;
}

const laneHighMultiplier = 0x9e3779b1;
const laneLowMultiplier = 0x85ebca77;
const twoPow32 = 4_294_967_296;
const twoPow53 = 9_007_199_254_740_992;

function fmix32(value: number): number {
  let h = value;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Hashes the fixed part of a sticky decision. Fields are separated by a character that cannot appear in ids, so
 * (`ab`, `c`) and (`a`, `bc`) differ.
 *
 * @example
 * ```ts
 * import { createSamplingPrefix, stickyUnit } from '@faultline/core/testing';
 * const prefix = createSamplingPrefix('seed-1', 'orders', 'slow');
 * stickyUnit(prefix, 'tenant-42'); // the same number in [0, 1) every time
 * ```
 */
export function createSamplingPrefix(seed: string, experimentId: string, faultId: string): SamplingPrefix {
  let high = 0x2545f491;
  let low = 0x6a09e667;
  const text = `${seed}\u0000${experimentId}\u0000${faultId}\u0000`;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    high = Math.imul(high ^ code, laneHighMultiplier);
    low = Math.imul(low ^ code, laneLowMultiplier);
  }
  return { high, low };
}

/**
 * Maps `key` to a number in [0, 1) that depends only on the prefix and the key. A fault with probability `p`
 * fires for a key when `stickyUnit(prefix, key) < p`: `p = 0` never fires, `p = 1` always does.
 *
 * @example
 * ```ts
 * const fires = stickyUnit(createSamplingPrefix('', 'orders', 'slow'), 'user-7') < 0.05;
 * ```
 */
export function stickyUnit(prefix: SamplingPrefix, key: string): number {
  let high = prefix.high;
  let low = prefix.low;
  for (let index = 0; index < key.length; index++) {
    const code = key.charCodeAt(index);
    high = Math.imul(high ^ code, laneHighMultiplier);
    low = Math.imul(low ^ code, laneLowMultiplier);
  }
  high ^= key.length;
  const mixedHigh = fmix32(high ^ Math.imul(low ^ (low >>> 15), 0x735a2d97));
  const mixedLow = fmix32(low ^ Math.imul(mixedHigh ^ (mixedHigh >>> 15), 0xcaf649a9));
  return ((mixedHigh & 0x1fffff) * twoPow32 + mixedLow) / twoPow53;
}

/**
 * Whether a fault with `probability` fires for a uniform draw `unit` in [0, 1). Probabilities at or below 0 never
 * fire and at or above 1 always do, whatever the draw (no `Math.random() < rate` edge cases).
 *
 * @example
 * ```ts
 * sampleFires(0.25, Math.random());
 * ```
 */
export function sampleFires(probability: number, unit: number): boolean {
  if (!(probability > 0)) return false;
  if (probability >= 1) return true;
  return unit < probability;
}

/**
 * What {@link stickySampleFires} decides on: the fault, as the experiment names it, and the key its `sampleBy`
 * field reads.
 *
 * @example
 * ```ts
 * const decision: StickySampleOptions = { experimentId: 'orders', faultId: 'slow', probability: 0.3, key: 'u-7' };
 * ```
 */
export interface StickySampleOptions {
  /** The experiment's `seed` (absent: the empty seed, as the engine uses). */
  readonly seed?: string;
  readonly experimentId: string;
  readonly faultId: string;
  /** The probability in force. */
  readonly probability: number;
  /** The value the fault's `sampleBy` field reads from the invocation. */
  readonly key: string;
}

/**
 * Whether a fault with sticky sampling (`sampleBy`) fires for an invocation whose `sampleBy` field reads `key`: the
 * decision every function instance makes, on every cloud (before the fault's `match` conditions and the injection
 * budget, which it does not know of). Lets a tool tell in advance which requests a sticky experiment injects;
 * `faultline run` uses it to check the injections its probe requests got, request by request.
 *
 * @example
 * ```ts
 * import { stickySampleFires } from '@faultline/core';
 * stickySampleFires({ seed: 's1', experimentId: 'orders', faultId: 'slow', probability: 0.3, key: 'user-7' });
 * // → the same boolean on every instance, every time
 * ```
 */
export function stickySampleFires(options: StickySampleOptions): boolean {
  return sampleFires(
    options.probability,
    stickyUnit(createSamplingPrefix(options.seed ?? '', options.experimentId, options.faultId), options.key),
  );
}
