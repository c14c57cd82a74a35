import type { Clock, ConfigLoadRequest, ConfigLoadResult, ConfigSource } from '@faultline/core';
import { FaultlineError, systemClock } from '@faultline/core/adapter-kit';

export { AppConfigSourceError } from './appconfig-errors.js';

/**
 * How the source reads AppConfig: `sdk` (AppConfigData with `@aws-sdk/client-appconfigdata`), `extension` (the AWS
 * AppConfig Agent Lambda extension's local HTTP endpoint) or `auto` (the extension when it is present).
 *
 * @example
 * ```ts
 * const mode: AppConfigReadMode = 'extension';
 * ```
 */
export type AppConfigReadMode = 'auto' | 'sdk' | 'extension';

/** The modes, for validation and help texts. */
export const appConfigReadModes = [
  'auto',
  'sdk',
  'extension',
] as const satisfies readonly AppConfigReadMode[];

/**
 * The part of an `AppConfigDataClient` the source uses. Declared structurally so `@aws-sdk/client-appconfigdata`
 * stays an optional peer and its types never leak into the root entry; a real `AppConfigDataClient` satisfies it.
 *
 * @example
 * ```ts
 * import { AppConfigDataClient } from '@aws-sdk/client-appconfigdata';
 * import { createAppConfigSource } from '@faultline/aws-lambda/appconfig';
 *
 * createAppConfigSource({
 *   application: 'orders',
 *   appconfigEnvironment: 'prod',
 *   profile: 'faultline',
 *   client: new AppConfigDataClient({ region: 'eu-west-1' }),
 * });
 * ```
 */
export interface AppConfigDataClientLike {
  send(command: never, options?: { abortSignal?: AbortSignal }): Promise<unknown>;
}

/**
 * Options of {@link createAppConfigSource}. Option > environment variable > default; everything is read once, when
 * the source is created.
 *
 * @example
 * ```ts
 * const options: AppConfigSourceOptions = {
 *   application: 'orders',
 *   appconfigEnvironment: 'prod',
 *   profile: 'faultline',
 *   pollIntervalSeconds: 30,
 * };
 * ```
 */
export interface AppConfigSourceOptions {
  /** Application name or id. Default: `FAULTLINE_APPCONFIG_APPLICATION`. */
  readonly application?: string;
  /** AppConfig environment name or id (e.g. `prod`). Default: `FAULTLINE_APPCONFIG_ENVIRONMENT`. */
  readonly appconfigEnvironment?: string;
  /** Configuration profile name or id (a freeform profile holding the experiment). Default: `FAULTLINE_APPCONFIG_PROFILE`. */
  readonly profile?: string;
  /**
   * `auto` (default; `FAULTLINE_APPCONFIG_MODE`) reads through the AppConfig Lambda extension when it is present (an
   * `AWS_APPCONFIG_EXTENSION_*` variable is set, or an AppConfig extension is installed in `/opt/extensions`), else
   * with AppConfigData.
   */
  readonly mode?: AppConfigReadMode;
  /**
   * `RequiredMinimumPollIntervalInSeconds` of the AppConfigData session (15–86400). Reads in between are answered
   * from memory, without a call. Default 15 (AppConfig's minimum): the engine's TTL (30 s) then sets the pace.
   */
  readonly pollIntervalSeconds?: number;
  /** Your own `AppConfigDataClient` (sdk mode). Default: one created on first use. */
  readonly client?: AppConfigDataClientLike;
  /** Settings for the client the source creates (`endpoint`, `region`, …). `maxAttempts` defaults to 1: the cache retries. */
  readonly clientConfig?: {
    readonly endpoint?: string;
    readonly region?: string;
    readonly [option: string]: unknown;
  };
  /**
   * The extension's endpoint (extension mode). Default `http://localhost:<AWS_APPCONFIG_EXTENSION_HTTP_PORT or
   * 2772>`.
   */
  readonly extensionEndpoint?: string;
  /** Where Lambda extensions are installed, for `auto`. Default `/opt/extensions`. */
  readonly extensionsDirectory?: string;
  /** Clock for the poll interval. Default: the system clock. */
  readonly clock?: Clock;
  /** Read once for the `FAULTLINE_APPCONFIG_*` and `AWS_APPCONFIG_EXTENSION_*` variables. Default `process.env`. */
  readonly environment?: Readonly<Record<string, string | undefined>>;
}

