import { InvalidConfigOptionError } from './config-errors.js';

/**
 * Tuning of the cached config. Every field has a safe default; units are in the names. The engine resolves them as
 * option > `FAULTLINE_CONFIG_*` environment variable > default (see `resolveCachedConfigOptions`).
 *
 * @example
 * ```ts
 * import type { CachedConfigOptions } from '@faultline/core';
 *
 * // Refresh every 10 s, give a slow store at most 300 ms, switch faults off after 5 min without a good read.
 * const cache: CachedConfigOptions = { ttlMs: 10_000, fetchBudgetMs: 300, maxStaleMs: 300_000 };
 * ```
 */
export interface CachedConfigOptions {
  /** How long a loaded config is served before it is refreshed in the background. Default 30000. */
  ttlMs?: number;
  /** ± share of `ttlMs` (and of each backoff) added at random so instances do not refresh in lockstep. Default 0.1. */
  jitterRatio?: number;
  /** Longest time one read of the store may take; the source's signal aborts then. Default 1000. */
  fetchBudgetMs?: number;
  /** After this long without a successful read, the cached config switches off (no faults). Default 900000 (15 min). */
  maxStaleMs?: number;
  /** Wait before retrying a failed read; doubles per consecutive failure. Default 5000. */
  errorBackoffMs?: number;
  /** Upper bound of the doubling backoff. Default 60000. */
  maxBackoffMs?: number;
  /** Text documents larger than this are refused before parsing. Default 262144 (256 KiB). */
  maxSizeBytes?: number;
}

/** The defaults of {@link CachedConfigOptions}. */
export const defaultCachedConfigOptions: Readonly<Required<CachedConfigOptions>> = Object.freeze({
  ttlMs: 30_000,
  jitterRatio: 0.1,
  fetchBudgetMs: 1_000,
  maxStaleMs: 15 * 60_000,
  errorBackoffMs: 5_000,
  maxBackoffMs: 60_000,
  maxSizeBytes: 256 * 1024,
});

/**
 * Checks cache options and fills in the defaults: what the cached config runs with. Throws an
 * `InvalidConfigOptionError` naming the first bad option. Wrappers call it when they are created, so a bad option
 * fails at deploy time rather than on the first invocation.
 *
 * @example
 * ```ts
 * checkCachedConfigOptions({ ttlMs: 10_000 }).fetchBudgetMs; // 1000
 * checkCachedConfigOptions({ ttlMs: -5 }); // throws: ttlMs must be a number ≥ 0
 * ```
 */
export function checkCachedConfigOptions(options: CachedConfigOptions = {}): Required<CachedConfigOptions> {
  const errorBackoffMs = readDuration('errorBackoffMs', options.errorBackoffMs);
  return {
    ttlMs: readDuration('ttlMs', options.ttlMs),
    jitterRatio: readRatio(options.jitterRatio),
    fetchBudgetMs: readDuration('fetchBudgetMs', options.fetchBudgetMs),
    maxStaleMs: readDuration('maxStaleMs', options.maxStaleMs),
    errorBackoffMs,
    maxBackoffMs: Math.max(errorBackoffMs, readDuration('maxBackoffMs', options.maxBackoffMs)),
    maxSizeBytes: readDuration('maxSizeBytes', options.maxSizeBytes),
  };
}

function readDuration(option: keyof CachedConfigOptions, value: number | undefined): number {
  if (value === undefined) return defaultCachedConfigOptions[option];
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
    throw new InvalidConfigOptionError(option, value, 'a number ≥ 0');
  }
  return value;
}

function readRatio(value: number | undefined): number {
  if (value === undefined) return defaultCachedConfigOptions.jitterRatio;
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw new InvalidConfigOptionError('jitterRatio', value, 'a number between 0 and 1');
  }
  return value;
}
