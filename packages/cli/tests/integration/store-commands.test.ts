import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AppConfigServer,
  type AppConfigurationServer,
  type FirestoreEmulator,
  type MotoServer,
  startAppConfigServer,
  startAppConfigurationServer,
  startFirestoreEmulator,
  startMoto,
} from '@faultline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.js';
import { createMemoryOutput } from '../../src/output.js';
import { createStore, type StoreCoordinates } from '../../src/stores/index.js';
import { type AppConfigProfileIds, createAppConfigProfiles } from '../support/appconfig-profiles.js';

let directory: string;
let moto: MotoServer;
let firestore: FirestoreEmulator;
let appConfiguration: AppConfigurationServer;
let awsAppConfig: AppConfigServer;
/** Fresh AWS AppConfig applications, one per test that asks (created up front: fresh() is synchronous). */
let awsAppConfigProfiles: AppConfigProfileIds[] = [];
let caFile: string;
let environment: Record<string, string | undefined>;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'faultline-cli-'));
  [moto, firestore, appConfiguration] = await Promise.all([
    startMoto(),
    startFirestoreEmulator(),
    startAppConfigurationServer(),
  ]);
  awsAppConfig = await startAppConfigServer({ motoEndpoint: moto.endpoint });
  awsAppConfigProfiles = await createAppConfigProfiles(awsAppConfig.endpoint, 8);
  caFile = join(directory, 'ca.pem');
  await writeFile(caFile, appConfiguration.ca);
  environment = {
    ...process.env,
    FAULTLINE_AZURE_APPCONFIG_CONNECTION_STRING: appConfiguration.connectionString,
  };
}, 120_000);

afterAll(async () => {
  await awsAppConfig?.stop();
  await Promise.allSettled([moto?.stop(), firestore?.stop(), appConfiguration?.stop()]);
  await rm(directory, { recursive: true, force: true });
});

function experiment(overrides: Record<string, unknown> = {}) {
  return {
    schemaVersion: 1,
    id: 'checkout-latency',
    enabled: true,
    faults: [{ id: 'slow', type: 'latency', delayMs: 200, probability: 0.1 }],
    ...overrides,
  };
}

async function writeExperiment(name: string, document: unknown): Promise<string> {
  const path = join(directory, name);
  await writeFile(path, JSON.stringify(document));
  return path;
}

async function cli(args: string[]) {
  const output = createMemoryOutput();
  const code = await runCli(args, { output, environment, statePath: join(directory, 'state.json') });
  return { code, stdout: output.stdout, stderr: output.stderr };
}

interface StoreCase {
  readonly kind: string;
  /** `--to …` flags addressing the store of this test. */
  flags(): string[];
  coordinates(): StoreCoordinates;
}

interface StoreKindCase {
  readonly kind: string;
  /** A uniquely named store, so tests sharing a backend never see each other's documents. */
  fresh(): StoreCase;
}