/**
 * The AppConfig source has a setting it cannot use (`code` `INVALID_OPTION`): a required one is missing or one is
 * invalid. Like every config source, creating it never throws: each `load()` rejects with this error, which the
 * engine reports once as a `config-error` event naming the option and its variable, and the function runs without
 * faults.
 *
 * @example
 * ```ts
 * const source = createAppConfigSource({ environment: {} });
 * await source.load({ signal: new AbortController().signal }).catch((error) => {
 *   if (error instanceof InvalidAppConfigSourceOptionError) console.error(error.message); // names the variable
 * });
 * ```
 */
export class InvalidAppConfigSourceOptionError extends FaultlineError {
  override readonly name = 'InvalidAppConfigSourceOptionError';
  declare readonly code: 'INVALID_OPTION';

  constructor(message: string) {
    super('INVALID_OPTION', message);
  }
}

/** What the mode readers implement (loaded with `import()` on the first read). */
export interface AppConfigReader {
  load(request: ConfigLoadRequest): Promise<ConfigLoadResult>;
}

/** Everything the readers need, resolved at creation. */
export interface ResolvedAppConfigSettings {
  readonly name: string;
  readonly application: string;
  readonly appconfigEnvironment: string;
  readonly profile: string;
  readonly pollIntervalSeconds: number;
  readonly client: AppConfigDataClientLike | undefined;
  readonly clientConfig: AppConfigSourceOptions['clientConfig'];
  readonly extensionEndpoint: string;
  readonly clock: Clock;
}

const identifierPattern = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * A config source reading a freeform AWS AppConfig configuration profile: the experiment document (JSON or YAML)
 * that is **deployed** to one environment. Two ways to read, chosen once:
 *
 * - **extension** — a local HTTP GET to the AWS AppConfig Agent Lambda extension, which polls AppConfig in the
 *   background and caches the document (`auto` picks it when the extension is present). The version is the
 *   extension's `Configuration-Version` (the hosted version number).
 * - **sdk** — an AppConfigData session (`StartConfigurationSession`, then `GetLatestConfiguration` with the
 *   session token, never sooner than `NextPollIntervalInSeconds`; an empty body means unchanged).
 *   `@aws-sdk/client-appconfigdata` is imported on the first read only. The version is a content hash.
 *
 * A configuration that does not exist, or nothing deployed yet, means "no experiment" (no faults, one warning); any
 * other failure is thrown so the core cache backs off and keeps the last good config. The source name is
 * `aws-appconfig:<application>/<environment>/<profile>`.
 *
 * @example
 * ```ts
 * import { withFaults } from '@faultline/aws-lambda';
 * import { createAppConfigSource } from '@faultline/aws-lambda/appconfig';
 *
 * const source = createAppConfigSource({ application: 'orders', appconfigEnvironment: 'prod', profile: 'faultline' });
 * export const handler = withFaults(async () => ({ statusCode: 200, body: 'ok' }), { source });
 * ```
 */
export function createAppConfigSource(options: AppConfigSourceOptions = {}): ConfigSource {
  const variables = options.environment ?? process.env;
  try {
    return createResolvedSource(options, variables);
  } catch (error) {
    if (!(error instanceof InvalidAppConfigSourceOptionError)) throw error;
    // Settings it cannot use are reported by every read (one config-error event), never thrown at creation.
    const part = (value: string | undefined, suffix: string) =>
      nonEmpty(value) ??
      nonEmpty(variables[`FAULTLINE_APPCONFIG_${suffix}`]) ??
      `(no FAULTLINE_APPCONFIG_${suffix})`;
    return {
      name: `aws-appconfig:${part(options.application, 'APPLICATION')}/${part(options.appconfigEnvironment, 'ENVIRONMENT')}/${part(options.profile, 'PROFILE')}`,
      load: () => Promise.reject(error),
    };
  }
}

