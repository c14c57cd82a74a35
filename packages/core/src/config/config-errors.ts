/**
 * Errors raised while reading or decoding a config. They never reach user code: the cached wrapper turns them into
 * one `config-error` event per condition and keeps the last good config.
 */

/**
 * The store did not answer within the fetch budget.
 *
 * @example
 * ```ts
 * import { ConfigFetchTimeoutError } from '@faultline/core';
 *
 * const error = new ConfigFetchTimeoutError('ssm:/faultline/orders', 1000);
 * console.log(error.message); // "ssm:/faultline/orders did not answer within the 1000 ms fetch budget"
 * ```
 */
export class ConfigFetchTimeoutError extends Error {
  override readonly name = 'ConfigFetchTimeoutError';
  readonly sourceName: string;
  readonly fetchBudgetMs: number;

  constructor(sourceName: string, fetchBudgetMs: number) {
    super(`${sourceName} did not answer within the ${fetchBudgetMs} ms fetch budget`);
    this.sourceName = sourceName;
    this.fetchBudgetMs = fetchBudgetMs;
  }
}

/**
 * A config document is larger than the size cap, so it was not parsed.
 *
 * @example
 * ```ts
 * import { ConfigTooLargeError } from '@faultline/core';
 *
 * const error = new ConfigTooLargeError('file:/etc/faultline.yaml', 300_000, 262_144);
 * console.log(error.message);
 * ```
 */
export class ConfigTooLargeError extends Error {
  override readonly name = 'ConfigTooLargeError';
  readonly sizeBytes: number;
  readonly maxSizeBytes: number;

  constructor(sourceName: string, sizeBytes: number, maxSizeBytes: number) {
    super(
      `${sourceName} holds a ${sizeBytes}-byte document, over the ${maxSizeBytes}-byte cap; ` +
        'raise maxSizeBytes or split the experiment',
    );
    this.sizeBytes = sizeBytes;
    this.maxSizeBytes = maxSizeBytes;
  }
}

/**
 * A config document could not be decoded (bad JSON/YAML) or was rejected by the `parse` step (e.g. an invalid
 * experiment).
 *
 * @example
 * ```ts
 * import { ConfigDocumentError } from '@faultline/core';
 *
 * try {
 *   JSON.parse('{');
 * } catch (cause) {
 *   throw new ConfigDocumentError('env:FAULTLINE_CONFIG is not valid JSON', { cause });
 * }
 * ```
 */
export class ConfigDocumentError extends Error {
  override readonly name = 'ConfigDocumentError';
}

/**
 * An option passed to `createCachedConfig` (or a config source) is out of range. Thrown at creation time, never
 * while serving an invocation.
 *
 * @example
 * ```ts
 * import { InvalidConfigOptionError } from '@faultline/core';
 *
 * const error = new InvalidConfigOptionError('ttlMs', -1, 'a number of milliseconds ≥ 0');
 * console.log(error.message); // "ttlMs: expected a number of milliseconds ≥ 0, got -1"
 * ```
 */
export class InvalidConfigOptionError extends Error {
  override readonly name = 'InvalidConfigOptionError';
  readonly option: string;

  constructor(option: string, value: unknown, expected: string) {
    super(`${option}: expected ${expected}, got ${formatValue(value)}`);
    this.option = option;
  }
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}

/**
 * A short, stable description of any thrown value, for event messages and condition keys. Wrapped errors (e.g.
 * `fetch failed` with a `cause` of `ECONNREFUSED`) report the code and message of their cause too.
 */
export function describeError(error: unknown): { name: string; code: string | undefined; message: string } {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    const code = readCode(error) ?? (cause instanceof Error ? readCode(cause) : undefined);
    const message =
      cause instanceof Error && cause.message !== '' && !error.message.includes(cause.message)
        ? `${error.message}: ${cause.message}`
        : error.message;
    return { name: error.name, code, message };
  }
  return { name: typeof error, code: undefined, message: String(error) };
}

function readCode(error: Error): string | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' || typeof code === 'number' ? String(code) : undefined;
}
