import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemorySink } from '@faultline/core/testing';
import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  AppConfigSourceError,
  type AppConfigSourceOptions,
  createAppConfigSource,
  InvalidAppConfigSourceOptionError,
} from '../../src/appconfig/index.js';
import { withFaults } from '../../src/index.js';
import { resolveLambdaDefaultSource } from '../../src/with-faults.js';
import { httpApiEvent, lambdaContext } from '../fixtures/events.js';
import {
  type AppConfigBackend,
  type AppConfigProfile,
  startAppConfigBackend,
} from '../support/appconfig-backend.js';

let backend: AppConfigBackend;

beforeAll(async () => {
  backend = await startAppConfigBackend();
});

afterAll(async () => {
  await backend?.stop();
});

const experiment = (id: string, status = 503) =>
  JSON.stringify({ schemaVersion: 1, id, faults: [{ id: 'down', type: 'status', probability: 1, status }] });

function sourceFor(profile: AppConfigProfile, options: Partial<AppConfigSourceOptions> = {}) {
  return createAppConfigSource({
    application: profile.application,
    appconfigEnvironment: 'prod',
    profile: 'faultline',
    clientConfig: { endpoint: backend.server.endpoint, region: 'us-east-1' },
    extensionEndpoint: backend.server.extensionEndpoint,
    clock: backend.clock,
    environment: {},
    ...options,
  });
}

const load = (source: ReturnType<typeof sourceFor>, previousVersion?: string) =>
  source.load({ signal: new AbortController().signal, previousVersion });

const requestsFor = (application: string, operation: string) =>
  backend.server.requests.filter(
    (request) =>
      request.operation === operation &&
      (request.operation !== 'StartConfigurationSession' ||
        (request.body as { ApplicationIdentifier?: string })?.ApplicationIdentifier === application),
  );

