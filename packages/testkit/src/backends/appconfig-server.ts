import { randomBytes, randomInt } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FaultlineError } from '@faultline/core';

/**
 * A local AWS AppConfig for tests: the control plane, the AppConfigData API and the AppConfig Agent Lambda
 * extension's HTTP API, over loopback, for the official `@aws-sdk/client-appconfig` and
 * `@aws-sdk/client-appconfigdata` clients.
 *
 * How state is split, honestly: moto 5.2.1 serves AppConfig's control plane for applications, configuration
 * profiles and hosted configuration versions, but not environments, deployment strategies, deployments or
 * AppConfigData. This server is the one endpoint the clients talk to. It **forwards** the operations moto serves to
 * moto unchanged (moto owns those records), **reads** moto's records through moto's own state endpoint
 * (`/moto-api/data.json`) where moto lacks a list operation (`ListApplications`, `ListHostedConfigurationVersions`,
 * names → ids), and **owns** environments, deployment strategies (with AWS's four predefined ones) and deployments.
 * A deployment snapshots the hosted version's content from moto when it starts, as AppConfig does, and
 * AppConfigData and the extension serve deployed content only.
 *
 * What it adds on top of moto, following the AppConfig API reference: `LatestVersionNumber` on
 * `CreateHostedConfigurationVersion` (409 when another version was created meanwhile), JSON Schema validators run on
 * `CreateHostedConfigurationVersion` and `StartDeployment` (400 `BadRequestException` with `InvalidConfiguration`
 * details), one deployment in progress per environment (409), `LatestDeploymentNumber` on `StartDeployment` (409),
 * deployments that progress with the server clock (linear or exponential growth over the strategy's duration, then
 * the final bake, then `COMPLETE`), `StopDeployment` (`ROLLED_BACK` while in progress, `REVERTED` with
 * `Allow-Revert` after completion) and moto's not-found answers mapped from 400 to AWS's 404.
 *
 * AppConfigData: `StartConfigurationSession` resolves names or ids (404 when one does not exist) and returns a
 * token; `GetLatestConfiguration` accepts each token once and for 24 hours (400 otherwise), records a poll that came
 * before the session's interval ran out (`earlyPoll`), and answers the deployed content when it changed for this session, an empty body
 * otherwise, with `Next-Poll-Configuration-Token`, `Next-Poll-Interval-In-Seconds`, `Content-Type` and
 * `Version-Label`. During a gradual deployment each session is served the new version when its random bucket is
 * below the deployment's percentage, the previous one otherwise.
 *
 * Requests must carry an AWS Signature V4 `Authorization` header whose credential scope names the right signing
 * service (`appconfig` for the control plane, `appconfigdata` for the data plane); the signature itself is not
 * recomputed.
 */

/** One request the server answered, for contract assertions. */
export interface AppConfigRequestRecord {
  /** Which API the request belongs to. */
  readonly api: 'appconfig' | 'appconfigdata' | 'extension';
  /** The operation, e.g. `StartConfigurationSession`, `CreateHostedConfigurationVersion`. */
  readonly operation: string;
  readonly method: string;
  /** Path without the query string. */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /** Request headers that carry API parameters (lower-case names), e.g. `latest-version-number`, `allow-revert`. */
  readonly headers: Readonly<Record<string, string>>;
  /** The JSON body, when there was one. */
  readonly body: unknown;
  /** The signing service of the `Authorization` credential scope (`undefined` for the extension API). */
  readonly signingService: string | undefined;
  readonly status: number;
  /** The AWS error type answered, e.g. `ConflictException`. */
  readonly errorType: string | undefined;
  /** True when moto answered it. */
  readonly forwardedToMoto: boolean;
  /** The server clock when it arrived. */
  readonly atMs: number;
  /** A `GetLatestConfiguration` that came before the session's poll interval ran out (AppConfig still answers it). */
  readonly earlyPoll: boolean;
}

/** Options of {@link startAppConfigServer}. */
export interface StartAppConfigServerOptions {
  /** The moto server holding applications, configuration profiles and hosted configuration versions. */
  readonly motoEndpoint: string;
  /** The server clock (deployment progress, poll intervals, token age). Default `Date.now`. */
  readonly now?: () => number;
  /** `NextPollIntervalInSeconds` for sessions that set no `RequiredMinimumPollIntervalInSeconds`. Default 60. */
  readonly defaultPollIntervalSeconds?: number;
  /** The extension's own poll interval (`AWS_APPCONFIG_EXTENSION_POLL_INTERVAL_SECONDS`). Default 45. */
  readonly extensionPollIntervalSeconds?: number;
}

/** A running local AppConfig. */
export interface AppConfigServer {
  /** Control plane and AppConfigData, e.g. `http://127.0.0.1:51234`: the `endpoint` of both SDK clients. */
  readonly endpoint: string;
  /** The AppConfig Agent Lambda extension's HTTP API, e.g. `http://127.0.0.1:51235` (2772 in Lambda). */
  readonly extensionEndpoint: string;
  /** Its port, for `AWS_APPCONFIG_EXTENSION_HTTP_PORT`. */
  readonly extensionPort: number;
  /** Every request answered so far, oldest first. */
  readonly requests: readonly AppConfigRequestRecord[];
  /** Forgets the request log (not the data). */
  clearRequests(): void;
  /**
   * Answers the next `count` requests of `api` with `status` and `errorType` before any other processing, to drill
   * client error handling (e.g. 429 `ThrottlingException`).
   */
  failNextRequests(
    api: AppConfigRequestRecord['api'],
    status: number,
    errorType: string,
    count?: number,
  ): void;
  /**
   * Answers these operations (e.g. `CreateDeploymentStrategy`) with 403 `AccessDeniedException` from now on, as
   * AppConfig does for a role without the permission; `denyOperations([])` allows everything again.
   */
  denyOperations(operations: readonly string[]): void;
  stop(): Promise<void>;
}

/** The server could not start or moto could not be reached. */
export class AppConfigServerError extends FaultlineError {
  override readonly name = 'AppConfigServerError';

  constructor(message: string, options?: { cause?: unknown }) {
    super('BACKEND_UNAVAILABLE', message, options);
  }
}

interface Strategy {
  readonly Id: string;
  readonly Name: string;
  readonly Description: string;
  readonly DeploymentDurationInMinutes: number;
  readonly GrowthType: 'LINEAR' | 'EXPONENTIAL';
  readonly GrowthFactor: number;
  readonly FinalBakeTimeInMinutes: number;
  readonly ReplicateTo: 'NONE' | 'SSM_DOCUMENT';
}