function createResolvedSource(
  options: AppConfigSourceOptions,
  variables: Readonly<Record<string, string | undefined>>,
): ConfigSource {
  const setting = (value: string | undefined, variable: string, option: string, example: string): string => {
    const chosen = nonEmpty(value) ?? nonEmpty(variables[variable]);
    if (chosen === undefined) {
      throw new InvalidAppConfigSourceOptionError(
        `createAppConfigSource needs ${option}: pass { ${option}: '${example}' } or set ${variable}`,
      );
    }
    if (!identifierPattern.test(chosen)) {
      throw new InvalidAppConfigSourceOptionError(
        `createAppConfigSource: ${option} "${chosen}" is not an AppConfig name or id (letters, digits, . _ -; at most 128 characters; set with ${variable})`,
      );
    }
    return chosen;
  };
  const application = setting(
    options.application,
    'FAULTLINE_APPCONFIG_APPLICATION',
    'application',
    'orders',
  );
  const appconfigEnvironment = setting(
    options.appconfigEnvironment,
    'FAULTLINE_APPCONFIG_ENVIRONMENT',
    'appconfigEnvironment',
    'prod',
  );
  const profile = setting(options.profile, 'FAULTLINE_APPCONFIG_PROFILE', 'profile', 'faultline');
  const modeText =
    nonEmpty(options.mode) ?? nonEmpty(variables.FAULTLINE_APPCONFIG_MODE)?.toLowerCase() ?? 'auto';
  if (!(appConfigReadModes as readonly string[]).includes(modeText)) {
    throw new InvalidAppConfigSourceOptionError(
      `createAppConfigSource: mode "${modeText}" is not one of ${appConfigReadModes.join(', ')} (option mode or FAULTLINE_APPCONFIG_MODE)`,
    );
  }
  const pollIntervalSeconds = options.pollIntervalSeconds ?? 15;
  if (!Number.isInteger(pollIntervalSeconds) || pollIntervalSeconds < 15 || pollIntervalSeconds > 86_400) {
    throw new InvalidAppConfigSourceOptionError(
      `createAppConfigSource: pollIntervalSeconds must be a whole number from 15 to 86400 (AppConfigData's limits), got ${pollIntervalSeconds}`,
    );
  }
  const port = nonEmpty(variables.AWS_APPCONFIG_EXTENSION_HTTP_PORT) ?? '2772';
  const extensionEndpoint = (options.extensionEndpoint ?? `http://localhost:${port}`).replace(/\/+$/, '');
  // An AWS_APPCONFIG_EXTENSION_* variable is only set for the extension: it decides `auto` without a file-system look.
  const extensionConfigured = Object.keys(variables).some((name) =>
    name.startsWith('AWS_APPCONFIG_EXTENSION_'),
  );
  const name = `aws-appconfig:${application}/${appconfigEnvironment}/${profile}`;
  const settings: ResolvedAppConfigSettings = {
    name,
    application,
    appconfigEnvironment,
    profile,
    pollIntervalSeconds,
    client: options.client,
    clientConfig: options.clientConfig,
    extensionEndpoint,
    clock: options.clock ?? systemClock,
  };

  let reader: Promise<AppConfigReader> | undefined;
  const openReader = (): Promise<AppConfigReader> => {
    reader ??= chooseMode(modeText as AppConfigReadMode, extensionConfigured, options.extensionsDirectory)
      .then((mode) =>
        mode === 'extension'
          ? import('./extension-reader.js').then((module) => module.createExtensionReader(settings))
          : import('./appconfig-data-reader.js').then((module) => module.createAppConfigDataReader(settings)),
      )
      .catch((error: unknown) => {
        // Let a later read try again (e.g. after a transient module-loading failure).
        reader = undefined;
        throw error;
      });
    return reader;
  };

  return {
    name,
    async load(request: ConfigLoadRequest): Promise<ConfigLoadResult> {
      request.signal.throwIfAborted();
      return (await openReader()).load(request);
    },
  };
}

async function chooseMode(
  mode: AppConfigReadMode,
  extensionConfigured: boolean,
  extensionsDirectory = '/opt/extensions',
): Promise<'sdk' | 'extension'> {
  if (mode !== 'auto') return mode;
  if (extensionConfigured) return 'extension';
  try {
    const { readdir } = await import('node:fs/promises');
    const installed = await readdir(extensionsDirectory);
    return installed.some((entry) => /appconfig/i.test(entry)) ? 'extension' : 'sdk';
  } catch {
    // No extensions directory (outside Lambda, or no layer at all).
    return 'sdk';
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}
