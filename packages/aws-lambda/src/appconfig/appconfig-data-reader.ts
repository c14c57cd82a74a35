import type { ConfigLoadRequest, ConfigLoadResult } from '@faultline/core';
import { contentVersionOf } from '@faultline/core/adapter-kit';
import { awsErrorCode } from '../aws-error-code.js';
import { AppConfigSourceError } from './appconfig-errors.js';
import type {
  AppConfigDataClientLike,
  AppConfigReader,
  ResolvedAppConfigSettings,
} from './appconfig-source.js';

/** What the session last learned: the document, or that there is none. */
type Known =
  | { readonly kind: 'document'; readonly text: string; readonly version: string }
  | { readonly kind: 'missing' };

interface AppConfigDataSdk {
  readonly client: AppConfigDataClientLike;
  readonly StartConfigurationSessionCommand: new (input: {
    ApplicationIdentifier: string;
    EnvironmentIdentifier: string;
    ConfigurationProfileIdentifier: string;
    RequiredMinimumPollIntervalInSeconds: number;
  }) => unknown;
  readonly GetLatestConfigurationCommand: new (input: { ConfigurationToken: string }) => unknown;
}

interface GetLatestConfigurationOutput {
  readonly NextPollConfigurationToken?: string;
  readonly NextPollIntervalInSeconds?: number;
  readonly Configuration?: Uint8Array | null;
}

const errorHints: Readonly<Record<string, string>> = {
  AccessDeniedException:
    'grant the function role appconfig:StartConfigurationSession and appconfig:GetLatestConfiguration on this configuration profile',
  ThrottlingException:
    'AppConfigData is throttling this account: raise FAULTLINE_CONFIG_TTL_MS or pollIntervalSeconds',
};

/**
 * Reads through an AppConfigData session. AppConfig tracks what this session has already received: an empty body
 * means "what you have is current", so the last document (or its absence) is kept here and served until a poll
 * brings something new. Polls never happen sooner than the session's `NextPollIntervalInSeconds`; reads in between
 * are answered from memory. A token that AppConfig refuses (used, expired, too early) starts a new session once.
 */
export function createAppConfigDataReader(settings: ResolvedAppConfigSettings): AppConfigReader {
  let sdk: Promise<AppConfigDataSdk> | undefined;
  let token: string | undefined;
  let nextPollAtMs = 0;
  let known: Known | undefined;

  const loadSdk = (): Promise<AppConfigDataSdk> => {
    sdk ??= import('@aws-sdk/client-appconfigdata').then(
      (module) => ({
        client:
          settings.client ??
          (new module.AppConfigDataClient({
            maxAttempts: 1,
            ...settings.clientConfig,
          }) as AppConfigDataClientLike),
        StartConfigurationSessionCommand: module.StartConfigurationSessionCommand,
        GetLatestConfigurationCommand: module.GetLatestConfigurationCommand,
      }),
      (error: unknown) => {
        sdk = undefined;
        throw new AppConfigSourceError(
          settings.name,
          'SdkNotInstalled',
          `${settings.name}: cannot load @aws-sdk/client-appconfigdata (install it, or attach the AppConfig Lambda extension and set FAULTLINE_APPCONFIG_MODE=extension): ${(error as Error).message}`,
          { cause: error },
        );
      },
    );
    return sdk;
  };

  const answer = (previousVersion: string | undefined): ConfigLoadResult => {
    if (known === undefined || known.kind === 'missing') return { kind: 'missing' };
    if (previousVersion === known.version) return { kind: 'unchanged' };
    return { kind: 'document', document: known.text, version: known.version };
  };

  const fail = (operation: string, error: unknown): AppConfigSourceError => {
    const code = awsErrorCode(error);
    const hint = errorHints[code];
    return new AppConfigSourceError(
      settings.name,
      code,
      `${operation} for ${settings.name} failed with ${code}: ${(error as Error)?.message ?? String(error)}` +
        (hint === undefined ? '' : ` (${hint})`),
      { cause: error },
    );
  };

  const startSession = async (loaded: AppConfigDataSdk, signal: AbortSignal): Promise<string | undefined> => {
    try {
      const output = (await loaded.client.send(
        new loaded.StartConfigurationSessionCommand({
          ApplicationIdentifier: settings.application,
          EnvironmentIdentifier: settings.appconfigEnvironment,
          ConfigurationProfileIdentifier: settings.profile,
          RequiredMinimumPollIntervalInSeconds: settings.pollIntervalSeconds,
        }) as never,
        { abortSignal: signal },
      )) as { InitialConfigurationToken?: string };
      return output.InitialConfigurationToken;
    } catch (error) {
      if (awsErrorCode(error) === 'ResourceNotFoundException') return undefined;
      throw fail('StartConfigurationSession', error);
    }
  };

  return {
    async load({ signal, previousVersion }: ConfigLoadRequest): Promise<ConfigLoadResult> {
      signal.throwIfAborted();
      const nowMs = settings.clock.now();
      if (known !== undefined && nowMs < nextPollAtMs) return answer(previousVersion);
      const loaded = await loadSdk();
      for (let attempt = 1; ; attempt++) {
        const firstOfSession = token === undefined;
        if (token === undefined) {
          token = await startSession(loaded, signal);
          if (token === undefined) {
            // The application, environment or profile does not exist: no experiment. Ask again next interval.
            known = { kind: 'missing' };
            nextPollAtMs = settings.clock.now() + settings.pollIntervalSeconds * 1000;
            return answer(previousVersion);
          }
        }
        let output: GetLatestConfigurationOutput;
        try {
          output = (await loaded.client.send(
            new loaded.GetLatestConfigurationCommand({ ConfigurationToken: token }) as never,
            { abortSignal: signal },
          )) as GetLatestConfigurationOutput;
        } catch (error) {
          const code = awsErrorCode(error);
          if (code === 'ResourceNotFoundException') {
            token = undefined;
            known = { kind: 'missing' };
            nextPollAtMs = settings.clock.now() + settings.pollIntervalSeconds * 1000;
            return answer(previousVersion);
          }
          if (code === 'BadRequestException' && attempt === 1 && !firstOfSession) {
            // The token was used, expired or refused (e.g. a read the fetch budget aborted after AppConfig
            // consumed it): start a new session, once.
            token = undefined;
            continue;
          }
          throw fail('GetLatestConfiguration', error);
        }
        token = output.NextPollConfigurationToken;
        const intervalSeconds = output.NextPollIntervalInSeconds ?? settings.pollIntervalSeconds;
        nextPollAtMs = settings.clock.now() + intervalSeconds * 1000;
        const body = output.Configuration;
        if (body !== undefined && body !== null && body.byteLength > 0) {
          const text = new TextDecoder().decode(body);
          known = { kind: 'document', text, version: await contentVersionOf(text) };
        } else if (firstOfSession || known === undefined) {
          // The first answer of a session is the whole configuration: empty means nothing is deployed.
          known = { kind: 'missing' };
        }
        return answer(previousVersion);
      }
    },
  };
}