describe('the AppConfig source reading AppConfigData (sdk mode)', () => {
  it('starts one session with the names and poll interval, and never polls before NextPollIntervalInSeconds', async () => {
    // Prepare
    const profile = await backend.createProfile();
    await profile.deploy(experiment('first'));
    backend.server.clearRequests();
    const source = sourceFor(profile, { mode: 'sdk', pollIntervalSeconds: 30 });

    // Act
    const first = await load(source);
    const again = await load(source, first.kind === 'document' ? first.version : undefined);
    const fresh = await load(source);
    backend.advance(30_000);
    const afterInterval = await load(source, first.kind === 'document' ? first.version : undefined);

    // Assess
    expect(first).toMatchObject({ kind: 'document', document: experiment('first') });
    expect(again).toEqual({ kind: 'unchanged' });
    expect(fresh).toMatchObject({ kind: 'document', document: experiment('first') });
    expect(afterInterval).toEqual({ kind: 'unchanged' });
    expect(requestsFor(profile.application, 'StartConfigurationSession')).toHaveLength(1);
    expect(requestsFor(profile.application, 'StartConfigurationSession')[0]?.body).toEqual({
      ApplicationIdentifier: profile.application,
      EnvironmentIdentifier: 'prod',
      ConfigurationProfileIdentifier: 'faultline',
      RequiredMinimumPollIntervalInSeconds: 30,
    });
    const polls = backend.server.requests.filter((request) => request.operation === 'GetLatestConfiguration');
    expect(polls.map((request) => [request.status, request.earlyPoll])).toEqual([
      [200, false],
      [200, false],
    ]);
    expect(polls[1]?.atMs).toBeGreaterThanOrEqual((polls[0]?.atMs ?? 0) + 30_000);
  });

  it('starts a new session once when AppConfig refuses the token, and serves the document again', async () => {
    // Prepare
    const profile = await backend.createProfile();
    await profile.deploy(experiment('token'));
    const source = sourceFor(profile, { mode: 'sdk' });
    await load(source);
    backend.advance(60_000);
    backend.server.failNextRequests('appconfigdata', 400, 'BadRequestException');
    backend.server.clearRequests();

    // Act
    const result = await load(source);

    // Assess
    expect(result).toMatchObject({ kind: 'document', document: experiment('token') });
    expect(backend.server.requests.map((request) => [request.operation, request.status])).toEqual([
      ['Unknown', 400],
      ['StartConfigurationSession', 201],
      ['GetLatestConfiguration', 200],
    ]);
  });

  it('throws a named error for throttling, keeps its session, and reads on the next try', async () => {
    // Prepare
    const profile = await backend.createProfile();
    await profile.deploy(experiment('throttled'));
    const source = sourceFor(profile, { mode: 'sdk' });
    const first = await load(source);
    backend.advance(60_000);
    backend.server.failNextRequests('appconfigdata', 429, 'ThrottlingException');

    // Act
    const failure = await load(source).catch((error: unknown) => error);
    const sessionsBefore = requestsFor(profile.application, 'StartConfigurationSession').length;
    const next = await load(source, first.kind === 'document' ? first.version : undefined);

    // Assess
    expect(failure).toBeInstanceOf(AppConfigSourceError);
    expect(failure).toMatchObject({
      serviceCode: 'ThrottlingException',
      source: `aws-appconfig:${profile.application}/prod/faultline`,
    });
    expect((failure as Error).message).toContain('raise FAULTLINE_CONFIG_TTL_MS');
    expect(next).toEqual({ kind: 'unchanged' });
    expect(requestsFor(profile.application, 'StartConfigurationSession')).toHaveLength(sessionsBefore);
  });

  it('answers missing for an application that does not exist, without asking again before the interval', async () => {
    // Prepare
    const source = createAppConfigSource({
      application: 'no-such-application',
      appconfigEnvironment: 'prod',
      profile: 'faultline',
      mode: 'sdk',
      clientConfig: { endpoint: backend.server.endpoint, region: 'us-east-1' },
      clock: backend.clock,
      environment: {},
    });

    // Act
    const first = await load(source);
    const second = await load(source);

    // Assess
    expect(first).toEqual({ kind: 'missing' });
    expect(second).toEqual({ kind: 'missing' });
    expect(requestsFor('no-such-application', 'StartConfigurationSession')).toHaveLength(1);
  });
});

describe('the AppConfig source reading through the extension (extension mode)', () => {
  it('GETs the documented path and reports the Configuration-Version', async () => {
    // Prepare
    const profile = await backend.createProfile();
    const { version } = await profile.deploy(experiment('extension'));
    const source = sourceFor(profile, { mode: 'extension' });
    backend.server.clearRequests();

    // Act
    const result = await load(source);
    const again = await load(source, String(version));

    // Assess
    expect(result).toEqual({ kind: 'document', document: experiment('extension'), version: String(version) });
    expect(again).toEqual({ kind: 'unchanged' });
    expect(backend.server.requests[0]).toMatchObject({
      api: 'extension',
      method: 'GET',
      path: `/applications/${profile.application}/environments/prod/configurations/faultline`,
      status: 200,
    });
  });

  it('explains a refused connection: the extension layer is missing', async () => {
    // Prepare
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const profile = await backend.createProfile();

    // Act
    const failure = await load(
      sourceFor(profile, { mode: 'extension', extensionEndpoint: `http://127.0.0.1:${port}` }),
    ).catch((error: unknown) => error);

    // Assess
    expect(failure).toMatchObject({ name: 'AppConfigSourceError', serviceCode: 'ECONNREFUSED' });
    expect((failure as Error).message).toContain('FAULTLINE_APPCONFIG_MODE=sdk');
  });

  it('throws for an extension error answer, naming the status', async () => {
    // Prepare
    const profile = await backend.createProfile();
    backend.server.failNextRequests('extension', 500, 'InternalServerException');

    // Act
    const failure = await load(sourceFor(profile, { mode: 'extension' })).catch((error: unknown) => error);

    // Assess
    expect(failure).toMatchObject({ name: 'AppConfigSourceError', serviceCode: 'Extension500' });
  });
});