function storeCases(): StoreKindCase[] {
  return [
    {
      kind: 'aws-ssm',
      fresh: () =>
        fresh('aws-ssm', (suffix) => ({
          flags: () => [
            '--to',
            `aws-ssm:/faultline/cli-${suffix}`,
            '--endpoint',
            moto.endpoint,
            '--region',
            'us-east-1',
          ],
          coordinates: () => ({
            kind: 'aws-ssm',
            parameter: `/faultline/cli-${suffix}`,
            endpoint: moto.endpoint,
            region: 'us-east-1',
          }),
        })),
    },
    {
      kind: 'aws-appconfig',
      fresh: () =>
        fresh('aws-appconfig', () => {
          const profile = awsAppConfigProfiles.shift();
          if (profile === undefined) throw new Error('create more AppConfig applications in beforeAll');
          return {
            flags: () => [
              '--to',
              `aws-appconfig:${profile.application}/prod/faultline`,
              '--endpoint',
              awsAppConfig.endpoint,
              '--region',
              'us-east-1',
            ],
            coordinates: () => ({
              kind: 'aws-appconfig',
              application: profile.application,
              environment: 'prod',
              profile: 'faultline',
              endpoint: awsAppConfig.endpoint,
              region: 'us-east-1',
            }),
          };
        }),
    },
    {
      kind: 'gcp-firestore',
      fresh: () =>
        fresh('gcp-firestore', (suffix) => ({
          flags: () => [
            '--to',
            `gcp-firestore:cli/${suffix}`,
            '--emulator-host',
            firestore.host,
            '--project',
            firestore.projectId,
          ],
          coordinates: () => ({
            kind: 'gcp-firestore',
            document: `cli/${suffix}`,
            emulatorHost: firestore.host,
            projectId: firestore.projectId,
          }),
        })),
    },
    {
      kind: 'azure-app-configuration',
      fresh: () =>
        fresh('azure-app-configuration', (suffix) => ({
          flags: () => [
            '--to',
            `azure-app-configuration:faultline:cli-${suffix}`,
            '--label',
            'test',
            '--ca-file',
            caFile,
          ],
          coordinates: () => ({
            kind: 'azure-app-configuration',
            key: `faultline:cli-${suffix}`,
            label: 'test',
            caFile,
          }),
        })),
    },
    {
      kind: 'file',
      fresh: () =>
        fresh('file', (suffix) => ({
          flags: () => ['--to', `file:${join(directory, `cli-${suffix}.json`)}`],
          coordinates: () => ({ kind: 'file', path: join(directory, `cli-${suffix}.json`) }),
        })),
    },
  ];
}

function fresh(kind: string, make: (suffix: string) => Omit<StoreCase, 'kind'>): StoreCase {
  return { kind, ...make(randomBytes(4).toString('hex')) };
}

describe.each(storeCases())('faultline against $kind', (storeKind) => {
  it('pushes, reports status, diffs, and switches off and on in a round trip', async () => {
    // Prepare
    const store = storeKind.fresh();
    const file = await writeExperiment(`${store.kind}-a.json`, experiment());

    // Act: create
    const created = await cli(['push', file, ...store.flags(), '--json']);

    // Assess
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout).results[0].outcome).toBe('created');
    const status = await cli(['status', ...store.flags(), '--json']);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout).stores[0]).toMatchObject({
      state: 'present',
      id: 'checkout-latency',
      enabled: true,
      faults: 1,
    });

    // Act: change locally, review, push the reviewed change
    const changed = await writeExperiment(
      `${store.kind}-b.json`,
      experiment({ faults: [{ id: 'slow', type: 'latency', delayMs: 200, probability: 0.3 }] }),
    );
    const diff = await cli(['diff', changed, ...store.flags()]);
    expect(diff.code).toBe(0);
    expect(diff.stdout).toContain('~ faults[slow].probability: 0.1 → 0.3');
    const updated = await cli(['push', changed, ...store.flags(), '--json']);
    expect(updated.code).toBe(0);
    expect(JSON.parse(updated.stdout).results[0].outcome).toBe('updated');

    // Act: the stop button
    const off = await cli(['off', ...store.flags(), '--json']);
    expect(off.code).toBe(0);
    expect(JSON.parse(off.stdout).results[0].outcome).toBe('changed');
    const afterOff = JSON.parse((await cli(['status', ...store.flags(), '--json'])).stdout).stores[0];
    expect(afterOff.enabled).toBe(false);
    const on = await cli(['on', ...store.flags(), '--json']);
    expect(JSON.parse(on.stdout).results[0].outcome).toBe('changed');

    // Assess: what the functions read is the experiment without the run section
    const stored = await createStore(store.coordinates(), environment).read();
    expect(stored?.document).toMatchObject({
      id: 'checkout-latency',
      enabled: true,
      faults: [{ probability: 0.3 }],
    });
  });

  it('refuses to overwrite a version it has not seen, until --force', async () => {
    // Prepare: our push, then someone else's newer write
    const store = storeKind.fresh();
    const file = await writeExperiment(`${store.kind}-c.json`, experiment());
    expect((await cli(['push', file, ...store.flags()])).code).toBe(0);
    const direct = createStore(store.coordinates(), environment);
    await direct.write(experiment({ id: 'someone-elses' }), { expectedVersion: undefined, force: true });
    const mine = await writeExperiment(`${store.kind}-d.json`, experiment({ description: 'mine' }));

    // Act
    const refused = await cli(['push', mine, ...store.flags()]);

    // Assess
    expect(refused.code).toBe(3);
    expect(refused.stdout).toMatch(/newer than the version/);
    expect((await direct.read())?.document).toMatchObject({ id: 'someone-elses' });
    const forced = await cli(['push', mine, ...store.flags(), '--force']);
    expect(forced.code).toBe(0);
    expect((await direct.read())?.document).toMatchObject({ id: 'checkout-latency', description: 'mine' });
    await direct.close();
  });

  it('refuses an invalid file with exit code 1, naming the JSON path, and writes nothing', async () => {
    // Prepare
    const store = storeKind.fresh();
    const file = await writeExperiment(
      `${store.kind}-bad.json`,
      experiment({ faults: [{ id: 'x', type: 'latency', delayMs: 10, probability: 5 }] }),
    );
    const before = await createStore(store.coordinates(), environment).read();

    // Act
    const result = await cli(['push', file, ...store.flags()]);

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/bad\.json:\d+:\d+: faults\[0\]\.probability/);
    expect(result.stdout).toBe('');
    expect((await createStore(store.coordinates(), environment).read())?.version).toBe(before?.version);
  });
});

