// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${NAME}` placeholders are literal text in these files.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commands, runCli } from '../../src/cli.js';
import { createMemoryOutput } from '../../src/output.js';

const repositoryRoot = resolve(import.meta.dirname, '../../../..');

async function cli(args: string[], environment: Record<string, string | undefined> = {}) {
  const output = createMemoryOutput();
  const code = await runCli(args, {
    output,
    environment,
    statePath: join(tmpdir(), `faultline-state-${process.pid}.json`),
  });
  return { code, stdout: output.stdout, stderr: output.stderr };
}

describe('faultline validate', () => {
  it('accepts the shared experiments', async () => {
    const result = await cli([
      'validate',
      join(repositoryRoot, 'experiments/pricing-latency.yaml'),
      join(repositoryRoot, 'experiments/order-failures.yaml'),
    ]);
    expect(result.stdout).toContain('✓');
    expect(result.code).toBe(0);
  });

  it('exits 1 and names every problem by JSON path, with hints', async () => {
    // Prepare
    const directory = await mkdtemp(join(tmpdir(), 'faultline-validate-'));
    const file = join(directory, 'bad.yaml');
    await writeFile(
      file,
      [
        'schemaVersion: 1',
        'id: bad',
        'faults:',
        '  - { id: a, type: latency, delayMs: 10, probability: 5 }',
        '  - { id: b, type: latncy, probability: 1 }',
      ].join('\n'),
    );

    // Act
    const result = await cli(['validate', file, '--json']);

    // Assess
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    const paths = report.files[0].issues.map((issue: { path: string }) => issue.path);
    expect(paths).toContain('faults[0].probability');
    expect(paths).toContain('faults[1].type');
  });
});

describe('the command line', () => {
  it('prints help for every command and exits 0', async () => {
    for (const command of commands) {
      const result = await cli([command.name, '--help']);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`faultline ${command.name}`);
    }
  });

  it('exits 2 on an unknown command or option, with a "did you mean" hint on stderr', async () => {
    const command = await cli(['pish']);
    expect(command.code).toBe(2);
    expect(command.stderr).toContain('did you mean "faultline push"?');
    expect(command.stdout).toBe('');
    const typo = await cli(['push', 'x.yaml', '--forse']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('did you mean --force?');
    expect(typo.stdout).toBe('');
  });

  it('lists the commands when an unknown one is not close to any', async () => {
    const result = await cli(['frobnicate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('commands: validate, schema');
    expect(result.stderr).not.toContain('did you mean');
  });

  it('prints the usage on stderr when no command is given (exit 2), on stdout for --help (exit 0)', async () => {
    const bare = await cli([]);
    expect(bare.code).toBe(2);
    expect(bare.stdout).toBe('');
    expect(bare.stderr).toContain('Usage: faultline <command>');
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: faultline <command>');
    expect(help.stderr).toBe('');
  });

  it('prints the JSON Schema', async () => {
    const result = await cli(['schema']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toHaveProperty('properties.faults');
  });

  it('names an unset placeholder of a store, and asks for none of the probes', async () => {
    // Prepare: the store's path and the probe's URL are both placeholders nobody set
    const directory = await mkdtemp(join(tmpdir(), 'faultline-placeholder-'));
    const file = join(directory, 'experiment.json');
    await writeFile(
      file,
      JSON.stringify({
        schemaVersion: 1,
        id: 'x',
        faults: [],
        run: {
          hypothesis: 'h',
          targets: [
            {
              name: 'local',
              cloud: 'local',
              store: { kind: 'file', path: '${LOCAL_STORE}' },
              probe: { url: '${LOCAL_URL}/orders' },
            },
          ],
          steadyState: { successRatio: { min: 0.99 } },
          load: { ratePerSecond: 5, durationSeconds: 4 },
        },
      }),
    );

    // Act
    const result = await cli(['status', file]);

    // Assess
    expect(result.code).toBe(4);
    expect(result.stdout).toMatch(/\$\{LOCAL_STORE\} is not set — pass --set LOCAL_STORE=VALUE/);
    expect(result.stdout).not.toContain('LOCAL_URL');
    const found = await cli(['status', file, '--set', `LOCAL_STORE=${join(directory, 'store.json')}`]);
    expect(found.code).toBe(0);
    expect(found.stdout).toContain('no experiment');
  });

  it('imports a failure-lambda config into a valid experiment', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'faultline-import-'));
    const file = join(directory, 'old.json');
    await writeFile(
      file,
      JSON.stringify({ latency: { enabled: true, percentage: 20, min_latency: 100, max_latency: 400 } }),
    );
    const result = await cli(['import', file, '--from', 'failure-lambda', '--id', 'migrated']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      id: 'migrated',
      faults: [{ type: 'latency', probability: 0.2 }],
    });
  });

  it("exits 1 when the import yields no fault, and maps failure-lambda 0.2's blacklist mode", async () => {
    // Prepare
    const directory = await mkdtemp(join(tmpdir(), 'faultline-import-'));
    const unknown = join(directory, 'unknown.json');
    await writeFile(unknown, JSON.stringify({ isEnabled: true, failureMode: 'nosuchmode', rate: 1 }));
    const blacklist = join(directory, 'blacklist.json');
    await writeFile(
      blacklist,
      JSON.stringify({
        isEnabled: true,
        failureMode: 'blacklist',
        rate: 1,
        blacklist: ['s3.*.amazonaws.com'],
      }),
    );

    // Act
    const refused = await cli(['import', unknown, '--from', 'failure-lambda']);
    const mapped = await cli(['import', blacklist, '--from', 'failure-lambda']);

    // Assess
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain('there is nothing to import');
    expect(mapped.code).toBe(0);
    expect(JSON.parse(mapped.stdout)).toMatchObject({ enabled: true, faults: [{ type: 'blackhole' }] });
  });

  it('imports a config that never fired switched off, and says why', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'faultline-import-'));
    const file = join(directory, 'string-true.json');
    await writeFile(
      file,
      JSON.stringify({ isEnabled: 'true', failureMode: 'exception', rate: 1, exceptionMsg: 'boom' }),
    );

    const result = await cli(['import', file, '--from', 'failure-lambda']);

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ enabled: false });
    expect(result.stderr).toContain('isEnabled: "true" is not the boolean true');
  });
});

describe('faultline off with a broken file', () => {
  it('still switches off the stores named by its run section (no validation gate on the stop button)', async () => {
    // Prepare: a stored, enabled experiment and a local file whose faults no longer validate
    const directory = await mkdtemp(join(tmpdir(), 'faultline-off-'));
    const store = join(directory, 'store.json');
    await writeFile(store, JSON.stringify({ schemaVersion: 1, id: 'x', enabled: true, faults: [] }));
    const file = join(directory, 'broken.yaml');
    await writeFile(
      file,
      [
        'schemaVersion: 1',
        'id: x',
        'faults: [{ id: a, type: latncy, probability: 1 }]',
        'run:',
        '  hypothesis: h',
        `  targets: [{ name: local, cloud: local, store: { kind: file, path: "${store}" }, probe: { url: "http://127.0.0.1:9/" } }]`,
        '  steadyState: { successRatio: { min: 0.99 } }',
        '  load: { ratePerSecond: 1, durationSeconds: 1 }',
      ].join('\n'),
    );

    // Act
    const result = await cli(['off', file]);

    // Assess
    expect(result.code).toBe(0);
    expect(JSON.parse(await readFile(store, 'utf8'))).toMatchObject({ enabled: false });
  });
});
