import type { ConfigSource, FaultlineOptions } from '@faultline/core';
import {
  createDeferredSource,
  createFaultWrapper,
  markFaultWrapped,
  systemClock,
} from '@faultline/core/adapter-kit';
import type { AppConfigSourceOptions } from './appconfig/appconfig-source.js';
import type { LambdaContext } from './invocation/lambda-context.js';
import { createLambdaAdapter } from './lambda-adapter.js';
import type { SsmSourceOptions } from './ssm/ssm-source.js';

/**
 * Options of {@link withFaults}: the core options plus the settings of the SSM and AppConfig sources.
 *
 * @example
 * ```ts
 * import type { LambdaFaultlineOptions } from '@faultline/aws-lambda';
 * const options: LambdaFaultlineOptions = {
 *   ssm: { parameterName: '/faultline/orders', clientConfig: { region: 'eu-west-1' } },
 *   cache: { ttlMs: 30_000 },
 * };
 * ```
 */
export type LambdaFaultlineOptions = FaultlineOptions & {
  /**
   * Settings of the SSM Parameter Store source used when no `source` is given and a parameter is named (here or in
   * `FAULTLINE_SSM_PARAMETER`). `@aws-sdk/client-ssm` is imported on the first read only.
   */
  readonly ssm?: SsmSourceOptions;
  /**
   * Settings of the AWS AppConfig source used when no `source` and no SSM parameter is given and an application is
   * named (here or in `FAULTLINE_APPCONFIG_APPLICATION`, with `FAULTLINE_APPCONFIG_ENVIRONMENT` and
   * `FAULTLINE_APPCONFIG_PROFILE`). Reads through the AppConfig Lambda extension when it is present, else with
   * `@aws-sdk/client-appconfigdata` (imported on the first read only).
   */
  readonly appconfig?: AppConfigSourceOptions;
  /**
   * Deployment stage (`stage`) used by experiment guards, e.g. `'staging'`. Wins over `FAULTLINE_STAGE`, which wins
   * over the API Gateway stage (not `$default`) and the alias in the invoked function ARN — the same order as on
   * Cloud Functions and Azure Functions (code, then `FAULTLINE_STAGE`), with Lambda's own evidence last.
   */
  readonly stage?: string;
  /** Region (`region`). Default: the region in the invoked function ARN, else `AWS_REGION`. */
  readonly region?: string;
};

/**
 * An async Lambda handler, generic over its event, context and result.
 *
 * @example
 * ```ts
 * import type { AsyncLambdaHandler } from '@faultline/aws-lambda';
 * const handler: AsyncLambdaHandler<{ id: string }, { ok: boolean }> = async (event) => ({ ok: event.id !== '' });
 * ```
 */
export type AsyncLambdaHandler<Event, Result, Context extends LambdaContext = LambdaContext> = (
  event: Event,
  context: Context,
) => Promise<Result>;

/**
 * Wraps an async Lambda handler so experiments can inject faults into sampled invocations. The wrapped function has
 * the handler's own type.
 *
 * Where the experiment comes from (first match wins): `options.source`; the SSM parameter named by
 * `options.ssm.parameterName` or `FAULTLINE_SSM_PARAMETER`; the AppConfig profile named by `options.appconfig` or
 * `FAULTLINE_APPCONFIG_APPLICATION` / `_ENVIRONMENT` / `_PROFILE`; `FAULTLINE_CONFIG_FILE`; `FAULTLINE_CONFIG`.
 * Without any, nothing is injected. `FAULTLINE_DISABLED=1` returns `handler` itself. Environment variables are read once,
 * here.
 *
 * A handler returned by `withFaults` is marked, so the faultline Lambda layer leaves it alone (no double injection).
 * When nothing can fire, an invocation costs one synchronous check; faultline's own failures never reach your code
 * (only deliberately injected `InjectedFaultError`s do).
 *
 * @example
 * ```ts
 * import { withFaults } from '@faultline/aws-lambda';
 * import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
 *
 * export const handler = withFaults(async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyResultV2> => {
 *   return { statusCode: 200, body: JSON.stringify({ ok: true }) };
 * });
 * // FAULTLINE_SSM_PARAMETER=/faultline/orders selects the experiment parameter.
 * ```
 */
