import type { ConfigLoadRequest, ConfigLoadResult, ConfigSource } from '@faultline/core';
import { createModuleLoader, FaultlineError } from '@faultline/core/adapter-kit';
import { awsErrorCode } from '../aws-error-code.js';
import { AwsSourceReadError } from '../aws-source-read-error.js';

/**
 * The part of an `SSMClient` the source uses. Declared structurally so `@aws-sdk/client-ssm` stays an optional peer
 * and its types never leak into the root entry; a real `SSMClient` satisfies it.
 *
 * @example
 * ```ts
 * import { SSMClient } from '@aws-sdk/client-ssm';
 * import { createSsmSource } from '@faultline/aws-lambda/ssm';
 * createSsmSource({ parameterName: '/faultline/orders', client: new SSMClient({ region: 'eu-west-1' }) });
 * ```
 */
export interface SsmClientLike {
  send(command: never, options?: { abortSignal?: AbortSignal }): Promise<unknown>;
}

/**
 * Client settings used when the source creates its own `SSMClient` (endpoint, region, credentials, …).
 *
 * @example
 * ```ts
 * createSsmSource({ parameterName: '/faultline/orders', clientConfig: { endpoint: 'http://127.0.0.1:5000' } });
 * ```
 */
export interface SsmClientConfig {
  /** e.g. `http://127.0.0.1:5000` for moto, or a VPC endpoint. */
  readonly endpoint?: string;
  readonly region?: string;
  readonly [option: string]: unknown;
}

/**
 * Options of {@link createSsmSource}.
 *
 * @example
 * ```ts
 * const options: SsmSourceOptions = { parameterName: '/faultline/orders', withDecryption: true };
 * ```
 */
export interface SsmSourceOptions {
  /** The parameter holding the experiment (JSON text). Default: `FAULTLINE_SSM_PARAMETER`. */
  readonly parameterName?: string;
  /** Your own client (e.g. with custom middleware). Default: an `SSMClient` created on first use. */
  readonly client?: SsmClientLike;
  /** Settings for the client the source creates. `maxAttempts` defaults to 1: the faultline cache owns retries. */
  readonly clientConfig?: SsmClientConfig;
  /** Decrypt SecureString parameters (needs `kms:Decrypt` on the key). Default true. */
  readonly withDecryption?: boolean;
  /** Read once for `FAULTLINE_SSM_PARAMETER`. Default `process.env`. */
  readonly environment?: Readonly<Record<string, string | undefined>>;
}

/**
 * Reading the SSM parameter failed (`code` `STORE_READ_FAILED`); `serviceCode` is the AWS error name (e.g.
 * `ThrottlingException`). faultline reports it as a `config-error` event and keeps the last good config; it never
 * reaches your handler.
 *
 * @example
 * ```ts
 * const error = new SsmParameterError('/faultline/orders', 'ThrottlingException', 'GetParameter … failed');
 * error.code; // 'STORE_READ_FAILED'
 * error.serviceCode; // 'ThrottlingException'
 * ```
 */
export class SsmParameterError extends AwsSourceReadError {
  override readonly name = 'SsmParameterError';
  readonly parameterName: string;

  constructor(parameterName: string, serviceCode: string, message: string, options?: { cause?: unknown }) {
    super(serviceCode, message, options);
    this.parameterName = parameterName;
  }
}

/**
 * The SSM source has no usable parameter name (`code` `INVALID_OPTION`). Like every config source, creating it never
 * throws: each `load()` rejects with this error, which the engine reports once as a `config-error` event naming the
 * option and the variable, and the function runs without faults.
 *
 * @example
 * ```ts
 * const source = createSsmSource({ environment: {} });
 * await source.load({ signal: AbortSignal.timeout(1_000), previousVersion: undefined }).catch((error) => {
 *   if (error instanceof InvalidSsmSourceOptionError) console.error(error.message); // names the option and the variable
 * });
 * ```
 */
export class InvalidSsmSourceOptionError extends FaultlineError {
  override readonly name = 'InvalidSsmSourceOptionError';
  declare readonly code: 'INVALID_OPTION';

  constructor(message: string) {
    super('INVALID_OPTION', message);
  }
}

const parameterNamePattern = /^[a-zA-Z0-9_.\-/]{1,2048}$/;

const errorHints: Readonly<Record<string, string>> = {
  AccessDeniedException: 'grant the function role ssm:GetParameter on this parameter ARN',
  AccessDenied: 'grant the function role ssm:GetParameter on this parameter ARN',
  ThrottlingException:
    'GetParameter is over its TPS quota (40 by default, shared per account and region): raise FAULTLINE_CONFIG_TTL_MS',
  InvalidKeyId: 'the SecureString KMS key is disabled or missing; check the key and kms:Decrypt on it',
  KMSAccessDeniedException: 'grant the function role kms:Decrypt on the key that encrypts this SecureString',
};