interface EnvironmentRecord {
  readonly ApplicationId: string;
  readonly Id: string;
  Name: string;
  Description: string | undefined;
  readonly Monitors: unknown[];
}

interface DeploymentRecord {
  readonly number: number;
  readonly applicationId: string;
  readonly environmentId: string;
  readonly profileId: string;
  readonly profileName: string;
  readonly locationUri: string;
  readonly version: string;
  readonly versionLabel: string | undefined;
  readonly content: Buffer;
  readonly contentType: string;
  readonly strategy: Strategy;
  readonly description: string | undefined;
  readonly startedAtMs: number;
  stopped: { readonly state: 'ROLLED_BACK' | 'REVERTED'; readonly atMs: number } | undefined;
}

interface SessionToken {
  readonly session: Session;
  readonly issuedAtMs: number;
  readonly notBeforeMs: number;
  used: boolean;
}

interface Session {
  readonly applicationId: string;
  readonly environmentId: string;
  readonly profileId: string;
  readonly pollIntervalSeconds: number;
  /** 0–99: served the new version of a gradual deployment once its percentage passes this bucket. */
  readonly bucket: number;
  /** Deployment number of the content this session was last sent (0: nothing yet). */
  lastSent: number;
}

interface ExtensionCacheEntry {
  readonly fetchedAtMs: number;
  readonly deployment: DeploymentRecord | undefined;
}

interface MotoApplication {
  readonly id: string;
  readonly name: string;
  readonly description: string | null;
}

interface MotoProfile {
  readonly id: string;
  readonly application_id: string;
  readonly name: string;
  readonly location_uri: string;
  readonly validators: readonly { Type: string; Content: string }[] | null;
  readonly description: string | null;
}

interface MotoHostedVersion {
  readonly app_id: string;
  readonly config_id: string;
  readonly version: number;
  readonly description: string | null;
  readonly content_type: string | null;
  readonly version_label: string | null;
}

interface MotoState {
  readonly applications: readonly MotoApplication[];
  readonly profiles: readonly MotoProfile[];
  readonly versions: readonly MotoHostedVersion[];
}

/** A response to send: status, headers and a JSON value or raw bytes. */
interface Reply {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly json?: unknown;
  readonly raw?: Buffer;
  readonly errorType?: string;
  readonly forwardedToMoto?: boolean;
}

/** An answer in AppConfig's error shape (`status`, `x-amzn-errortype`), thrown inside a handler. */
class ApiError extends FaultlineError {
  constructor(
    readonly status: number,
    readonly errorType: string,
    message: string,
    readonly extra: Readonly<Record<string, unknown>> = {},
  ) {
    super('BACKEND_FAILED', message);
  }
}

const minuteMs = 60_000;
const tokenLifetimeMs = 24 * 60 * minuteMs;
const revertWindowMs = 72 * 60 * minuteMs;
const maxBodyBytes = 2 * 1024 * 1024;

/** AWS's predefined strategies, as the AppConfig user guide documents them. */
const predefinedStrategies: readonly Strategy[] = [
  {
    Id: 'AppConfig.Linear20PercentEvery6Minutes',
    Name: 'AppConfig.Linear20PercentEvery6Minutes',
    Description: 'AWS recommended: 20% every 6 minutes over 30 minutes, 30 minutes of bake time',
    DeploymentDurationInMinutes: 30,
    GrowthType: 'LINEAR',
    GrowthFactor: 20,
    FinalBakeTimeInMinutes: 30,
    ReplicateTo: 'NONE',
  },
  {
    Id: 'AppConfig.Canary10Percent20Minutes',
    Name: 'AppConfig.Canary10Percent20Minutes',
    Description: 'AWS recommended: exponential growth from 10% over 20 minutes, 10 minutes of bake time',
    DeploymentDurationInMinutes: 20,
    GrowthType: 'EXPONENTIAL',
    GrowthFactor: 10,
    FinalBakeTimeInMinutes: 10,
    ReplicateTo: 'NONE',
  },
  {
    Id: 'AppConfig.AllAtOnce',
    Name: 'AppConfig.AllAtOnce',
    Description: 'Quick: all targets at once, 10 minutes of bake time',
    DeploymentDurationInMinutes: 0,
    GrowthType: 'LINEAR',
    GrowthFactor: 100,
    FinalBakeTimeInMinutes: 10,
    ReplicateTo: 'NONE',
  },
  {
    Id: 'AppConfig.Linear50PercentEvery30Seconds',
    Name: 'AppConfig.Linear50PercentEvery30Seconds',
    Description: 'Testing/demonstration: 50% every 30 seconds over 1 minute, 1 minute of bake time',
    DeploymentDurationInMinutes: 1,
    GrowthType: 'LINEAR',
    GrowthFactor: 50,
    FinalBakeTimeInMinutes: 1,
    ReplicateTo: 'NONE',
  },
];

/**
 * Starts the local AppConfig in front of a moto server (see the module comment for what lives where). Both SDK
 * clients use `endpoint`; a function under test reads the extension API at `extensionEndpoint`.
 *
 * @example
 * ```ts
 * import { AppConfigClient, CreateApplicationCommand } from '@aws-sdk/client-appconfig';
 * import { startAppConfigServer, startMoto } from '@faultline/testkit';
 *
 * const moto = await startMoto();
 * const appconfig = await startAppConfigServer({ motoEndpoint: moto.endpoint });
 * const client = new AppConfigClient({ endpoint: appconfig.endpoint, region: 'us-east-1' });
 * const application = await client.send(new CreateApplicationCommand({ Name: 'orders' }));
 * await appconfig.stop();
 * ```
 */
