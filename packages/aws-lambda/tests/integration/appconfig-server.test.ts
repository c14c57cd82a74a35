import { randomUUID } from 'node:crypto';
import {
  AppConfigClient,
  CreateApplicationCommand,
  CreateConfigurationProfileCommand,
  CreateEnvironmentCommand,
  CreateHostedConfigurationVersionCommand,
  DeleteEnvironmentCommand,
  GetDeploymentCommand,
  ListApplicationsCommand,
  ListDeploymentStrategiesCommand,
  ListDeploymentsCommand,
  ListHostedConfigurationVersionsCommand,
  StartDeploymentCommand,
  StopDeploymentCommand,
  UpdateConfigurationProfileCommand,
} from '@aws-sdk/client-appconfig';
import {
  AppConfigDataClient,
  GetLatestConfigurationCommand,
  StartConfigurationSessionCommand,
} from '@aws-sdk/client-appconfigdata';
import { type AppConfigServer, type MotoServer, startAppConfigServer, startMoto } from '@faultline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The local AppConfig must answer the official clients the way AppConfig does, or the source and store tests
// prove nothing. These tests pin the requests the SDK makes and the answers it gets.
describe('the local AppConfig (control plane in front of moto, AppConfigData, extension) with the official clients', () => {
  let moto: MotoServer;
  let server: AppConfigServer;
  let control: AppConfigClient;
  let data: AppConfigDataClient;
  let clock = Date.parse('2026-12-01T12:00:00Z');
  const minutes = (count: number) => {
    clock += count * 60_000;
  };

  beforeAll(async () => {
    moto = await startMoto();
    server = await startAppConfigServer({ motoEndpoint: moto.endpoint, now: () => clock });
    const client = { endpoint: server.endpoint, region: 'us-east-1', maxAttempts: 1 };
    control = new AppConfigClient(client);
    data = new AppConfigDataClient(client);
  });

  afterAll(async () => {
    control?.destroy();
    data?.destroy();
    await server?.stop();
    await moto?.stop();
  });

  async function setUp(validators?: { Type: 'JSON_SCHEMA'; Content: string }[]) {
    const name = `orders-${randomUUID().slice(0, 8)}`;
    const application = await control.send(new CreateApplicationCommand({ Name: name }));
    const environment = await control.send(
      new CreateEnvironmentCommand({ ApplicationId: application.Id, Name: 'prod' }),
    );
    const profile = await control.send(
      new CreateConfigurationProfileCommand({
        ApplicationId: application.Id,
        Name: 'faultline',
        LocationUri: 'hosted',
        Type: 'AWS.Freeform',
        ...(validators === undefined ? {} : { Validators: validators }),
      }),
    );
    const ids = {
      ApplicationId: application.Id as string,
      EnvironmentId: environment.Id as string,
      ConfigurationProfileId: profile.Id as string,
    };
    const createVersion = (content: string, latest?: number, label?: string) =>
      control.send(
        new CreateHostedConfigurationVersionCommand({
          ApplicationId: ids.ApplicationId,
          ConfigurationProfileId: ids.ConfigurationProfileId,
          Content: new TextEncoder().encode(content),
          ContentType: 'application/json',
          ...(latest === undefined ? {} : { LatestVersionNumber: latest }),
          ...(label === undefined ? {} : { VersionLabel: label }),
        }),
      );
    const deploy = (version: number | string, strategy = 'AppConfig.AllAtOnce', latestDeployment?: number) =>
      control.send(
        new StartDeploymentCommand({
          ApplicationId: ids.ApplicationId,
          EnvironmentId: ids.EnvironmentId,
          ConfigurationProfileId: ids.ConfigurationProfileId,
          ConfigurationVersion: String(version),
          DeploymentStrategyId: strategy,
          ...(latestDeployment === undefined ? {} : { LatestDeploymentNumber: latestDeployment }),
        }),
      );
    return { name, ids, createVersion, deploy };
  }

  async function session(application: string, environment = 'prod', profile = 'faultline', interval = 15) {
    const started = await data.send(
      new StartConfigurationSessionCommand({
        ApplicationIdentifier: application,
        EnvironmentIdentifier: environment,
        ConfigurationProfileIdentifier: profile,
        RequiredMinimumPollIntervalInSeconds: interval,
      }),
    );
    let token = started.InitialConfigurationToken as string;
    return {
      async poll() {
        const answer = await data.send(new GetLatestConfigurationCommand({ ConfigurationToken: token }));
        token = answer.NextPollConfigurationToken as string;
        return {
          text: new TextDecoder().decode(answer.Configuration ?? new Uint8Array()),
          interval: answer.NextPollIntervalInSeconds,
          contentType: answer.ContentType,
          versionLabel: answer.VersionLabel,
        };
      },
      get token() {
        return token;
      },
    };
  }

  it('creates hosted versions in moto, guarded by LatestVersionNumber, and lists them newest first', async () => {
    // Prepare
    const { ids, createVersion } = await setUp();

    // Act
    const first = await createVersion('{"v":1}', 0);
    const second = await createVersion('{"v":2}', 1, 'second');
    const stale = await createVersion('{"v":3}', 1).catch((error: unknown) => error);
    const listed = await control.send(
      new ListHostedConfigurationVersionsCommand({
        ApplicationId: ids.ApplicationId,
        ConfigurationProfileId: ids.ConfigurationProfileId,
      }),
    );

    // Assess
    expect([first.VersionNumber, second.VersionNumber]).toEqual([1, 2]);
    expect(stale).toMatchObject({ name: 'ConflictException', $metadata: { httpStatusCode: 409 } });
    expect(listed.Items?.map((item) => [item.VersionNumber, item.VersionLabel])).toEqual([
      [2, 'second'],
      [1, undefined],
    ]);
    const creates = server.requests.filter(
      (request) => request.operation === 'CreateHostedConfigurationVersion',
    );
    expect(creates.at(-1)).toMatchObject({
      method: 'POST',
      path: `/applications/${ids.ApplicationId}/configurationprofiles/${ids.ConfigurationProfileId}/hostedconfigurationversions`,
      headers: { 'content-type': 'application/json', 'latest-version-number': '1' },
      signingService: 'appconfig',
      status: 409,
    });
    expect(creates.slice(-3, -1).every((request) => request.forwardedToMoto)).toBe(true);
  });

  it('lists applications from moto and the four predefined deployment strategies', async () => {
    // Prepare
    const { name } = await setUp();

    // Act: the list is paged (50 a page), and a shared moto server holds other runs' applications too.
    const names: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await control.send(new ListApplicationsCommand({ NextToken: nextToken }));
      names.push(...(page.Items ?? []).map((item) => item.Name ?? ''));
      nextToken = page.NextToken;
    } while (nextToken);
    const strategies = await control.send(new ListDeploymentStrategiesCommand({}));

    // Assess
    expect(names).toContain(name);
    expect(strategies.Items?.find((strategy) => strategy.Id === 'AppConfig.AllAtOnce')).toMatchObject({
      DeploymentDurationInMinutes: 0,
      GrowthFactor: 100,
      FinalBakeTimeInMinutes: 10,
    });
    expect(strategies.Items?.map((strategy) => strategy.Id)).toEqual(
      expect.arrayContaining([
        'AppConfig.Linear20PercentEvery6Minutes',
        'AppConfig.Canary10Percent20Minutes',
        'AppConfig.Linear50PercentEvery30Seconds',
      ]),
    );
  });

  it('deploys all at once, bakes for 10 minutes, and allows one deployment in progress per environment', async () => {
    // Prepare
    const { ids, createVersion, deploy } = await setUp();
    await createVersion('{"v":1}');
    await createVersion('{"v":2}');

    // Act
    const started = await deploy(1);
    const blocked = await deploy(2).catch((error: unknown) => error);
    minutes(10);
    const done = await control.send(new GetDeploymentCommand({ ...ids, DeploymentNumber: 1 }));
    const staleGuard = await deploy(2, 'AppConfig.AllAtOnce', 0).catch((error: unknown) => error);
    const second = await deploy(2, 'AppConfig.AllAtOnce', 1);
    const listed = await control.send(new ListDeploymentsCommand(ids));

    // Assess
    expect(started).toMatchObject({ DeploymentNumber: 1, State: 'BAKING', PercentageComplete: 100 });
    expect(blocked).toMatchObject({ name: 'ConflictException' });
    expect(done).toMatchObject({
      State: 'COMPLETE',
      ConfigurationName: 'faultline',
      ConfigurationVersion: '1',
    });
    expect(done.CompletedAt).toBeInstanceOf(Date);
    expect(staleGuard).toMatchObject({ name: 'ConflictException' });
    expect(second.DeploymentNumber).toBe(2);
    expect(listed.Items?.map((item) => [item.DeploymentNumber, item.State])).toEqual([
      [2, 'BAKING'],
      [1, 'COMPLETE'],
    ]);
    expect(server.requests.find((request) => request.operation === 'StartDeployment')?.body).toEqual({
      ConfigurationProfileId: ids.ConfigurationProfileId,
      ConfigurationVersion: '1',
      DeploymentStrategyId: 'AppConfig.AllAtOnce',
    });
  });

  it('serves the deployed content once per change to a session, with single-use tokens, and records early polls', async () => {
    // Prepare
    const { name, createVersion, deploy } = await setUp();
    await createVersion('{"v":1}', undefined, 'one');
    await deploy(1);
    const reader = await session(name);

    // Act
    const first = await reader.poll();
    const early = await reader.poll();
    minutes(1);
    const unchanged = await reader.poll();
    const usedToken = reader.token;
    minutes(1);
    await reader.poll();
    const reused = await data
      .send(new GetLatestConfigurationCommand({ ConfigurationToken: usedToken }))
      .catch((error: unknown) => error);

    // Assess
    expect(first).toEqual({
      text: '{"v":1}',
      interval: 15,
      contentType: 'application/json',
      versionLabel: 'one',
    });
    expect(early).toMatchObject({ text: '', interval: 15 });
    expect(unchanged).toMatchObject({ text: '', interval: 15 });
    expect(reused).toMatchObject({ name: 'BadRequestException' });
    const session0 = server.requests.find((request) => request.operation === 'StartConfigurationSession');
    expect(session0).toMatchObject({
      api: 'appconfigdata',
      method: 'POST',
      path: '/configurationsessions',
      signingService: 'appconfig',
      body: {
        ApplicationIdentifier: name,
        EnvironmentIdentifier: 'prod',
        ConfigurationProfileIdentifier: 'faultline',
        RequiredMinimumPollIntervalInSeconds: 15,
      },
      status: 201,
    });
    const polls = server.requests.filter((request) => request.operation === 'GetLatestConfiguration');
    expect(polls.slice(-5).map((request) => request.earlyPoll)).toEqual([false, true, false, false, false]);
    expect(polls[0]).toMatchObject({ method: 'GET', path: '/configuration', status: 200 });
    expect(Object.keys(polls[0]?.query ?? {})).toEqual(['configuration_token']);
  });

  it('answers an empty body while nothing is deployed, and 404 for a configuration that does not exist', async () => {
    // Prepare
    const { name } = await setUp();

    // Act
    const empty = await (await session(name)).poll();
    const missing = await session(name, 'prod', 'no-such-profile').catch((error: unknown) => error);

    // Assess
    expect(empty.text).toBe('');
    expect(missing).toMatchObject({ name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 404 } });
  });

  it('rolls a stopped deployment back: sessions get the previous version again', async () => {
    // Prepare
    const { name, ids, createVersion, deploy } = await setUp();
    await createVersion('{"v":1}');
    await createVersion('{"v":2}');
    await deploy(1);
    minutes(10);
    const reader = await session(name);
    await reader.poll();
    const gradual = await deploy(2, 'AppConfig.Linear20PercentEvery6Minutes');
    minutes(7);
    const midway = await control.send(
      new GetDeploymentCommand({ ...ids, DeploymentNumber: gradual.DeploymentNumber }),
    );

    // Act
    const stopped = await control.send(
      new StopDeploymentCommand({ ...ids, DeploymentNumber: gradual.DeploymentNumber }),
    );
    minutes(1);
    const after = await reader.poll();

    // Assess
    expect(midway).toMatchObject({ State: 'DEPLOYING', PercentageComplete: 40 });
    expect(stopped).toMatchObject({ State: 'ROLLED_BACK' });
    // The session had version 1; after the rollback it is still what it should have: no change to send.
    expect(after.text).toBe('');
  });

  it('runs the JSON Schema validator on new versions and on deployments', async () => {
    // Prepare
    const schema = JSON.stringify({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      required: ['id'],
      properties: { id: { type: 'string' } },
    });
    const { ids, createVersion, deploy } = await setUp();
    await createVersion('{"v":1}');

    // Act
    const rejected = await createVersion('{"id":7}').catch((error: unknown) => error);
    await control.send(
      new UpdateConfigurationProfileCommand({
        ApplicationId: ids.ApplicationId,
        ConfigurationProfileId: ids.ConfigurationProfileId,
        Validators: [{ Type: 'JSON_SCHEMA', Content: schema }],
      }),
    );
    const invalid = await createVersion('{"id":7}').catch((error: unknown) => error);
    const oldVersion = await deploy(1).catch((error: unknown) => error);
    const valid = await createVersion('{"id":"orders"}');

    // Assess
    expect(rejected).toMatchObject({ VersionNumber: 2 });
    expect(invalid).toMatchObject({
      name: 'BadRequestException',
      Reason: 'InvalidConfiguration',
      Details: { InvalidConfiguration: [expect.objectContaining({ Type: 'JSON_SCHEMA', Location: '$.id' })] },
    });
    expect(oldVersion).toMatchObject({ name: 'BadRequestException' });
    expect(valid.VersionNumber).toBe(3);
  });

  it('serves the extension API from its cache, refreshed every poll interval', async () => {
    // Prepare
    const { name, ids, createVersion, deploy } = await setUp();
    await createVersion('{"v":1}');
    await createVersion('{"v":2}');
    await deploy(1);
    minutes(10);
    const url = `${server.extensionEndpoint}/applications/${name}/environments/prod/configurations/faultline`;

    // Act
    const first = await fetch(url);
    const firstText = await first.text();
    await deploy(2);
    const cached = await (await fetch(url)).text();
    minutes(1);
    const refreshed = await fetch(url);
    const missing = await fetch(
      `${server.extensionEndpoint}/applications/${name}/environments/prod/configurations/nope`,
    );
    await control
      .send(
        new DeleteEnvironmentCommand({ ApplicationId: ids.ApplicationId, EnvironmentId: ids.EnvironmentId }),
      )
      .catch(() => undefined);

    // Assess
    expect(first.status).toBe(200);
    expect(firstText).toBe('{"v":1}');
    expect(first.headers.get('configuration-version')).toBe('1');
    expect(first.headers.get('content-type')).toBe('application/json');
    expect(cached).toBe('{"v":1}');
    expect(await refreshed.text()).toBe('{"v":2}');
    expect(refreshed.headers.get('configuration-version')).toBe('2');
    expect(missing.status).toBe(404);
  });

  it('refuses requests without a signature for the right service', async () => {
    // Act
    const unsigned = await fetch(`${server.endpoint}/applications`);
    const wrongService = await fetch(`${server.endpoint}/configurationsessions`, {
      method: 'POST',
      headers: {
        authorization:
          'AWS4-HMAC-SHA256 Credential=testing/20261201/us-east-1/appconfigdata/aws4_request, SignedHeaders=host, Signature=0',
      },
      body: '{}',
    });

    // Assess
    expect(unsigned.status).toBe(403);
    expect(wrongService.status).toBe(403);
    expect(wrongService.headers.get('x-amzn-errortype')).toBe('InvalidSignatureException');
  });
});
