// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${NAME}` placeholders are literal text in these files.
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runCli } from '../../src/cli.js';
import { createMemoryOutput } from '../../src/output.js';

let directory: string;
/** A loopback port nothing listens on: the SSM target there is unreachable. */
let closedPort: number;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'faultline-stop-button-'));
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closedPort = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function cli(args: string[], environment: Record<string, string | undefined> = {}) {
  const output = createMemoryOutput();
  const code = await runCli(args, {
    output,
    environment: {
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: 'us-east-1',
      ...environment,
    },
    statePath: join(directory, 'state.json'),
  });
  return { code, stdout: output.stdout, stderr: output.stderr };
}

const storedExperiment = (enabled: boolean) =>
  `${JSON.stringify({ schemaVersion: 1, id: 'checkout', enabled, faults: [] }, null, 2)}\n`;

/**
 * An experiment file with three targets: a file store that works, an App Configuration store whose connection
 * string is not set, and an SSM store on a port nothing listens on. The probe URLs use placeholders nobody sets.
 */
async function threeTargetFile(name: string, fileStore: string): Promise<string> {
  const path = join(directory, `${name}.yaml`);
  const probe = (variable: string) => ({ url: `\${${variable}}/orders/o-1001` });
  await writeFile(
    path,
    stringify({
      schemaVersion: 1,
      id: 'checkout',
      faults: [{ id: 'slow', type: 'latency', delayMs: 100, probability: 0.1 }],
      run: {
        hypothesis: 'checkout keeps working',
        targets: [
          {
            name: 'local',
            cloud: 'local',
            store: { kind: 'file', path: fileStore },
            probe: probe('LOCAL_URL'),
          },
          {
            name: 'azure',
            cloud: 'azure',
            store: { kind: 'azure-app-configuration', key: 'faultline:checkout' },
            probe: probe('AZURE_DEMO_URL'),
          },
          {
            name: 'aws',
            cloud: 'aws',
            store: {
              kind: 'aws-ssm',
              parameter: '/faultline/checkout',
              endpoint: `http://127.0.0.1:${closedPort}`,
              region: 'us-east-1',
            },
            probe: probe('AWS_DEMO_URL'),
          },
        ],
        steadyState: { successRatio: { min: 0.99 } },
        load: { ratePerSecond: 5, durationSeconds: 4 },
      },
    }),
  );
  return path;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

describe('faultline off (the stop button)', () => {
  it('switches off every store it can reach although probe URLs are unset and other stores are broken, then exits 4', async () => {
    // Prepare
    const fileStore = join(directory, 'off.json');
    await writeFile(fileStore, storedExperiment(true));
    const file = await threeTargetFile('off', fileStore);

    // Act
    const result = await cli(['off', file, '--json']);

    // Assess
    expect(JSON.parse(await readFile(fileStore, 'utf8'))).toMatchObject({ id: 'checkout', enabled: false });
    expect(result.code).toBe(4);
    const { results } = JSON.parse(result.stdout);
    expect(results).toHaveLength(3);
    expect(results[0]).toMatchObject({ target: 'local', outcome: 'changed' });
    expect(results[1]).toMatchObject({
      target: 'azure',
      error: expect.stringContaining('FAULTLINE_AZURE_APPCONFIG_CONNECTION_STRING'),
    });
    expect(results[2]).toMatchObject({
      target: 'aws',
      error: expect.stringContaining('aws-ssm:/faultline/checkout'),
    });
  });

  it('reports a target whose store cannot be resolved, by name and variable, and still switches the others off', async () => {
    // Prepare
    const fileStore = join(directory, 'unresolved.json');
    await writeFile(fileStore, storedExperiment(true));
    const path = join(directory, 'unresolved.yaml');
    await writeFile(
      path,
      stringify({
        schemaVersion: 1,
        id: 'checkout',
        faults: [],
        run: {
          hypothesis: 'h',
          targets: [
            {
              name: 'broken',
              cloud: 'local',
              store: { kind: 'file', path: '${MISSING_STORE_PATH}' },
              probe: { url: '${X}' },
            },
            { name: 'typo', cloud: 'local', store: { kind: 'file', pth: fileStore }, probe: { url: '${X}' } },
            {
              name: 'good',
              cloud: 'local',
              store: { kind: 'file', path: fileStore },
              probe: { url: '${X}' },
            },
          ],
          steadyState: { successRatio: { min: 0.99 } },
          load: { ratePerSecond: 5, durationSeconds: 4 },
        },
      }),
    );

    // Act
    const result = await cli(['off', path]);

    // Assess
    expect(result.code).toBe(4);
    expect(JSON.parse(await readFile(fileStore, 'utf8'))).toMatchObject({ enabled: false });
    expect(result.stdout).toMatch(/broken.*MISSING_STORE_PATH/);
    expect(result.stdout).toMatch(
      /typo.*run\.targets\[1\]\.store\.pth: is not a known key \(did you mean "path"\?\)/,
    );
    expect(result.stdout).toMatch(/good .*switched off/);
    expect(result.stdout).toContain('off: 1/3 stores');
  });
});

describe('faultline on and status', () => {
  it('on switches on every store it can reach and reports the others', async () => {
    // Prepare
    const fileStore = join(directory, 'on.json');
    await writeFile(fileStore, storedExperiment(false));
    const file = await threeTargetFile('on', fileStore);

    // Act
    const result = await cli(['on', file, '--json']);

    // Assess
    expect(result.code).toBe(4);
    expect(JSON.parse(await readFile(fileStore, 'utf8'))).toMatchObject({ enabled: true });
    expect(
      JSON.parse(result.stdout).results.map((entry: { error?: string }) => entry.error === undefined),
    ).toEqual([true, false, false]);
  });

  it('status reads every store it can reach and reports the others', async () => {
    // Prepare
    const fileStore = join(directory, 'status.json');
    await writeFile(fileStore, storedExperiment(true));
    const file = await threeTargetFile('status', fileStore);

    // Act
    const result = await cli(['status', file, '--json']);

    // Assess
    expect(result.code).toBe(4);
    const { stores } = JSON.parse(result.stdout);
    expect(stores.map((entry: { state: string }) => entry.state)).toEqual(['present', 'error', 'error']);
    expect(stores[0]).toMatchObject({ target: 'local', id: 'checkout', enabled: true });
  });
});

describe('faultline push', () => {
  it('writes nothing anywhere when one store cannot be opened (no half-applied push)', async () => {
    // Prepare
    const fileStore = join(directory, 'push.json');
    const file = await threeTargetFile('push', fileStore);

    // Act
    const result = await cli(['push', file, '--target', 'local', '--target', 'azure', '--json']);

    // Assess
    expect(result.code).toBe(4);
    expect(await exists(fileStore)).toBe(false);
    expect(JSON.parse(result.stdout).results).toMatchObject([
      { target: 'local', outcome: 'skipped' },
      { target: 'azure', outcome: 'failed' },
    ]);
  });
});