export function withFaults<Event, Result, Context extends LambdaContext = LambdaContext>(
  handler: AsyncLambdaHandler<Event, Result, Context>,
  options: LambdaFaultlineOptions = {},
): AsyncLambdaHandler<Event, Result, Context> {
  const wrapped = createFaultWrapper(
    createLambdaAdapter<Event, Result, Context>(adapterOptions(options)),
    handler,
    {
      // Lambda's log levels and JSON log format, and EMF metrics, unless the options say otherwise.
      logFormat: 'aws-lambda',
      ...options,
      defaultSource: options.defaultSource ?? (() => resolveLambdaDefaultSource(options)),
      missingSourceHint: options.missingSourceHint ?? lambdaMissingSourceHint,
    },
  );
  // Marked so the Lambda layer, which may run another copy of faultline, does not wrap it a second time.
  return wrapped === handler ? handler : markFaultWrapped(wrapped);
}

/**
 * What the `config-missing` event tells a Lambda function to set: the SSM variable first, then the AWS AppConfig
 * ones, then the generic ones (the order `withFaults` looks for them).
 */
export const lambdaMissingSourceHint =
  'set FAULTLINE_SSM_PARAMETER to the SSM parameter holding the experiment, or FAULTLINE_APPCONFIG_APPLICATION, FAULTLINE_APPCONFIG_ENVIRONMENT and FAULTLINE_APPCONFIG_PROFILE for AWS AppConfig, or FAULTLINE_CONFIG_FILE / FAULTLINE_CONFIG, or pass `source`';

/**
 * The adapter settings implied by the wrapper options (shared with the Middy middleware).
 *
 * @example
 * ```ts
 * const adapter = createLambdaAdapter(adapterOptions({ environment: { AWS_REGION: 'eu-west-1' } }));
 * ```
 */
export function adapterOptions(options: LambdaFaultlineOptions) {
  return {
    clock: options.clock ?? options.engine?.clock ?? systemClock,
    environment: options.environment ?? process.env,
    stage: options.stage,
    region: options.region,
  };
}

/**
 * The adapter's source from its settings: the SSM source when a parameter is named (option or
 * `FAULTLINE_SSM_PARAMETER`), else the AppConfig source when an application is named (option or
 * `FAULTLINE_APPCONFIG_APPLICATION`), else `undefined` so core falls back to `FAULTLINE_CONFIG_FILE` /
 * `FAULTLINE_CONFIG`. The variables are read now; the source's module loads with its first read, which also reports
 * unusable settings (an invalid parameter name, a missing AppConfig environment, …) as a `config-error` event.
 *
 * @example
 * ```ts
 * const source = resolveLambdaDefaultSource({ environment: { FAULTLINE_SSM_PARAMETER: '/faultline/orders' } });
 * source?.name; // 'ssm:/faultline/orders'
 * ```
 */
export function resolveLambdaDefaultSource(options: LambdaFaultlineOptions = {}): ConfigSource | undefined {
  const environment = options.environment ?? process.env;
  const parameterName = options.ssm?.parameterName ?? environment.FAULTLINE_SSM_PARAMETER;
  if (parameterName !== undefined && parameterName !== '') {
    const ssm: SsmSourceOptions = { ...options.ssm, parameterName, environment };
    return createDeferredSource(`ssm:${parameterName}`, () =>
      import('./ssm/ssm-source.js').then((module) => module.createSsmSource(ssm)),
    );
  }
  const application = options.appconfig?.application ?? environment.FAULTLINE_APPCONFIG_APPLICATION;
  if (application !== undefined && application.trim() !== '') {
    // Copied now: the variables are read once, at wrap time.
    const variables: Record<string, string | undefined> = {};
    for (const variable in environment) {
      if (/^(FAULTLINE_APPCONFIG|AWS_APPCONFIG_EXTENSION)_/.test(variable))
        variables[variable] = environment[variable];
    }
    const clock = options.appconfig?.clock ?? options.clock ?? options.engine?.clock;
    const appconfig: AppConfigSourceOptions = {
      ...options.appconfig,
      application,
      environment: variables,
      ...(clock === undefined ? {} : { clock }),
    };
    const part = (value: string | undefined, suffix: string) =>
      (value ?? variables[`FAULTLINE_APPCONFIG_${suffix}`])?.trim() || `(no FAULTLINE_APPCONFIG_${suffix})`;
    return createDeferredSource(
      `aws-appconfig:${application.trim()}/${part(appconfig.appconfigEnvironment, 'ENVIRONMENT')}/${part(appconfig.profile, 'PROFILE')}`,
      () =>
        import('./appconfig/appconfig-source.js').then((module) => module.createAppConfigSource(appconfig)),
    );
  }
  return undefined;
}
