import { readEnvironmentSettings } from '../config/environment-settings.js';
import { systemClock } from '../engine/ports.js';
import { describeError } from '../errors/describe-error.js';
import type { EventLevel } from '../events/events.js';
import { isLevelEnabled } from '../events/json-line-sink.js';

/*
 * What the zero-code installs (the Lambda layer, the Cloud Functions and Azure Functions preloads) share with the
 * wrappers. A preload runs faultline from its own copy of the packages (a layer, a bundle) while the user's code may
 * wrap a handler itself with another copy, so "already wrapped" is a process-wide mark (`Symbol.for`), not a
 * module-local set.
 */

const faultWrappedMark: unique symbol = Symbol.for('faultline.fault-wrapped.v1') as never;

/**
 * Marks `wrapped` as a handler faultline already instruments, for every copy of faultline in the process, and
 * returns it. Adapters call it on what their `withFaults` returns (never on the user's own handler).
 *
 * @example
 * ```ts
 * import { markFaultWrapped } from '@faultline/core/adapter-kit';
 * return markFaultWrapped(createFaultWrapper(adapter, handler, options));
 * ```
 */
export function markFaultWrapped<Handler extends (...args: never[]) => unknown>(wrapped: Handler): Handler {
  if (!Object.hasOwn(wrapped, faultWrappedMark)) {
    Object.defineProperty(wrapped, faultWrappedMark, { value: true });
  }
  return wrapped;
}

/**
 * Whether `handler` was returned by a faultline wrapper (any adapter, any copy of the package in the process).
 * Zero-code installs leave such handlers alone, so a handler is never instrumented twice.
 *
 * @example
 * ```ts
 * import { isFaultWrapped } from '@faultline/core/adapter-kit';
 * import { withFaults } from '@faultline/aws-lambda';
 *
 * isFaultWrapped(withFaults(async () => ({ statusCode: 200 }))); // true
 * ```
 */
export function isFaultWrapped(handler: unknown): boolean {
  return (
    typeof handler === 'function' &&
    (handler as unknown as Record<symbol, unknown>)[faultWrappedMark] === true
  );
}

/**
 * Prints one `setup` line of a zero-code install (what it wrapped, left alone, or could not load), in the format of
 * faultline's events, to the function's log. `FAULTLINE_LOG_LEVEL` filters it like any event; nothing it does can
 * throw.
 *
 * @example
 * ```ts
 * import { reportSetup } from '@faultline/core/adapter-kit';
 * reportSetup('warn', 'FAULTLINE_HANDLER is not set', { mechanism: 'aws-lambda-layer' });
 * ```
 */
export function reportSetup(
  level: Exclude<EventLevel, 'silent'>,
  message: string,
  details: Readonly<Record<string, unknown>> = {},
  environment: Readonly<Record<string, string | undefined>> = process.env,
): void {
  try {
    const threshold = readEnvironmentSettings(environment).logLevel ?? 'info';
    if (!isLevelEnabled(level, threshold)) return;
    const line = JSON.stringify({
      source: 'faultline',
      type: 'setup',
      level,
      // Not `isoTime` (events/iso-time.ts): this module is in what every adapter entry loads at import, whose size
      // is budgeted, and the console line this prints costs far more than the date cache.
      time: new Date(systemClock.now()).toISOString(),
      message,
      details,
    });
    if (level === 'error') console.error(line);
    else if (level === 'warn') console.warn(line);
    else console.log(line);
  } catch {
    // A log line must never break the function.
  }
}

/**
 * `Name: message` of an unknown error, at most 500 characters of message, for a `setup` line.
 *
 * @example
 * ```ts
 * import { summarizeError } from '@faultline/core/adapter-kit';
 * summarizeError(new TypeError('boom')); // 'TypeError: boom'
 * ```
 */
export function summarizeError(error: unknown): string {
  // One description of errors everywhere: this is describeError's, on one line.
  const { errorName, errorMessage } = describeError(error);
  return error instanceof Error ? `${errorName}: ${errorMessage}` : errorMessage;
}

/**
 * Instruments a user's function for a zero-code install without ever breaking it: returns what `instrument`
 * resolves to, or `original` when it throws (faultline cannot be set up), after one `error` setup line saying that
 * `subject` runs without faults.
 *
 * @example
 * ```ts
 * import { instrumentFailingOpen } from '@faultline/core/adapter-kit';
 * export const handler = await instrumentFailingOpen(original, 'index.handler', { mechanism: 'aws-lambda-layer' },
 *   process.env, async () => (await import('./with-faults.js')).withFaults(original));
 * ```
 */
export async function instrumentFailingOpen<Instrumented>(
  original: Instrumented,
  subject: string,
  details: Readonly<Record<string, unknown>>,
  environment: Readonly<Record<string, string | undefined>>,
  instrument: () => Promise<Instrumented>,
): Promise<Instrumented> {
  try {
    return await instrument();
  } catch (error) {
    reportSetup(
      'error',
      `faultline could not be set up (${summarizeError(error)}); ${subject} runs without faults`,
      details,
      environment,
    );
    return original;
  }
}

/** The oldest Node major faultline's zero-code installs instrument (the engines every package declares). */
export const minimumZeroCodeNodeMajor = 20;

/**
 * Why a zero-code install leaves the function alone on this Node version, or `undefined` when it is supported.
 *
 * @example
 * ```ts
 * import { unsupportedNodeVersion } from '@faultline/core/adapter-kit';
 * unsupportedNodeVersion('18.20.4'); // 'faultline supports Node 20 and later, this runtime is Node 18.20.4'
 * ```
 */
export function unsupportedNodeVersion(nodeVersion: string = process.versions.node): string | undefined {
  const major = Number.parseInt(nodeVersion.replace(/^v/, '').split('.')[0] ?? '', 10);
  if (major >= minimumZeroCodeNodeMajor) return undefined;
  return `faultline supports Node ${minimumZeroCodeNodeMajor} and later, this runtime is Node ${nodeVersion}`;
}