describe('choosing the mode', () => {
  let directory: string;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'faultline-extensions-'));
  });

  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  async function apiUsedBy(options: Partial<AppConfigSourceOptions>): Promise<string | undefined> {
    const profile = await backend.createProfile();
    await profile.deploy(experiment('mode'));
    backend.server.clearRequests();
    await load(sourceFor(profile, options));
    return backend.server.requests[0]?.api;
  }

  it('auto picks the extension when an AWS_APPCONFIG_EXTENSION_* variable is set', async () => {
    expect(
      await apiUsedBy({
        environment: { AWS_APPCONFIG_EXTENSION_POLL_INTERVAL_SECONDS: '45' },
        extensionsDirectory: directory,
      }),
    ).toBe('extension');
  });

  it('auto picks the extension when an AppConfig extension is installed', async () => {
    const installed = await mkdtemp(join(tmpdir(), 'faultline-extensions-'));
    await mkdir(join(installed, 'appconfig-agent'));
    try {
      expect(await apiUsedBy({ extensionsDirectory: installed })).toBe('extension');
    } finally {
      await rm(installed, { recursive: true, force: true });
    }
  });

  it('auto reads AppConfigData otherwise, and FAULTLINE_APPCONFIG_MODE forces a mode', async () => {
    expect(await apiUsedBy({ extensionsDirectory: directory })).toBe('appconfigdata');
    expect(await apiUsedBy({ extensionsDirectory: join(directory, 'missing') })).toBe('appconfigdata');
    expect(
      await apiUsedBy({
        environment: { FAULTLINE_APPCONFIG_MODE: 'extension' },
        extensionsDirectory: directory,
      }),
    ).toBe('extension');
  });

  it('uses AWS_APPCONFIG_EXTENSION_HTTP_PORT for the extension endpoint', async () => {
    const profile = await backend.createProfile();
    await profile.deploy(experiment('port'));
    const source = createAppConfigSource({
      application: profile.application,
      appconfigEnvironment: 'prod',
      profile: 'faultline',
      clock: backend.clock,
      environment: { AWS_APPCONFIG_EXTENSION_HTTP_PORT: String(backend.server.extensionPort) },
    });

    expect(await load(source)).toMatchObject({ kind: 'document', document: experiment('port') });
  });
});

describe('settings', () => {
  it('reads FAULTLINE_APPCONFIG_* once and names the source after them', () => {
    const environment: Record<string, string> = {
      FAULTLINE_APPCONFIG_APPLICATION: 'orders',
      FAULTLINE_APPCONFIG_ENVIRONMENT: 'prod',
      FAULTLINE_APPCONFIG_PROFILE: 'faultline',
    };
    const source = createAppConfigSource({ environment });
    environment.FAULTLINE_APPCONFIG_APPLICATION = 'changed';

    expect(source.name).toBe('aws-appconfig:orders/prod/faultline');
  });

  it.each([
    [{}, 'FAULTLINE_APPCONFIG_APPLICATION'],
    [{ application: 'orders' }, 'FAULTLINE_APPCONFIG_ENVIRONMENT'],
    [{ application: 'orders', appconfigEnvironment: 'prod' }, 'FAULTLINE_APPCONFIG_PROFILE'],
    [{ application: 'orders/x', appconfigEnvironment: 'prod', profile: 'p' }, 'not an AppConfig name'],
    [
      { application: 'orders', appconfigEnvironment: 'prod', profile: 'p', pollIntervalSeconds: 5 },
      '15 to 86400',
    ],
    [
      { application: 'orders', appconfigEnvironment: 'prod', profile: 'p', mode: 'agent' },
      'auto, sdk, extension',
    ],
  ] as const)(
    'refuses %j on every read (never at creation), naming what to set',
    async (options, expected) => {
      const source = createAppConfigSource({
        ...(options as Partial<AppConfigSourceOptions>),
        environment: {},
      } as AppConfigSourceOptions);

      const failure = await source
        .load({ signal: new AbortController().signal, previousVersion: undefined })
        .catch((error: unknown) => error);

      expect(failure).toBeInstanceOf(InvalidAppConfigSourceOptionError);
      expect((failure as InvalidAppConfigSourceOptionError).code).toBe('INVALID_OPTION');
      expect((failure as Error).message).toContain(expected);
    },
  );
});