export async function startAppConfigServer(options: StartAppConfigServerOptions): Promise<AppConfigServer> {
  const moto = options.motoEndpoint.replace(/\/+$/, '');
  const now = options.now ?? Date.now;
  const defaultPollIntervalSeconds = options.defaultPollIntervalSeconds ?? 60;
  const extensionPollIntervalMs = (options.extensionPollIntervalSeconds ?? 45) * 1000;
  const requests: AppConfigRequestRecord[] = [];
  const environments = new Map<string, EnvironmentRecord>();
  const strategies = new Map<string, Strategy>(
    predefinedStrategies.map((strategy) => [strategy.Id, strategy]),
  );
  const deployments = new Map<string, DeploymentRecord[]>();
  const tokens = new Map<string, SessionToken>();
  const extensionCache = new Map<string, ExtensionCacheEntry>();
  const denied = new Set<string>();
  const failures = new Map<
    AppConfigRequestRecord['api'],
    { status: number; errorType: string; remaining: number }
  >();
  // Creating a hosted version checks the latest number and then creates: one at a time per profile.
  const versionLocks = new Map<string, Promise<unknown>>();

  const deploymentsOf = (applicationId: string, environmentId: string): DeploymentRecord[] => {
    const key = `${applicationId}/${environmentId}`;
    let list = deployments.get(key);
    if (list === undefined) {
      list = [];
      deployments.set(key, list);
    }
    return list;
  };

  // ---- moto ----------------------------------------------------------------------------------------------------

  const forward = async (
    method: string,
    pathAndQuery: string,
    headers: Readonly<Record<string, string | string[] | undefined>>,
    body: Buffer,
  ): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> => {
    const target = new URL(pathAndQuery, moto);
    const outgoing: Record<string, string> = {};
    for (const [name, value] of Object.entries(headers)) {
      if (value === undefined || name === 'host' || name === 'connection' || name === 'content-length')
        continue;
      outgoing[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    outgoing['content-length'] = String(body.byteLength);
    return new Promise((resolve, reject) => {
      const forwarded = httpRequest(target, { method, headers: outgoing }, (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => {
          const answerHeaders: Record<string, string> = {};
          for (const [name, value] of Object.entries(answer.headers)) {
            if (value !== undefined) answerHeaders[name] = Array.isArray(value) ? value.join(', ') : value;
          }
          resolve({ status: answer.statusCode ?? 500, headers: answerHeaders, body: Buffer.concat(chunks) });
        });
        answer.on('error', reject);
      });
      forwarded.on('error', (error) =>
        reject(
          new ApiError(500, 'InternalServerException', `moto at ${moto} is unreachable: ${error.message}`),
        ),
      );
      forwarded.end(body);
    });
  };

  /** Calls moto's own control plane with a signature-shaped header (moto reads the region and service from it). */
  const motoCall = async (method: string, path: string, body?: unknown) => {
    const payload = body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(body));
    const answer = await forward(
      method,
      path,
      {
        authorization: `AWS4-HMAC-SHA256 Credential=testing/20260101/${motoRegion}/appconfig/aws4_request, SignedHeaders=host, Signature=0`,
        'content-type': 'application/json',
      },
      payload,
    );
    return answer;
  };
  let motoRegion = 'us-east-1';

  const motoState = async (): Promise<MotoState> => {
    const answer = await forward('GET', '/moto-api/data.json', {}, Buffer.alloc(0));
    if (answer.status !== 200) {
      throw new ApiError(
        500,
        'InternalServerException',
        `moto's /moto-api/data.json answered ${answer.status}`,
      );
    }
    const state = JSON.parse(answer.body.toString('utf8')) as {
      appconfig?: {
        Application?: MotoApplication[];
        ConfigurationProfile?: MotoProfile[];
        HostedConfigurationVersion?: MotoHostedVersion[];
      };
    };
    return {
      applications: state.appconfig?.Application ?? [],
      profiles: state.appconfig?.ConfigurationProfile ?? [],
      versions: state.appconfig?.HostedConfigurationVersion ?? [],
    };
  };

  const getApplication = async (applicationId: string): Promise<{ Id: string; Name: string }> => {
    const answer = await motoCall('GET', `/applications/${encodeURIComponent(applicationId)}`);
    if (answer.status >= 300) throw new ApiError(404, 'ResourceNotFoundException', 'Application not found');
    return JSON.parse(answer.body.toString('utf8')) as { Id: string; Name: string };
  };

  const getProfile = async (
    applicationId: string,
    profileId: string,
  ): Promise<{
    Id: string;
    Name: string;
    LocationUri: string;
    Validators: { Type: string; Content: string }[] | null;
  }> => {
    const answer = await motoCall(
      'GET',
      `/applications/${encodeURIComponent(applicationId)}/configurationprofiles/${encodeURIComponent(profileId)}`,
    );
    if (answer.status >= 300)
      throw new ApiError(404, 'ResourceNotFoundException', 'ConfigurationProfile not found');
    return JSON.parse(answer.body.toString('utf8'));
  };

  const getHostedVersion = async (
    applicationId: string,
    profileId: string,
    version: number,
  ): Promise<{ content: Buffer; contentType: string; versionLabel: string | undefined } | undefined> => {
    const answer = await motoCall(
      'GET',
      `/applications/${applicationId}/configurationprofiles/${profileId}/hostedconfigurationversions/${version}`,
    );
    if (answer.status >= 300) return undefined;
    return {
      content: answer.body,
      contentType: answer.headers['content-type'] ?? 'application/octet-stream',
      versionLabel: answer.headers.versionlabel || undefined,
    };
  };

  // ---- deployments -------------------------------------------------------------------------------------------------

  const progress = (deployment: DeploymentRecord, atMs: number) => {
    const { strategy } = deployment;
    const durationMs = strategy.DeploymentDurationInMinutes * minuteMs;
    const bakeMs = strategy.FinalBakeTimeInMinutes * minuteMs;
    if (deployment.stopped !== undefined) {
      return { state: deployment.stopped.state, percentage: 0, completedAtMs: deployment.stopped.atMs };
    }
    const elapsed = atMs - deployment.startedAtMs;
    if (elapsed < durationMs) {
      return {
        state: 'DEPLOYING' as const,
        percentage: percentageAt(strategy, elapsed),
        completedAtMs: undefined,
      };
    }
    if (elapsed < durationMs + bakeMs) {
      return { state: 'BAKING' as const, percentage: 100, completedAtMs: undefined };
    }
    return {
      state: 'COMPLETE' as const,
      percentage: 100,
      completedAtMs: deployment.startedAtMs + durationMs + bakeMs,
    };
  };

  const inProgress = (deployment: DeploymentRecord, atMs: number): boolean => {
    const { state } = progress(deployment, atMs);
    return state === 'DEPLOYING' || state === 'BAKING';
  };

  /** What a client with `bucket` is served for a profile right now (undefined: nothing deployed). */
  const servedDeployment = (
    applicationId: string,
    environmentId: string,
    profileId: string,
    bucket: number,
  ): DeploymentRecord | undefined => {
    const atMs = now();
    const effective = deploymentsOf(applicationId, environmentId).filter(
      (deployment) => deployment.profileId === profileId && deployment.stopped === undefined,
    );
    const latest = effective.at(-1);
    if (latest === undefined) return undefined;
    const { state, percentage } = progress(latest, atMs);
    if (state === 'DEPLOYING' && bucket >= percentage) return effective.at(-2);
    return latest;
  };

  const deploymentJson = (deployment: DeploymentRecord) => {
    const { state, percentage, completedAtMs } = progress(deployment, now());
    return {
      ApplicationId: deployment.applicationId,
      EnvironmentId: deployment.environmentId,
      DeploymentStrategyId: deployment.strategy.Id,
      ConfigurationProfileId: deployment.profileId,
      DeploymentNumber: deployment.number,
      ConfigurationName: deployment.profileName,
      ConfigurationLocationUri: deployment.locationUri,
      ConfigurationVersion: deployment.version,
      ...(deployment.description === undefined ? {} : { Description: deployment.description }),
      DeploymentDurationInMinutes: deployment.strategy.DeploymentDurationInMinutes,
      GrowthType: deployment.strategy.GrowthType,
      GrowthFactor: deployment.strategy.GrowthFactor,
      FinalBakeTimeInMinutes: deployment.strategy.FinalBakeTimeInMinutes,
      State: state,
      EventLog: [],
      PercentageComplete: percentage,
      StartedAt: new Date(deployment.startedAtMs).toISOString(),
      ...(completedAtMs === undefined ? {} : { CompletedAt: new Date(completedAtMs).toISOString() }),
      ...(deployment.versionLabel === undefined ? {} : { VersionLabel: deployment.versionLabel }),
    };
  };

  const environmentState = (environment: EnvironmentRecord): string => {
    const latest = deploymentsOf(environment.ApplicationId, environment.Id).at(-1);
    if (latest === undefined) return 'ReadyForDeployment';
    const { state } = progress(latest, now());
    if (state === 'DEPLOYING' || state === 'BAKING') return 'Deploying';
    if (state === 'ROLLED_BACK') return 'RolledBack';
    if (state === 'REVERTED') return 'Reverted';
    return 'ReadyForDeployment';
  };

  const environmentJson = (environment: EnvironmentRecord) => ({
    ApplicationId: environment.ApplicationId,
    Id: environment.Id,
    Name: environment.Name,
    ...(environment.Description === undefined ? {} : { Description: environment.Description }),
    State: environmentState(environment),
    Monitors: environment.Monitors,
  });

  const requireEnvironment = (applicationId: string, environmentId: string): EnvironmentRecord => {
    const environment = environments.get(environmentId);
    if (environment === undefined || environment.ApplicationId !== applicationId) {
      throw new ApiError(404, 'ResourceNotFoundException', `Environment ${environmentId} not found`, {
        ResourceName: environmentId,
      });
    }
    return environment;
  };

  const validate = async (
    validators: readonly { Type: string; Content: string }[] | null | undefined,
    content: Buffer,
  ): Promise<void> => {
    for (const validator of validators ?? []) {
      if (validator.Type !== 'JSON_SCHEMA') continue;
      const { validateWithJsonSchema } = await import('./appconfig-json-schema.js');
      const problems = validateWithJsonSchema(validator.Content, content);
      if (problems.length > 0) {
        throw new ApiError(400, 'BadRequestException', 'Configuration failed validation', {
          Reason: 'InvalidConfiguration',
          Details: { InvalidConfiguration: problems.map((problem) => ({ ...problem, Type: 'JSON_SCHEMA' })) },
        });
      }
    }
  };

  // ---- control plane -------------------------------------------------------------------------------------------

  const controlPlane = async (
    method: string,
    segments: readonly string[],
    query: URLSearchParams,
    headers: IncomingMessage['headers'],
    body: Buffer,
    rawPath: string,
    setOperation: (operation: string) => void,
  ): Promise<Reply> => {
    const passThrough = async (operation: string): Promise<Reply> => {
      setOperation(operation);
      const answer = await forward(method, rawPath, headers, body);
      let status = answer.status;
      const errorType = answer.headers['x-amzn-errortype'];
      // moto answers "not found" with 400; AppConfig with 404.
      if (status === 400 && errorType?.startsWith('ResourceNotFoundException')) status = 404;
      const { 'content-length': _length, connection: _connection, ...rest } = answer.headers;
      return {
        status,
        headers: rest,
        raw: answer.body,
        forwardedToMoto: true,
        ...(status >= 300 && errorType !== undefined ? { errorType: errorType.split(':')[0] } : {}),
      };
    };
    const [first, applicationId, second, secondId, third, thirdId] = segments.map(decodeURIComponent);
    const json = (): Record<string, unknown> => parseJson(body);

    if (first === 'applications' && segments.length === 1) {
      if (method === 'POST') return passThrough('CreateApplication');
      if (method === 'GET') {
        setOperation('ListApplications');
        const { applications } = await motoState();
        const items = applications.map((application) => ({
          Id: application.id,
          Name: application.name,
          ...(application.description === null ? {} : { Description: application.description }),
        }));
        return { status: 200, json: paginate(items, query) };
      }
    }
    if (first === 'applications' && applicationId !== undefined && segments.length === 2) {
      if (method === 'GET') return passThrough('GetApplication');
      if (method === 'PATCH') return passThrough('UpdateApplication');
      if (method === 'DELETE') {
        const reply = await passThrough('DeleteApplication');
        if (reply.status < 300) {
          for (const [id, environment] of environments) {
            if (environment.ApplicationId === applicationId) environments.delete(id);
          }
        }
        return reply;
      }
    }
    if (first === 'applications' && applicationId !== undefined && second === 'configurationprofiles') {
      if (segments.length === 3)
        return passThrough(method === 'POST' ? 'CreateConfigurationProfile' : 'ListConfigurationProfiles');
      if (segments.length === 4) {
        return passThrough(
          method === 'GET'
            ? 'GetConfigurationProfile'
            : method === 'PATCH'
              ? 'UpdateConfigurationProfile'
              : 'DeleteConfigurationProfile',
        );
      }
      if (third === 'hostedconfigurationversions' && secondId !== undefined) {
        if (segments.length === 6) {
          return passThrough(
            method === 'GET' ? 'GetHostedConfigurationVersion' : 'DeleteHostedConfigurationVersion',
          );
        }
        if (method === 'GET') {
          setOperation('ListHostedConfigurationVersions');
          await getProfile(applicationId, secondId);
          const { versions } = await motoState();
          const label = query.get('version_label');
          const items = versions
            .filter((version) => version.app_id === applicationId && version.config_id === secondId)
            .filter((version) => label === null || version.version_label === label)
            .sort((a, b) => b.version - a.version)
            .map((version) => ({
              ApplicationId: version.app_id,
              ConfigurationProfileId: version.config_id,
              VersionNumber: version.version,
              ...(version.description === null ? {} : { Description: version.description }),
              ...(version.content_type === null ? {} : { ContentType: version.content_type }),
              ...(version.version_label === null ? {} : { VersionLabel: version.version_label }),
            }));
          return { status: 200, json: paginate(items, query) };
        }
        if (method === 'POST') {
          setOperation('CreateHostedConfigurationVersion');
          const lockKey = `${applicationId}/${secondId}`;
          const previous = versionLocks.get(lockKey) ?? Promise.resolve();
          const attempt = previous.then(async (): Promise<Reply> => {
            const profile = await getProfile(applicationId, secondId);
            const expected = headerOf(headers, 'latest-version-number');
            if (expected !== undefined) {
              const { versions } = await motoState();
              const latest = Math.max(
                0,
                ...versions
                  .filter((version) => version.app_id === applicationId && version.config_id === secondId)
                  .map((version) => version.version),
              );
              if (Number(expected) !== latest) {
                throw new ApiError(
                  409,
                  'ConflictException',
                  `The latest version number is ${latest}, not ${expected}: another version was created meanwhile`,
                );
              }
            }
            await validate(profile.Validators, body);
            return passThrough('CreateHostedConfigurationVersion').then((reply) =>
              // moto answers 200; AppConfig 201.
              reply.status === 200 ? { ...reply, status: 201 } : reply,
            );
          });
          versionLocks.set(
            lockKey,
            attempt.catch(() => undefined),
          );
          return attempt;
        }
      }
    }
    if (first === 'applications' && applicationId !== undefined && second === 'environments') {
      if (segments.length === 3) {
        await getApplication(applicationId);
        if (method === 'POST') {
          setOperation('CreateEnvironment');
          const input = json();
          const name = requiredString(input, 'Name');
          const environment: EnvironmentRecord = {
            ApplicationId: applicationId,
            Id: resourceId(),
            Name: name,
            Description: optionalString(input, 'Description'),
            Monitors: Array.isArray(input.Monitors) ? input.Monitors : [],
          };
          environments.set(environment.Id, environment);
          return { status: 201, json: environmentJson(environment) };
        }
        if (method === 'GET') {
          setOperation('ListEnvironments');
          const items = [...environments.values()]
            .filter((environment) => environment.ApplicationId === applicationId)
            .map(environmentJson);
          return { status: 200, json: paginate(items, query) };
        }
      }
      if (secondId !== undefined && segments.length === 4) {
        if (method === 'GET') {
          setOperation('GetEnvironment');
          return { status: 200, json: environmentJson(requireEnvironment(applicationId, secondId)) };
        }
        if (method === 'PATCH') {
          setOperation('UpdateEnvironment');
          const environment = requireEnvironment(applicationId, secondId);
          const input = json();
          environment.Name = optionalString(input, 'Name') ?? environment.Name;
          environment.Description = optionalString(input, 'Description') ?? environment.Description;
          return { status: 200, json: environmentJson(environment) };
        }
        if (method === 'DELETE') {
          setOperation('DeleteEnvironment');
          const environment = requireEnvironment(applicationId, secondId);
          const latest = deploymentsOf(applicationId, secondId).at(-1);
          if (latest !== undefined && inProgress(latest, now())) {
            throw new ApiError(409, 'ConflictException', `Deployment ${latest.number} is in progress`);
          }
          environments.delete(environment.Id);
          deployments.delete(`${applicationId}/${secondId}`);
          return { status: 204 };
        }
      }
      if (secondId !== undefined && third === 'deployments') {
        requireEnvironment(applicationId, secondId);
        const list = deploymentsOf(applicationId, secondId);
        if (segments.length === 5 && method === 'POST') {
          setOperation('StartDeployment');
          return startDeployment(applicationId, secondId, list, json());
        }
        if (segments.length === 5 && method === 'GET') {
          setOperation('ListDeployments');
          const items = [...list].reverse().map((deployment) => {
            const full = deploymentJson(deployment);
            return {
              DeploymentNumber: full.DeploymentNumber,
              ConfigurationProfileId: full.ConfigurationProfileId,
              ConfigurationName: full.ConfigurationName,
              ConfigurationVersion: full.ConfigurationVersion,
              DeploymentDurationInMinutes: full.DeploymentDurationInMinutes,
              GrowthType: full.GrowthType,
              GrowthFactor: full.GrowthFactor,
              FinalBakeTimeInMinutes: full.FinalBakeTimeInMinutes,
              State: full.State,
              PercentageComplete: full.PercentageComplete,
              StartedAt: full.StartedAt,
              ...(full.CompletedAt === undefined ? {} : { CompletedAt: full.CompletedAt }),
              ...(full.VersionLabel === undefined ? {} : { VersionLabel: full.VersionLabel }),
            };
          });
          return { status: 200, json: paginate(items, query) };
        }
        if (segments.length === 6 && thirdId !== undefined) {
          const deployment = list.find((candidate) => String(candidate.number) === thirdId);
          if (deployment === undefined) {
            throw new ApiError(404, 'ResourceNotFoundException', `Deployment ${thirdId} not found`);
          }
          if (method === 'GET') {
            setOperation('GetDeployment');
            return { status: 200, json: deploymentJson(deployment) };
          }
          if (method === 'DELETE') {
            setOperation('StopDeployment');
            const allowRevert = headerOf(headers, 'allow-revert') === 'true';
            const atMs = now();
            const { state, completedAtMs } = progress(deployment, atMs);
            if (state === 'DEPLOYING' || (state === 'BAKING' && allowRevert)) {
              deployment.stopped = { state: 'ROLLED_BACK', atMs };
            } else if (state === 'COMPLETE' && allowRevert) {
              if (completedAtMs !== undefined && atMs - completedAtMs > revertWindowMs) {
                throw new ApiError(
                  400,
                  'BadRequestException',
                  'A deployment can be reverted within 72 hours of completion',
                );
              }
              if (
                list.some(
                  (later) => later.number > deployment.number && later.profileId === deployment.profileId,
                )
              ) {
                throw new ApiError(400, 'BadRequestException', 'Only the latest deployment can be reverted');
              }
              deployment.stopped = { state: 'REVERTED', atMs };
            } else {
              throw new ApiError(
                400,
                'BadRequestException',
                `Deployment ${deployment.number} is ${state}: only a DEPLOYING deployment can be stopped without AllowRevert`,
              );
            }
            return { status: 202, json: deploymentJson(deployment) };
          }
        }
      }
    }
    if (first === 'deploymentstrategies' && segments.length === 1) {
      if (method === 'GET') {
        setOperation('ListDeploymentStrategies');
        return { status: 200, json: paginate([...strategies.values()], query) };
      }
      if (method === 'POST') {
        setOperation('CreateDeploymentStrategy');
        const input = json();
        const growthType = optionalString(input, 'GrowthType') ?? 'LINEAR';
        if (growthType !== 'LINEAR' && growthType !== 'EXPONENTIAL') {
          throw new ApiError(400, 'BadRequestException', 'GrowthType must be LINEAR or EXPONENTIAL');
        }
        const strategy: Strategy = {
          Id: resourceId(),
          Name: requiredString(input, 'Name'),
          Description: optionalString(input, 'Description') ?? '',
          DeploymentDurationInMinutes: requiredNumber(input, 'DeploymentDurationInMinutes', 0, 1440),
          GrowthFactor: requiredNumber(input, 'GrowthFactor', 1, 100),
          FinalBakeTimeInMinutes: optionalNumber(input, 'FinalBakeTimeInMinutes', 0, 1440) ?? 0,
          GrowthType: growthType,
          ReplicateTo: optionalString(input, 'ReplicateTo') === 'SSM_DOCUMENT' ? 'SSM_DOCUMENT' : 'NONE',
        };
        strategies.set(strategy.Id, strategy);
        return { status: 201, json: strategy };
      }
    }
    if (
      first === 'deploymentstrategies' &&
      applicationId !== undefined &&
      segments.length === 2 &&
      method === 'GET'
    ) {
      setOperation('GetDeploymentStrategy');
      const strategy = strategies.get(applicationId);
      if (strategy === undefined) {
        throw new ApiError(
          404,
          'ResourceNotFoundException',
          `Deployment strategy ${applicationId} not found`,
        );
      }
      return { status: 200, json: strategy };
    }
    // The API's own path spelling for DeleteDeploymentStrategy.
    if (first === 'deployementstrategies' && applicationId !== undefined && method === 'DELETE') {
      setOperation('DeleteDeploymentStrategy');
      if (applicationId.startsWith('AppConfig.') || !strategies.delete(applicationId)) {
        throw new ApiError(
          404,
          'ResourceNotFoundException',
          `Deployment strategy ${applicationId} not found`,
        );
      }
      return { status: 204 };
    }
    setOperation('Unknown');
    throw new ApiError(404, 'UnknownOperationException', `no such AppConfig operation: ${method} ${rawPath}`);
  };

  const startDeployment = async (
    applicationId: string,
    environmentId: string,
    list: DeploymentRecord[],
    input: Record<string, unknown>,
  ): Promise<Reply> => {
    const strategyId = requiredString(input, 'DeploymentStrategyId');
    const profileId = requiredString(input, 'ConfigurationProfileId');
    const versionText = requiredString(input, 'ConfigurationVersion');
    const strategy = strategies.get(strategyId);
    if (strategy === undefined) {
      throw new ApiError(404, 'ResourceNotFoundException', `Deployment strategy ${strategyId} not found`, {
        ResourceName: strategyId,
      });
    }
    const profile = await getProfile(applicationId, profileId);
    let version = versionText;
    if (!/^\d+$/.test(versionText)) {
      const { versions } = await motoState();
      const labelled = versions
        .filter(
          (candidate) =>
            candidate.app_id === applicationId &&
            candidate.config_id === profileId &&
            candidate.version_label === versionText,
        )
        .sort((a, b) => b.version - a.version)[0];
      if (labelled === undefined) {
        throw new ApiError(
          404,
          'ResourceNotFoundException',
          `No hosted configuration version is labelled ${versionText}`,
        );
      }
      version = String(labelled.version);
    }
    const hosted = await getHostedVersion(applicationId, profileId, Number(version));
    if (hosted === undefined) {
      throw new ApiError(
        404,
        'ResourceNotFoundException',
        `Hosted configuration version ${version} not found`,
      );
    }
    await validate(profile.Validators, hosted.content);
    const atMs = now();
    const latest = list.at(-1);
    const expectedLatest = input.LatestDeploymentNumber;
    if (typeof expectedLatest === 'number' && expectedLatest !== (latest?.number ?? 0)) {
      throw new ApiError(
        409,
        'ConflictException',
        `The latest deployment number is ${latest?.number ?? 0}, not ${expectedLatest}`,
      );
    }
    if (latest !== undefined && inProgress(latest, atMs)) {
      throw new ApiError(
        409,
        'ConflictException',
        `Deployment number ${latest.number} is ${progress(latest, atMs).state} in this environment; only one deployment can be in progress`,
      );
    }
    const deployment: DeploymentRecord = {
      number: (latest?.number ?? 0) + 1,
      applicationId,
      environmentId,
      profileId,
      profileName: profile.Name,
      locationUri: profile.LocationUri,
      version,
      versionLabel: hosted.versionLabel,
      content: hosted.content,
      contentType: hosted.contentType,
      strategy,
      description: optionalString(input, 'Description'),
      startedAtMs: atMs,
      stopped: undefined,
    };
    list.push(deployment);
    return { status: 201, json: deploymentJson(deployment) };
  };

  // ---- AppConfigData -------------------------------------------------------------------------------------------

  /** Names or ids → ids, as AppConfigData and the extension accept either. */
  const resolveIdentifiers = async (application: string, environment: string, profile: string) => {
    const state = await motoState();
    const app = state.applications.find(
      (candidate) => candidate.id === application || candidate.name === application,
    );
    if (app === undefined) {
      throw new ApiError(404, 'ResourceNotFoundException', `Application ${application} not found`, {
        ResourceType: 'Application',
      });
    }
    const env = [...environments.values()].find(
      (candidate) =>
        candidate.ApplicationId === app.id &&
        (candidate.Id === environment || candidate.Name === environment),
    );
    if (env === undefined) {
      throw new ApiError(404, 'ResourceNotFoundException', `Environment ${environment} not found`, {
        ResourceType: 'Environment',
      });
    }
    const prof = state.profiles.find(
      (candidate) =>
        candidate.application_id === app.id && (candidate.id === profile || candidate.name === profile),
    );
    if (prof === undefined) {
      throw new ApiError(404, 'ResourceNotFoundException', `Configuration profile ${profile} not found`, {
        ResourceType: 'ConfigurationProfile',
      });
    }
    return { applicationId: app.id, environmentId: env.Id, profileId: prof.id };
  };

  const issueToken = (session: Session, atMs: number, notBeforeMs: number): string => {
    const token = randomBytes(48).toString('base64url');
    tokens.set(token, { session, issuedAtMs: atMs, notBeforeMs, used: false });
    return token;
  };

  const dataPlane = async (
    method: string,
    path: string,
    query: URLSearchParams,
    body: Buffer,
    setOperation: (operation: string) => void,
    markEarly: () => void,
  ): Promise<Reply> => {
    if (method === 'POST' && path === '/configurationsessions') {
      setOperation('StartConfigurationSession');
      const input = parseJson(body);
      const ids = await resolveIdentifiers(
        requiredString(input, 'ApplicationIdentifier'),
        requiredString(input, 'EnvironmentIdentifier'),
        requiredString(input, 'ConfigurationProfileIdentifier'),
      );
      const interval = optionalNumber(input, 'RequiredMinimumPollIntervalInSeconds', 15, 86_400);
      const session: Session = {
        ...ids,
        pollIntervalSeconds: interval ?? defaultPollIntervalSeconds,
        bucket: randomInt(100),
        lastSent: 0,
      };
      const atMs = now();
      return { status: 201, json: { InitialConfigurationToken: issueToken(session, atMs, atMs) } };
    }
    if (method === 'GET' && path === '/configuration') {
      setOperation('GetLatestConfiguration');
      const token = query.get('configuration_token');
      const entry = token === null ? undefined : tokens.get(token);
      const atMs = now();
      if (entry === undefined || token === null) {
        throw new ApiError(400, 'BadRequestException', 'Invalid or unknown configuration token', {
          Reason: 'InvalidParameters',
        });
      }
      if (entry.used) {
        throw new ApiError(400, 'BadRequestException', 'This configuration token was already used', {
          Reason: 'InvalidParameters',
        });
      }
      if (atMs - entry.issuedAtMs > tokenLifetimeMs) {
        tokens.delete(token);
        throw new ApiError(400, 'BadRequestException', 'The configuration token has expired', {
          Reason: 'InvalidParameters',
        });
      }
      // AppConfig asks clients to wait NextPollIntervalInSeconds but serves an early poll (Powertools' provider
      // polls on its own cache age): recorded, so tests can prove a reader waits.
      if (atMs < entry.notBeforeMs) markEarly();
      const { session } = entry;
      // The application, environment or profile may have been deleted since the session started.
      const state = await motoState();
      if (
        !environments.has(session.environmentId) ||
        !state.profiles.some((profile) => profile.id === session.profileId)
      ) {
        throw new ApiError(
          404,
          'ResourceNotFoundException',
          'The configuration of this session no longer exists',
        );
      }
      entry.used = true;
      tokens.delete(token);
      const served = servedDeployment(
        session.applicationId,
        session.environmentId,
        session.profileId,
        session.bucket,
      );
      const changed = (served?.number ?? 0) !== session.lastSent;
      session.lastSent = served?.number ?? 0;
      const next = issueToken(session, atMs, atMs + session.pollIntervalSeconds * 1000);
      const headers: Record<string, string> = {
        'next-poll-configuration-token': next,
        'next-poll-interval-in-seconds': String(session.pollIntervalSeconds),
      };
      if (changed && served !== undefined) {
        headers['content-type'] = served.contentType;
        if (served.versionLabel !== undefined) headers['version-label'] = served.versionLabel;
        return { status: 200, headers, raw: served.content };
      }
      return { status: 200, headers, raw: Buffer.alloc(0) };
    }
    setOperation('Unknown');
    throw new ApiError(
      404,
      'UnknownOperationException',
      `no such AppConfigData operation: ${method} ${path}`,
    );
  };

  // ---- the extension ---------------------------------------------------------------------------------------------

  const extension = async (
    method: string,
    segments: readonly string[],
    setOperation: (o: string) => void,
  ): Promise<Reply> => {
    const [first, application, second, environment, third, profile] = segments.map(decodeURIComponent);
    if (
      method !== 'GET' ||
      segments.length !== 6 ||
      first !== 'applications' ||
      second !== 'environments' ||
      third !== 'configurations' ||
      application === undefined ||
      environment === undefined ||
      profile === undefined
    ) {
      setOperation('Unknown');
      return { status: 404, headers: { 'content-type': 'text/plain' }, raw: Buffer.from('Not Found') };
    }
    setOperation('GetConfiguration');
    let ids: Awaited<ReturnType<typeof resolveIdentifiers>>;
    try {
      ids = await resolveIdentifiers(application, environment, profile);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        extensionCache.delete(segments.join('/'));
        return {
          status: 404,
          headers: { 'content-type': 'text/plain' },
          raw: Buffer.from(`ResourceNotFoundException: ${error.message}`),
          errorType: 'ResourceNotFoundException',
        };
      }
      throw error;
    }
    const key = segments.join('/');
    const atMs = now();
    let cached = extensionCache.get(key);
    // The agent serves from its cache and refreshes it every poll interval, like the real one.
    if (cached === undefined || atMs - cached.fetchedAtMs >= extensionPollIntervalMs) {
      cached = {
        fetchedAtMs: atMs,
        deployment: servedDeployment(ids.applicationId, ids.environmentId, ids.profileId, extensionBucket),
      };
      extensionCache.set(key, cached);
    }
    const deployment = cached.deployment;
    if (deployment === undefined) {
      return {
        status: 404,
        headers: { 'content-type': 'text/plain' },
        raw: Buffer.from('ResourceNotFoundException: nothing is deployed for this configuration'),
        errorType: 'ResourceNotFoundException',
      };
    }
    return {
      status: 200,
      headers: {
        'content-type': deployment.contentType,
        'configuration-version': deployment.version,
        ...(deployment.versionLabel === undefined ? {} : { 'version-label': deployment.versionLabel }),
      },
      raw: deployment.content,
    };
  };
  const extensionBucket = randomInt(100);

  // ---- HTTP ----------------------------------------------------------------------------------------------------

  const serve =
    (api: 'service' | 'extension') => async (request: IncomingMessage, response: ServerResponse) => {
      const atMs = now();
      const method = request.method ?? 'GET';
      const rawPath = request.url ?? '/';
      const url = new URL(rawPath, 'http://127.0.0.1');
      const segments = url.pathname.split('/').filter((segment) => segment !== '');
      const body = await readBody(request);
      const signingService = /Credential=[^/]+\/[^/]+\/([^/]+)\/([^/]+)\/aws4_request/.exec(
        headerOf(request.headers, 'authorization') ?? '',
      );
      if (signingService?.[1] !== undefined) motoRegion = signingService[1];
      const family: AppConfigRequestRecord['api'] =
        api === 'extension'
          ? 'extension'
          : url.pathname === '/configurationsessions' || url.pathname === '/configuration'
            ? 'appconfigdata'
            : 'appconfig';
      let operation = 'Unknown';
      const setOperation = (name: string) => {
        operation = name;
        if (denied.has(name)) {
          throw new ApiError(
            403,
            'AccessDeniedException',
            `User is not authorized to perform: appconfig:${name} (denied by the test)`,
          );
        }
      };
      let earlyPoll = false;
      const markEarly = () => {
        earlyPoll = true;
      };
      let reply: Reply;
      try {
        const failure = failures.get(family);
        if (failure !== undefined && failure.remaining > 0) {
          failure.remaining -= 1;
          throw new ApiError(failure.status, failure.errorType, 'injected failure');
        }
        if (family !== 'extension') {
          const service = signingService?.[2];
          if (service === undefined) {
            throw new ApiError(403, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
          }
          // Both APIs sign as `appconfig` (AppConfigData's SigV4 signing name is `appconfig` too).
          if (service !== 'appconfig') {
            throw new ApiError(
              403,
              'InvalidSignatureException',
              `Credential should be scoped to correct service: 'appconfig', not '${service}'`,
            );
          }
        }
        reply =
          family === 'extension'
            ? await extension(method, segments, setOperation)
            : family === 'appconfigdata'
              ? await dataPlane(method, url.pathname, url.searchParams, body, setOperation, markEarly)
              : await controlPlane(
                  method,
                  segments,
                  url.searchParams,
                  request.headers,
                  body,
                  rawPath,
                  setOperation,
                );
      } catch (error) {
        const apiError =
          error instanceof ApiError ? error : new ApiError(500, 'InternalServerException', String(error));
        reply = {
          status: apiError.status,
          headers: { 'x-amzn-errortype': apiError.errorType },
          json: { Message: apiError.message, message: apiError.message, ...apiError.extra },
          errorType: apiError.errorType,
        };
      }
      requests.push({
        api: family,
        operation,
        method,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: pickHeaders(request.headers),
        body: body.byteLength > 0 && isJson(request.headers) ? safeParse(body) : undefined,
        signingService: signingService?.[2],
        status: reply.status,
        errorType: reply.errorType,
        forwardedToMoto: reply.forwardedToMoto === true,
        atMs,
        earlyPoll,
      });
      const payload =
        reply.raw ?? (reply.json === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(reply.json)));
      response.writeHead(reply.status, {
        ...(reply.json === undefined ? {} : { 'content-type': 'application/json' }),
        'x-amzn-requestid': randomBytes(16).toString('hex'),
        ...reply.headers,
        'content-length': String(payload.byteLength),
      });
      response.end(payload);
    };

  const listen = async (handler: ReturnType<typeof serve>) => {
    const server = createServer((request, response) => {
      handler(request, response).catch(() => {
        if (!response.headersSent) response.writeHead(500);
        response.end();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return server;
  };

  try {
    await motoState();
  } catch (error) {
    throw new AppConfigServerError(`moto at ${moto} is not reachable: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const service = await listen(serve('service'));
  const agent = await listen(serve('extension'));
  const servicePort = (service.address() as AddressInfo).port;
  const extensionPort = (agent.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${servicePort}`,
    extensionEndpoint: `http://127.0.0.1:${extensionPort}`,
    extensionPort,
    get requests() {
      return requests;
    },
    clearRequests() {
      requests.length = 0;
    },
    failNextRequests(api, status, errorType, count = 1) {
      failures.set(api, { status, errorType, remaining: count });
    },
    denyOperations(operations) {
      denied.clear();
      for (const operation of operations) denied.add(operation);
    },
    async stop() {
      await Promise.all(
        [service, agent].map(
          (server) =>
            new Promise<void>((resolve) => {
              server.close(() => resolve());
              server.closeAllConnections();
            }),
        ),
      );
    },
  };
}

function percentageAt(strategy: Strategy, elapsedMs: number): number {
  const durationMs = strategy.DeploymentDurationInMinutes * minuteMs;
  const factor = strategy.GrowthFactor;
  if (strategy.GrowthType === 'EXPONENTIAL') {
    // factor × 2^step until 100 %: 10, 20, 40, 80, 100 for a factor of 10.
    const steps = Math.ceil(Math.log2(100 / factor)) + 1;
    const step = Math.floor(elapsedMs / (durationMs / steps));
    return Math.min(100, factor * 2 ** step);
  }
  const steps = Math.ceil(100 / factor);
  const step = Math.floor(elapsedMs / (durationMs / steps)) + 1;
  return Math.min(100, factor * step);
}

function paginate<T>(items: readonly T[], query: URLSearchParams): { Items: T[]; NextToken?: string } {
  const max = Math.min(50, Math.max(1, Number(query.get('max_results') ?? 50) || 50));
  const start = Number(query.get('next_token') ?? 0) || 0;
  const page = items.slice(start, start + max);
  return start + max < items.length ? { Items: page, NextToken: String(start + max) } : { Items: page };
}

function resourceId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let id = '';
  for (let index = 0; index < 7; index++) id += alphabet[randomInt(alphabet.length)];
  return id;
}

function headerOf(
  headers: IncomingMessage['headers'] | Readonly<Record<string, string | string[] | undefined>>,
  name: string,
): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

const recordedHeaders = [
  'content-type',
  'latest-version-number',
  'allow-revert',
  'versionlabel',
  'description',
];

function pickHeaders(headers: IncomingMessage['headers']): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of recordedHeaders) {
    const value = headerOf(headers, name);
    if (value !== undefined) picked[name] = value;
  }
  return picked;
}

function isJson(headers: IncomingMessage['headers']): boolean {
  return (headerOf(headers, 'content-type') ?? '').includes('json');
}

function safeParse(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return body.toString('utf8');
  }
}

