import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AppConfigClient,
  CreateConfigurationProfileCommand,
  CreateHostedConfigurationVersionCommand,
  GetConfigurationProfileCommand,
  GetDeploymentCommand,
  GetDeploymentStrategyCommand,
  GetHostedConfigurationVersionCommand,
  ListDeploymentStrategiesCommand,
  StartDeploymentCommand,
} from '@aws-sdk/client-appconfig';
import { type AppConfigServer, type MotoServer, startAppConfigServer, startMoto } from '@faultline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.js';
import { createMemoryOutput } from '../../src/output.js';
import { compactJsonSchema, createStore, removedVersionLabel, stopStrategy } from '../../src/stores/index.js';
import { type AppConfigProfileIds, createAppConfigProfiles } from '../support/appconfig-profiles.js';

let directory: string;
let moto: MotoServer;
let server: AppConfigServer;
let control: AppConfigClient;
/** The local AppConfig's clock runs ahead of real time by this much (deployments bake on it). */
let aheadMs = 0;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'faultline-appconfig-'));
  moto = await startMoto();
  server = await startAppConfigServer({ motoEndpoint: moto.endpoint, now: () => Date.now() + aheadMs });
  control = new AppConfigClient({ endpoint: server.endpoint, region: 'us-east-1', maxAttempts: 1 });
}, 60_000);

afterAll(async () => {
  control?.destroy();
  await server?.stop();
  await moto?.stop();
  await rm(directory, { recursive: true, force: true });
});

const experiment = (overrides: Record<string, unknown> = {}) => ({
  schemaVersion: 1,
  id: 'checkout-latency',
  enabled: true,
  faults: [{ id: 'slow', type: 'latency', delayMs: 200, probability: 0.1 }],
  ...overrides,
});

async function file(document: unknown): Promise<string> {
  const path = join(directory, `${Math.random().toString(36).slice(2)}.json`);
  await writeFile(path, JSON.stringify(document));
  return path;
}

async function cli(args: string[]) {
  const output = createMemoryOutput();
  const code = await runCli(args, {
    output,
    environment: process.env,
    statePath: join(directory, 'state.json'),
  });
  return { code, stdout: output.stdout, stderr: output.stderr };
}

async function fresh(): Promise<AppConfigProfileIds & { flags: string[] }> {
  const [profile] = await createAppConfigProfiles(server.endpoint, 1);
  if (profile === undefined) throw new Error('no profile created');
  return {
    ...profile,
    flags: [
      '--to',
      `aws-appconfig:${profile.application}/prod/faultline`,
      '--endpoint',
      server.endpoint,
      '--region',
      'us-east-1',
    ],
  };
}

const coordinates = (profile: AppConfigProfileIds, strategy?: string) => ({
  kind: 'aws-appconfig' as const,
  application: profile.application,
  environment: 'prod',
  profile: 'faultline',
  endpoint: server.endpoint,
  region: 'us-east-1',
  ...(strategy === undefined ? {} : { strategy }),
});

const deploymentsOf = (profile: AppConfigProfileIds) =>
  server.requests.filter(
    (request) =>
      request.operation === 'StartDeployment' &&
      request.path.includes(`/applications/${profile.applicationId}/`) &&
      request.status === 201,
  );