describe('withFaults with FAULTLINE_APPCONFIG_*', () => {
  it('reads the deployed experiment and injects it, and fails open while AppConfig is unreachable', async () => {
    // Prepare
    const profile = await backend.createProfile();
    await profile.deploy(experiment('wrapped', 418));
    // Wrappers share one engine per source name: the unreachable case needs a name of its own.
    const elsewhere = await backend.createProfile();
    const sink = createMemorySink();
    const handler = vi.fn(async (): Promise<APIGatewayProxyResultV2> => ({ statusCode: 200, body: 'ok' }));
    const wrapped = withFaults(handler, {
      environment: {
        FAULTLINE_APPCONFIG_APPLICATION: profile.application,
        FAULTLINE_APPCONFIG_ENVIRONMENT: 'prod',
        FAULTLINE_APPCONFIG_PROFILE: 'faultline',
        FAULTLINE_APPCONFIG_MODE: 'sdk',
        FAULTLINE_STAGE: 'test',
      },
      appconfig: { clientConfig: { endpoint: backend.server.endpoint, region: 'us-east-1' } },
      cache: { fetchBudgetMs: 5000 },
      onEvent: sink,
    });
    const unreachable = withFaults(handler, {
      environment: {
        FAULTLINE_APPCONFIG_APPLICATION: elsewhere.application,
        FAULTLINE_APPCONFIG_ENVIRONMENT: 'prod',
        FAULTLINE_APPCONFIG_PROFILE: 'faultline',
        FAULTLINE_APPCONFIG_MODE: 'extension',
        FAULTLINE_STAGE: 'test',
      },
      appconfig: { extensionEndpoint: 'http://127.0.0.1:1' },
      onEvent: sink,
    });

    // Act
    const injected = (await wrapped(httpApiEvent(), lambdaContext())) as { statusCode: number };
    const untouched = (await unreachable(httpApiEvent(), lambdaContext())) as { statusCode: number };

    // Assess
    expect(injected.statusCode).toBe(418);
    expect(untouched.statusCode).toBe(200);
    expect(handler).toHaveBeenCalledTimes(1);
    expect(sink.ofType('config-load')[0]).toMatchObject({
      configSource: `aws-appconfig:${profile.application}/prod/faultline`,
      experimentId: 'wrapped',
    });
    expect(sink.ofType('config-error').map((event) => event.configSource)).toContain(
      `aws-appconfig:${elsewhere.application}/prod/faultline`,
    );
  });

  it('prefers SSM when both are configured, and reports unusable AppConfig settings on the first read', async () => {
    // Prepare
    const both = resolveLambdaDefaultSource({
      environment: {
        FAULTLINE_SSM_PARAMETER: '/faultline/orders',
        FAULTLINE_APPCONFIG_APPLICATION: 'orders',
      },
    });
    const incomplete = resolveLambdaDefaultSource({
      environment: { FAULTLINE_APPCONFIG_APPLICATION: 'orders' },
    });

    // Act
    const failure = await incomplete
      ?.load({ signal: new AbortController().signal, previousVersion: undefined })
      .catch((error: unknown) => error);

    // Assess
    expect(both?.name).toBe('ssm:/faultline/orders');
    expect(incomplete?.name).toBe(
      'aws-appconfig:orders/(no FAULTLINE_APPCONFIG_ENVIRONMENT)/(no FAULTLINE_APPCONFIG_PROFILE)',
    );
    expect(failure).toBeInstanceOf(InvalidAppConfigSourceOptionError);
    expect((failure as Error).message).toContain('FAULTLINE_APPCONFIG_ENVIRONMENT');
  });
});
