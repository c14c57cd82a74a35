import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runCli } from '../../src/cli.js';
import { createMemoryOutput } from '../../src/output.js';
import { type LoopbackService, startLoopbackService } from './loopback-service.js';

let directory: string;
let service: LoopbackService;
let configFile: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'faultline-stop-conditions-'));
  configFile = join(directory, 'store.json');
  service = await startLoopbackService({ configFile });
});

afterAll(async () => {
  await service?.close();
  await rm(directory, { recursive: true, force: true });
});

/** The reported case: every request fails, but the stop condition needs 100000 requests at 5 req/s for 4 s. */
async function unreachableExperiment(): Promise<string> {
  const file = join(directory, 'unreachable.yaml');
  await writeFile(
    file,
    stringify({
      schemaVersion: 1,
      id: 'all-down',
      faults: [{ id: 'down', type: 'status', status: 503, probability: 1 }],
      run: {
        hypothesis: 'orders keep working',
        targets: [
          {
            name: 'local',
            cloud: 'local',
            store: { kind: 'file', path: configFile },
            probe: { url: `${service.url}/orders/o-1001` },
          },
        ],
        steadyState: { successRatio: { min: 0.99 }, sampleSeconds: 1 },
        load: { ratePerSecond: 5, durationSeconds: 4, concurrency: 4 },
        stopConditions: [{ metric: 'errorRate', op: 'gt', value: 0.5, windowSeconds: 5, minSamples: 100000 }],
        propagationWaitMs: 300,
        recoverySeconds: 0,
      },
    }),
  );
  return file;
}

async function cli(args: string[]) {
  const output = createMemoryOutput();
  const code = await runCli(args, { output, environment: {}, statePath: join(directory, 'state.json') });
  return { code, stdout: output.stdout, stderr: output.stderr };
}

describe('stop conditions that can never fire', () => {
  it('run refuses them before injecting anything, naming the condition, the arithmetic and the fix', async () => {
    // Prepare
    const file = await unreachableExperiment();
    const out = join(directory, 'refused');

    // Act
    const result = await cli(['run', file, '--out', out]);

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'can never fire with the planned load and duration; nothing was injected',
    );
    expect(result.stderr).toContain('run.stopConditions[0].minSamples');
    expect(result.stderr).toContain(
      '5 req/s over 4.3 s (the whole fault window) sends at most 22 per target',
    );
    expect(result.stderr).toContain('--allow-unreachable-stops');
    expect(existsSync(out)).toBe(false);
    expect(existsSync(configFile)).toBe(false);
  });

  it('validate warns about them, and run goes on only with --allow-unreachable-stops, recording it', async () => {
    // Prepare
    const file = await unreachableExperiment();
    const out = join(directory, 'allowed');

    // Act
    const validated = await cli(['validate', file]);
    const result = await cli(['run', file, '--out', out, '--allow-unreachable-stops']);

    // Assess
    expect(validated.code).toBe(0);
    expect(validated.stdout).toMatch(
      /! .*unreachable\.yaml:\d+:\d+: run\.stopConditions\[0\]\.minSamples: needs 100000 requests/,
    );
    expect(result.stderr).toContain('! run.stopConditions[0].minSamples');
    const journal = JSON.parse(await readFile(join(out, 'journal.json'), 'utf8'));
    expect(journal.steps).toContainEqual(
      expect.objectContaining({
        step: 'stop-conditions',
        ok: false,
        detail: expect.stringContaining('needs 100000 requests'),
      }),
    );
    // What the reported case showed: a 100 % error rate, and nothing stopped the run.
    expect(journal.status).toBe('completed');
    expect(journal.targets[0].fault.summary.errorRate).toBe(1);
  });
});