function parseJson(body: Buffer): Record<string, unknown> {
  if (body.byteLength === 0) return {};
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw new ApiError(400, 'BadRequestException', 'The request body is not a JSON object');
}

function requiredString(input: Record<string, unknown>, name: string): string {
  const value = input[name];
  if (typeof value !== 'string' || value === '') {
    throw new ApiError(400, 'BadRequestException', `${name} is required`, {
      Reason: 'InvalidParameters',
      Details: { InvalidParameters: { [name]: { Problem: 'Required' } } },
    });
  }
  return value;
}

function optionalString(input: Record<string, unknown>, name: string): string | undefined {
  const value = input[name];
  return typeof value === 'string' ? value : undefined;
}

function requiredNumber(input: Record<string, unknown>, name: string, min: number, max: number): number {
  const value = optionalNumber(input, name, min, max);
  if (value === undefined) throw new ApiError(400, 'BadRequestException', `${name} is required`);
  return value;
}

function optionalNumber(
  input: Record<string, unknown>,
  name: string,
  min: number,
  max: number,
): number | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new ApiError(400, 'BadRequestException', `${name} must be a number from ${min} to ${max}`, {
      Reason: 'InvalidParameters',
      Details: { InvalidParameters: { [name]: { Problem: 'Corrupted' } } },
    });
  }
  return value;
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > maxBodyBytes) {
        reject(new ApiError(413, 'PayloadTooLargeException', 'request body too large'));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}