describe('faultline push/off/status against aws-appconfig', () => {
  it('pushes a hosted version and a deployment, guarded by LatestVersionNumber and LatestDeploymentNumber', async () => {
    // Prepare
    const profile = await fresh();

    // Act
    const first = await cli(['push', await file(experiment()), ...profile.flags, '--json']);
    const status = await cli(['status', ...profile.flags, '--json']);

    // Assess
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout).results[0]).toMatchObject({ outcome: 'created', version: '1@1' });
    expect(JSON.parse(status.stdout).stores[0]).toMatchObject({
      state: 'present',
      version: '1@1',
      enabled: true,
    });
    const create = server.requests.find(
      (request) =>
        request.operation === 'CreateHostedConfigurationVersion' &&
        request.path.includes(profile.applicationId),
    );
    expect(create?.headers).toMatchObject({
      'latest-version-number': '0',
      'content-type': 'application/json',
    });
    expect(deploymentsOf(profile)[0]?.body).toMatchObject({
      ConfigurationVersion: '1',
      DeploymentStrategyId: 'AppConfig.AllAtOnce',
      LatestDeploymentNumber: 0,
    });
  });

  it('deploys with the named strategy, but switches off all at once without a bake, stopping its own gradual deployment first', async () => {
    // Prepare
    const profile = await fresh();
    const pushed = await cli([
      'push',
      await file(experiment()),
      ...profile.flags,
      '--strategy',
      'AppConfig.Linear20PercentEvery6Minutes',
    ]);

    // Act
    const off = await cli(['off', ...profile.flags, '--json']);
    const status = await cli(['status', ...profile.flags, '--json']);

    // Assess
    expect(pushed.code).toBe(0);
    expect(off.code).toBe(0);
    expect(JSON.parse(off.stdout).results[0]).toMatchObject({ outcome: 'changed' });
    expect(JSON.parse(status.stdout).stores[0]).toMatchObject({ enabled: false, version: '2@2' });
    const [gradual, switchOff] = deploymentsOf(profile).map(
      (request) => (request.body as { DeploymentStrategyId: string }).DeploymentStrategyId,
    );
    expect(gradual).toBe('AppConfig.Linear20PercentEvery6Minutes');
    // faultline's own strategy: no bake time, so the switch-off is complete at once and no alarm can roll it back.
    const strategy = await control.send(
      new GetDeploymentStrategyCommand({ DeploymentStrategyId: switchOff }),
    );
    expect(strategy).toMatchObject({
      Name: stopStrategy.Name,
      DeploymentDurationInMinutes: 0,
      GrowthFactor: 100,
      FinalBakeTimeInMinutes: 0,
    });
    const deployment = await control.send(
      new GetDeploymentCommand({
        ApplicationId: profile.applicationId,
        EnvironmentId: profile.environmentId,
        DeploymentNumber: 2,
      }),
    );
    expect(deployment.State).toBe('COMPLETE');
    const stop = server.requests.find(
      (request) => request.operation === 'StopDeployment' && request.path.includes(profile.applicationId),
    );
    expect(stop).toMatchObject({ status: 202, headers: { 'allow-revert': 'true' } });
  });

  it('creates its no-bake strategy once and reuses it, for off and for removals', async () => {
    // Prepare
    const [first, second] = [await fresh(), await fresh()];
    await cli(['push', await file(experiment()), ...first.flags]);
    await cli(['push', await file(experiment()), ...second.flags]);
    server.clearRequests();
    const store = createStore(coordinates(second));

    // Act
    const off = await cli(['off', ...first.flags]);
    await store.remove({ expectedVersion: (await store.read())?.version ?? null });

    // Assess
    expect(off.code).toBe(0);
    const strategies = [first, second].flatMap((profile) =>
      deploymentsOf(profile).map(
        (request) => (request.body as { DeploymentStrategyId: string }).DeploymentStrategyId,
      ),
    );
    expect(strategies).toHaveLength(2);
    expect(new Set(strategies).size).toBe(1);
    expect(strategies[0]).not.toBe('AppConfig.AllAtOnce');
    const listed = await control.send(new ListDeploymentStrategiesCommand({}));
    expect(listed.Items?.filter((item) => item.Name === stopStrategy.Name)).toHaveLength(1);
    await store.close();
  });

  it('still switches off, all at once, when its strategy can be neither found nor created, and says what that risks', async () => {
    // Prepare
    const profile = await fresh();
    await cli(['push', await file(experiment()), ...profile.flags]);
    server.denyOperations(['ListDeploymentStrategies', 'CreateDeploymentStrategy']);

    try {
      // Act
      const off = await cli(['off', ...profile.flags]);
      const status = await cli(['status', ...profile.flags, '--json']);

      // Assess
      expect(off.code).toBe(0);
      expect(JSON.parse(status.stdout).stores[0]).toMatchObject({ enabled: false });
      expect(
        deploymentsOf(profile).map(
          (request) => (request.body as { DeploymentStrategyId: string }).DeploymentStrategyId,
        ),
      ).toEqual(['AppConfig.AllAtOnce', 'AppConfig.AllAtOnce']);
      expect(off.stderr).toContain(
        `warning: aws-appconfig:${profile.application}/prod/faultline: switching off with AppConfig.AllAtOnce, whose 10-minute bake lets an alarm on the environment roll the switch-off back`,
      );
      expect(off.stderr).toContain('AccessDeniedException');
      expect(off.stderr).toContain('appconfig:CreateDeploymentStrategy');
    } finally {
      server.denyOperations([]);
    }
  });

  it("leaves another profile's deployment alone and says why it cannot switch off", async () => {
    // Prepare
    const profile = await fresh();
    expect((await cli(['push', await file(experiment()), ...profile.flags])).code).toBe(0);
    const other = await control.send(
      new CreateConfigurationProfileCommand({
        ApplicationId: profile.applicationId,
        Name: 'feature-flags',
        LocationUri: 'hosted',
        Type: 'AWS.Freeform',
      }),
    );
    await control.send(
      new CreateHostedConfigurationVersionCommand({
        ApplicationId: profile.applicationId,
        ConfigurationProfileId: other.Id,
        Content: new TextEncoder().encode('{"flags":{}}'),
        ContentType: 'application/json',
      }),
    );
    // Ours bakes for 10 minutes (AppConfig.AllAtOnce); once it is complete, theirs starts and rolls out slowly.
    aheadMs += 11 * 60_000;
    const theirs = await control.send(
      new StartDeploymentCommand({
        ApplicationId: profile.applicationId,
        EnvironmentId: profile.environmentId,
        ConfigurationProfileId: other.Id,
        ConfigurationVersion: '1',
        DeploymentStrategyId: 'AppConfig.Linear20PercentEvery6Minutes',
      }),
    );
    const store = createStore(coordinates(profile));

    // Act
    const off = await cli(['off', ...profile.flags]);

    // Assess
    expect(theirs.State).toBe('DEPLOYING');
    expect(off.code).toBe(4);
    expect(off.stdout + off.stderr).toContain(
      `deployment ${theirs.DeploymentNumber} of configuration feature-flags is DEPLOYING in this environment, and AppConfig allows one deployment at a time`,
    );
    expect((await store.read())?.document).toMatchObject({ enabled: true });
    await store.close();
  });

  it('removes by deploying a switched-off tombstone, which the store reads as empty', async () => {
    // Prepare
    const profile = await fresh();
    const store = createStore(coordinates(profile));
    const written = await store.write(experiment(), { expectedVersion: null });

    // Act
    await store.remove({ expectedVersion: written.version });
    const after = await store.read();
    const again = await store.write(experiment({ description: 'again' }), { expectedVersion: null });

    // Assess
    expect(after).toBeUndefined();
    const tombstone = await control.send(
      new GetHostedConfigurationVersionCommand({
        ApplicationId: profile.applicationId,
        ConfigurationProfileId: profile.profileId,
        VersionNumber: 2,
      }),
    );
    expect(tombstone.VersionLabel).toBe(removedVersionLabel);
    expect(JSON.parse(new TextDecoder().decode(tombstone.Content))).toMatchObject({ enabled: false });
    expect(again.version).toBe('3@3');
    await store.close();
  });

  it('attaches the JSON Schema as the validator, after which AppConfig refuses what does not match it', async () => {
    // Prepare
    const profile = await fresh();

    // Act
    const attached = await cli(['push', await file(experiment()), ...profile.flags, '--attach-schema']);
    const twice = await cli([
      'push',
      await file(experiment({ description: 'b' })),
      ...profile.flags,
      '--attach-schema',
    ]);
    const store = createStore(coordinates(profile));
    const refused = await store
      .write({ schemaVersion: 1, id: 'Not A Slug!', faults: [] }, { expectedVersion: undefined, force: true })
      .catch((error: unknown) => error);

    // Assess
    expect(attached.code).toBe(0);
    expect(attached.stderr).toContain('JSON Schema validator attached');
    expect(twice.stderr).toContain('JSON Schema validator unchanged');
    const { Validators } = await control.send(
      new GetConfigurationProfileCommand({
        ApplicationId: profile.applicationId,
        ConfigurationProfileId: profile.profileId,
      }),
    );
    expect(Validators).toHaveLength(1);
    expect(Validators?.[0]?.Type).toBe('JSON_SCHEMA');
    expect((Validators?.[0]?.Content ?? '').length).toBeLessThanOrEqual(32_768);
    expect(Validators?.[0]?.Content).not.toContain('"examples"');
    expect(Validators?.[0]?.Content).not.toContain('A faultline experiment');
    expect(refused).toMatchObject({ name: 'StoreAccessError' });
    expect((refused as Error).message).toContain("AppConfig's validator refused the configuration: $.id");
    await store.close();
  });

  it('refuses --attach-schema for a store that cannot validate, and names what is missing in AppConfig', async () => {
    // Act
    const fileStore = await cli([
      'push',
      await file(experiment()),
      '--to',
      `file:${join(directory, 'plain.json')}`,
      '--attach-schema',
    ]);
    const missing = await cli([
      'status',
      '--to',
      'aws-appconfig:no-such-app/prod/faultline',
      '--endpoint',
      server.endpoint,
      '--region',
      'us-east-1',
    ]);
    const badAddress = await cli(['status', '--to', 'aws-appconfig:orders/prod']);

    // Assess
    expect(fileStore.code).toBe(4);
    expect(fileStore.stdout).toContain('--attach-schema needs a store that validates on its own');
    expect(missing.code).toBe(4);
    expect(missing.stdout).toContain('application no-such-app not found');
    expect(badAddress.code).not.toBe(0);
    expect(badAddress.stderr).toContain('application/environment/profile');
  });
});

describe('compactJsonSchema', () => {
  it('drops annotations but keeps properties that are named like them', () => {
    expect(
      compactJsonSchema({
        type: 'object',
        description: 'x',
        properties: { description: { type: 'string', description: 'y' }, title: { type: 'string' } },
        $defs: { default: { type: 'number', default: 3 } },
      }),
    ).toEqual({
      type: 'object',
      properties: { description: { type: 'string' }, title: { type: 'string' } },
      $defs: { default: { type: 'number' } },
    });
  });
});
