import { FaultlineError } from '../errors/faultline-error.js';

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
export class ConfigFetchTimeoutError extends FaultlineError {
  override readonly name = 'ConfigFetchTimeoutError';
  declare readonly code: 'CONFIG_FETCH_TIMEOUT';
  readonly sourceName: string;
  readonly fetchBudgetMs: number;

  constructor(sourceName: string, fetchBudgetMs: number) {
    super('CONFIG_FETCH_TIMEOUT', `${sourceName} did not answer within the ${fetchBudgetMs} ms fetch budget`);
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
 * const error = new ConfigTooLargeError('file:/etc/faultline.json', 300_000, 262_144);
 * console.log(error.message);
 * ```
 */
export class ConfigTooLargeError extends FaultlineError {
  override readonly name = 'ConfigTooLargeError';
  declare readonly code: 'CONFIG_TOO_LARGE';
  readonly sizeBytes: number;
  readonly maxSizeBytes: number;

  constructor(sourceName: string, sizeBytes: number, maxSizeBytes: number) {
    super(
      'CONFIG_TOO_LARGE',
      `${sourceName} holds a ${sizeBytes}-byte document, over the ${maxSizeBytes}-byte cap; ` +
        'raise maxSizeBytes or split the experiment',
    );
    this.sizeBytes = sizeBytes;
    this.maxSizeBytes = maxSizeBytes;
  }
}

/**
 * A config document could not be decoded (bad JSON, or YAML, which functions do not read) or was rejected by the `parse` step (e.g. an invalid
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
export class ConfigDocumentError extends FaultlineError {
  override readonly name = 'ConfigDocumentError';
  declare readonly code: 'CONFIG_DOCUMENT_INVALID';

  constructor(message: string, options?: { readonly cause?: unknown }) {
    super('CONFIG_DOCUMENT_INVALID', message, options);
  }
}

/**
 * An option is out of range. `createCachedConfig` throws it at creation (a wrapper checks its cache options when it
 * is created, reports the error and runs the handler as it is); a config source rejects its `load()` with it, since
 * no source throws when it is created. Never thrown while serving an invocation.
 *
 * @example
 * ```ts
 * import { InvalidConfigOptionError } from '@faultline/core';
 *
 * const error = new InvalidConfigOptionError('ttlMs', -1, 'a number of milliseconds ≥ 0');
 * console.log(error.message); // "ttlMs: expected a number of milliseconds ≥ 0, got -1"
 * ```
 */
export class InvalidConfigOptionError extends FaultlineError {
  override readonly name = 'InvalidConfigOptionError';
  declare readonly code: 'INVALID_OPTION';
  readonly option: string;

  constructor(option: string, value: unknown, expected: string) {
    super('INVALID_OPTION', `${option}: expected ${expected}, got ${formatValue(value)}`);
    this.option = option;
  }
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}
