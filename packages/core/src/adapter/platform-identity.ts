import { type EnvironmentVariables, nonBlank, readEnvironmentValue } from '../config/environment-values.js';
import type { Clock } from '../engine/ports.js';

/**
 * What a function says about itself in code; each field wins over the platform's variables.
 *
 * @example
 * ```ts
 * const options: PlatformIdentityOptions = { stage: 'staging', region: 'europe-west1' };
 * ```
 */
export interface PlatformIdentityOptions {
  readonly functionName?: string | undefined;
  readonly region?: string | undefined;
  readonly stage?: string | undefined;
}

/** Where a function runs, resolved once when it is wrapped (never per invocation). */
export interface PlatformIdentity {
  readonly functionName: string | undefined;
  readonly region: string | undefined;
  /** `FAULTLINE_STAGE` unless given in code: the deployment's own declaration, read by experiment guards. */
  readonly stage: string | undefined;
}

/**
 * The variables a platform names its function and region in, first match wins (e.g. Cloud Run's `K_SERVICE` before
 * `FUNCTION_TARGET`).
 */
export interface PlatformVariables {
  readonly functionName?: readonly string[];
  readonly region: readonly string[];
}

/**
 * Resolves a function's name, region and stage the same way on every cloud: a value given in code wins, else the
 * first of the platform's variables that is not blank (trimmed), and the stage comes from `FAULTLINE_STAGE`.
 *
 * @example
 * ```ts
 * import { resolvePlatformIdentity } from '@faultline/core/adapter-kit';
 *
 * const identity = resolvePlatformIdentity({}, process.env, {
 *   functionName: ['K_SERVICE', 'FUNCTION_TARGET'],
 *   region: ['FUNCTION_REGION'],
 * });
 * identity.stage; // FAULTLINE_STAGE, trimmed, or undefined
 * ```
 */
export function resolvePlatformIdentity(
  options: PlatformIdentityOptions,
  environment: EnvironmentVariables,
  variables: PlatformVariables,
): PlatformIdentity {
  return {
    functionName:
      nonBlank(options.functionName) ?? readEnvironmentValue(environment, ...(variables.functionName ?? [])),
    region: nonBlank(options.region) ?? readEnvironmentValue(environment, ...variables.region),
    stage: nonBlank(options.stage) ?? readEnvironmentValue(environment, 'FAULTLINE_STAGE'),
  };
}

/**
 * An invocation's deadline (epoch ms): now plus the time it has left, or `undefined` when the platform says
 * nothing (the `timeout` fault is then skipped). Lambda reports the time left; elsewhere it is the configured
 * function timeout, counted from the invocation's start.
 *
 * @example
 * ```ts
 * import { deadlineAfter, systemClock } from '@faultline/core/adapter-kit';
 *
 * deadlineAfter(systemClock, 60_000); // Date.now() + 60 000
 * deadlineAfter(systemClock, undefined); // undefined
 * ```
 */
export function deadlineAfter(clock: Clock, remainingMs: number | undefined): number | undefined {
  return remainingMs === undefined ? undefined : clock.now() + remainingMs;
}