/**
 * A config source reading one SSM Parameter Store parameter with `GetParameter` (with decryption, so SecureString
 * works). The parameter `Version` is the config version reported in events. `ParameterNotFound` means "no
 * experiment" (no faults, one warning); any other failure — throttling included — is thrown so the core cache backs
 * off and keeps the last good config. `@aws-sdk/client-ssm` is imported on the first read only. Like every config
 * source it never throws when created: a missing or invalid parameter name makes each `load()` reject with an
 * {@link InvalidSsmSourceOptionError}, which the engine reports as one `config-error` event.
 *
 * Put it behind the engine (which caches it with `createCachedConfig`): each warm instance then calls
 * `GetParameter` once per TTL.
 *
 * @example
 * ```ts
 * import { withFaults } from '@faultline/aws-lambda';
 * import { createSsmSource } from '@faultline/aws-lambda/ssm';
 *
 * const source = createSsmSource({ parameterName: '/faultline/orders' });
 * export const handler = withFaults(async (event) => ({ statusCode: 200, body: 'ok' }), { source });
 * ```
 */
export function createSsmSource(options: SsmSourceOptions = {}): ConfigSource {
  const environment = options.environment ?? process.env;
  const parameterName = options.parameterName ?? environment.FAULTLINE_SSM_PARAMETER;
  const settingsProblem = describeParameterNameProblem(parameterName);
  const withDecryption = options.withDecryption ?? true;
  // The SDK is imported and the client created by the first read; a failed load is retried by the next one.
  const sdk = createModuleLoader(() => createSdk(options));

  return {
    name: `ssm:${parameterName || '(no parameter name)'}`,
    async load(request: ConfigLoadRequest): Promise<ConfigLoadResult> {
      if (settingsProblem !== undefined || parameterName === undefined) {
        throw new InvalidSsmSourceOptionError(settingsProblem ?? 'no parameter name');
      }
      const { client, GetParameterCommand } = await sdk.load();
      let output: GetParameterOutput;
      try {
        const command = new GetParameterCommand({ Name: parameterName, WithDecryption: withDecryption });
        output = (await client.send(command as never, { abortSignal: request.signal })) as GetParameterOutput;
      } catch (error) {
        const code = awsErrorCode(error);
        if (code === 'ParameterNotFound') return { kind: 'missing' };
        const hint = errorHints[code];
        throw new SsmParameterError(
          parameterName,
          code,
          `GetParameter ${parameterName} failed with ${code}: ${(error as Error)?.message ?? String(error)}` +
            (hint ? ` (${hint})` : ''),
          { cause: error },
        );
      }
      const parameter = output.Parameter;
      if (parameter?.Value === undefined) return { kind: 'missing' };
      const version = String(parameter.Version ?? parameter.LastModifiedDate?.valueOf() ?? '');
      // SSM has no conditional read; skipping an unchanged version still spares the parse and validation.
      if (request.previousVersion !== undefined && version === request.previousVersion)
        return { kind: 'unchanged' };
      return { kind: 'document', document: parameter.Value, version };
    },
  };
}

function describeParameterNameProblem(parameterName: string | undefined): string | undefined {
  if (parameterName === undefined || parameterName === '') {
    return 'createSsmSource needs a parameter name: pass { parameterName: "/faultline/my-function" } or set FAULTLINE_SSM_PARAMETER';
  }
  if (!parameterNamePattern.test(parameterName)) {
    return (
      `createSsmSource: parameterName "${parameterName}" is not a valid SSM parameter name ` +
      '(letters, digits, and _ . - /; at most 2048 characters; e.g. "/faultline/orders")'
    );
  }
  return undefined;
}

interface GetParameterOutput {
  readonly Parameter?: {
    readonly Value?: string;
    readonly Version?: number;
    readonly LastModifiedDate?: Date;
  };
}

interface SsmSdk {
  readonly client: SsmClientLike;
  readonly GetParameterCommand: new (input: { Name: string; WithDecryption: boolean }) => unknown;
}

async function createSdk(options: SsmSourceOptions): Promise<SsmSdk> {
  const imported = await import('@aws-sdk/client-ssm');
  // A bundle can hand the CommonJS SDK over as its default export only (the Lambda layer loads the runtime's SDK
  // with `require`, through NODE_PATH).
  type SsmModule = Pick<typeof imported, 'SSMClient' | 'GetParameterCommand'>;
  const module: SsmModule =
    imported.SSMClient === undefined
      ? ((imported as unknown as { default?: SsmModule }).default ?? imported)
      : imported;
  const client = options.client ?? new module.SSMClient({ maxAttempts: 1, ...options.clientConfig });
  return { client, GetParameterCommand: module.GetParameterCommand };
}
