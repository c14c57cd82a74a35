import type { ConfigLoadRequest, ConfigLoadResult, ConfigSource } from '@faultline/core';
import { contentVersionOf, FaultlineError, rejectOnAbort } from '@faultline/core/adapter-kit';
import { AwsSourceReadError } from '../aws-source-read-error.js';

/**
 * The one method of a Powertools for AWS Lambda (TypeScript) Parameters provider the bridge calls. Every provider
 * fits: `SSMProvider`, `AppConfigProvider`, `SecretsProvider`, `DynamoDBProvider`, or your own `BaseProvider`.
 * Declared structurally, so `@aws-lambda-powertools/parameters` stays an optional peer that faultline never imports.
 *
 * @example
 * ```ts
 * import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
 * import type { PowertoolsProviderLike } from '@faultline/aws-lambda/powertools';
 *
 * const provider: PowertoolsProviderLike = new SSMProvider();
 * ```
 */
export interface PowertoolsProviderLike {
  get(name: string, options?: never): Promise<unknown>;
}

/**
 * Options of {@link fromPowertoolsProvider}.
 *
 * @example
 * ```ts
 * const options: PowertoolsSourceOptions = { getOptions: { maxAge: 60, decrypt: true } };
 * ```
 */
export interface PowertoolsSourceOptions {
  /**
   * Passed to `provider.get(name, getOptions)` on every read: the provider's own options (`maxAge`, `forceFetch`,
   * `decrypt`, `sdkOptions`, `transform`). Default: none, so the provider's cache (`POWERTOOLS_PARAMETERS_MAX_AGE`,
   * 5 s by default) and decryption settings apply as they do for the rest of your function.
   */
  readonly getOptions?: Readonly<Record<string, unknown>>;
  /** The source name in events. Default `powertools:<provider class>:<name>`. Never put a secret in it. */
  readonly sourceName?: string;
}

/**
 * Reading through the Powertools provider failed (its `GetParameterError`, or a transform error; `code`
 * `STORE_READ_FAILED`); `serviceCode` is the AWS error name underneath the provider's error (e.g.
 * `AccessDeniedException`), or `UnexpectedValue` when the provider returned something else than a document.
 * faultline reports it as a `config-error` event and keeps the last good config; it never reaches your handler.
 *
 * @example
 * ```ts
 * const error = new PowertoolsSourceError('powertools:SSMProvider:/faultline/orders', 'AccessDeniedException', 'denied');
 * error.serviceCode; // 'AccessDeniedException'
 * ```
 */
export class PowertoolsSourceError extends AwsSourceReadError {
  override readonly name = 'PowertoolsSourceError';
  readonly source: string;

  constructor(source: string, serviceCode: string, message: string, options?: { cause?: unknown }) {
    super(serviceCode, message, options);
    this.source = source;
  }
}

/** The stores' "does not exist" errors, as the AWS SDK names them. */
const notFoundCodes = new Set(['ParameterNotFound', 'ResourceNotFoundException', 'ParameterNotFoundError']);

/**
 * A config source over any Powertools Parameters provider, so a team that already reads configuration with
 * Powertools keeps one client, one cache and one IAM story for faultline too. Each read calls
 * `provider.get(name, getOptions)`:
 *
 * - a string (JSON or YAML), a `Uint8Array` (what `AppConfigProvider` returns without a transform, decoded as UTF-8)
 *   or an object (with `transform: 'json'`) is the experiment; its content hash is the version in events;
 * - `undefined` (the DynamoDB provider's "no item") or a store's not-found error (`ParameterNotFound`,
 *   `ResourceNotFoundException`) means no experiment: no faults, one warning;
 * - anything else is thrown as a {@link PowertoolsSourceError}, and the core cache backs off and keeps the last good
 *   experiment.
 *
 * Powertools calls cannot be aborted, so a read the fetch budget gives up on is left to finish in the background
 * (its result then only fills the provider's cache).
 *
 * @example
 * ```ts
 * import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
 * import { withFaults } from '@faultline/aws-lambda';
 * import { fromPowertoolsProvider } from '@faultline/aws-lambda/powertools';
 *
 * const parameters = new SSMProvider();
 * export const handler = withFaults(async () => ({ statusCode: 200, body: 'ok' }), {
 *   source: fromPowertoolsProvider(parameters, '/faultline/orders'),
 * });
 * ```
 */
export function fromPowertoolsProvider(
  provider: PowertoolsProviderLike,
  name: string,
  options: PowertoolsSourceOptions = {},
): ConfigSource {
  // Like every config source, creating it never throws: arguments it cannot use make each read reject with an
  // INVALID_OPTION error, which the engine reports once as a config-error event.
  const problem =
    typeof provider?.get !== 'function'
      ? 'fromPowertoolsProvider needs a Powertools Parameters provider (e.g. new SSMProvider()) as its first argument'
      : typeof name !== 'string' || name.trim() === ''
        ? 'fromPowertoolsProvider needs the name of the parameter, secret, profile or item holding the experiment'
        : undefined;
  const providerName = (provider as { constructor?: { name?: string } })?.constructor?.name || 'provider';
  const sourceName = options.sourceName ?? `powertools:${providerName}:${String(name)}`;
  const getOptions = options.getOptions;

  return {
    name: sourceName,
    async load({ signal, previousVersion }: ConfigLoadRequest): Promise<ConfigLoadResult> {
      if (problem !== undefined) throw new FaultlineError('INVALID_OPTION', problem);
      signal.throwIfAborted();
      let value: unknown;
      try {
        value = await rejectOnAbort(provider.get(name, getOptions as never), signal);
      } catch (error) {
        if (error === signal.reason) throw error;
        const code = underlyingCode(error);
        if (notFoundCodes.has(code)) return { kind: 'missing' };
        throw new PowertoolsSourceError(
          sourceName,
          code,
          `${sourceName}: the Powertools provider failed with ${code}: ${(error as Error)?.message ?? String(error)}`,
          { cause: error },
        );
      }
      if (value === undefined || value === null) return { kind: 'missing' };
      let document: string | object;
      if (typeof value === 'string') document = value;
      else if (value instanceof Uint8Array) document = new TextDecoder().decode(value);
      else if (typeof value === 'object') document = value;
      else {
        throw new PowertoolsSourceError(
          sourceName,
          'UnexpectedValue',
          `${sourceName}: the provider returned a ${typeof value}, not an experiment document (text or object)`,
        );
      }
      if (typeof document === 'string' && document.trim() === '') return { kind: 'missing' };
      // contentVersionOf loads the hash with the first read, not at import.
      const version = await contentVersionOf(document);
      if (version === previousVersion) return { kind: 'unchanged' };
      return { kind: 'document', document, version };
    },
  };
}

/** The name of the error under Powertools' `GetParameterError` (its `cause`), else of the error itself. */
function underlyingCode(error: unknown): string {
  for (let current = error, depth = 0; current !== undefined && current !== null && depth < 4; depth++) {
    const name = (current as { name?: unknown }).name;
    if (typeof name === 'string' && name !== 'Error' && name !== 'GetParameterError') return name;
    current = (current as { cause?: unknown }).cause;
  }
  const name = (error as { name?: unknown })?.name;
  return typeof name === 'string' ? name : 'UnknownError';
}