describe('store-level compare-and-set', () => {
  it.each(storeCases())('$kind rejects a write whose expected version is stale', async (storeKind) => {
    // Prepare
    const store = storeKind.fresh();
    const client = createStore(store.coordinates(), environment);
    const first = await client.write(experiment(), { expectedVersion: null });
    await client.write(experiment({ description: 'second' }), { expectedVersion: first.version });

    // Act / Assess
    await expect(
      client.write(experiment({ description: 'stale' }), { expectedVersion: first.version }),
    ).rejects.toMatchObject({
      name: 'StoreConflictError',
    });
    await expect(client.write(experiment(), { expectedVersion: null })).rejects.toMatchObject({
      name: 'StoreConflictError',
    });
    expect((await client.read())?.document).toMatchObject({ description: 'second' });
    await client.close();
  });
});

describe('the deprecated App Configuration variable name', () => {
  it('still reads FAULTLINE_APPCONFIG_CONNECTION_STRING when the new name is unset, and warns once', async () => {
    // Prepare
    const key = `faultline:cli-legacy-${randomBytes(4).toString('hex')}`;
    appConfiguration.setKeyValue(key, JSON.stringify(experiment()), { label: 'test' });
    const { FAULTLINE_AZURE_APPCONFIG_CONNECTION_STRING: _unset, ...rest } = environment;
    const legacyEnvironment = {
      ...rest,
      FAULTLINE_APPCONFIG_CONNECTION_STRING: appConfiguration.connectionString,
    };
    const flags = [
      '--to',
      `azure-app-configuration:${key}`,
      '--label',
      'test',
      '--ca-file',
      caFile,
      '--json',
    ];
    const run = async () => {
      const output = createMemoryOutput();
      const code = await runCli(['status', ...flags], {
        output,
        environment: legacyEnvironment,
        statePath: join(directory, 'state.json'),
      });
      return { code, stdout: output.stdout, stderr: output.stderr };
    };

    // Act
    const first = await run();
    const second = await run();

    // Assess
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout).stores[0]).toMatchObject({ state: 'present', id: 'checkout-latency' });
    expect(first.stderr).toContain(
      'warning: FAULTLINE_APPCONFIG_CONNECTION_STRING is deprecated; rename it to FAULTLINE_AZURE_APPCONFIG_CONNECTION_STRING',
    );
    expect(second.code).toBe(0);
    expect(second.stderr).not.toContain('deprecated');
  });
});

describe('reading the state file', () => {
  it('remembers the versions reviewed with diff', async () => {
    const state = JSON.parse(await readFile(join(directory, 'state.json'), 'utf8'));
    expect(Object.keys(state.seen).length).toBeGreaterThan(0);
  });
});
