// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${NAME}` placeholders are literal text here.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LoopbackService, startLoopbackService } from './loopback-service.js';

const packageDirectory = resolve(import.meta.dirname, '../..');
let directory: string;
let service: LoopbackService;
let configFile: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'faultline-binary-'));
  configFile = join(directory, 'store.json');
  service = await startLoopbackService({ configFile });
});

afterAll(async () => {
  await service?.close();
  await rm(directory, { recursive: true, force: true });
});

async function writeExperiment(
  durationSeconds: number,
  options: { readonly fault?: string; readonly extra?: readonly string[] } = {},
): Promise<string> {
  const file = join(directory, `experiment-${durationSeconds}-${Math.random().toString(36).slice(2)}.yaml`);
  await writeFile(
    file,
    [
      'schemaVersion: 1',
      'id: binary-test',
      'faults:',
      `  - ${options.fault ?? '{ id: slow, type: latency, delayMs: 20, probability: 1 }'}`,
      'run:',
      '  hypothesis: orders stay fast',
      '  targets:',
      '    - name: local',
      '      cloud: local',
      '      store: { kind: file, path: "${STORE_FILE}" }',
      '      probe: { url: "${SERVICE_URL}/orders/o-1001" }',
      '  steadyState: { successRatio: { min: 0.99 }, latencyMs: { p95: { max: 1500 } }, sampleSeconds: 1 }',
      `  load: { ratePerSecond: 20, durationSeconds: ${durationSeconds}, concurrency: 4 }`,
      '  propagationWaitMs: 300',
      '  recoverySeconds: 0.5',
      ...(options.extra ?? []),
    ].join('\n'),
  );
  return file;
}

/** `faultline run` of `file` against the loopback service and the file store, writing to `out`. */
function runArguments(file: string, out: string): string[] {
  return [
    'run',
    file,
    '--set',
    `STORE_FILE=${configFile}`,
    '--set',
    `SERVICE_URL=${service.url}`,
    '--out',
    out,
  ];
}

function startCli(args: string[]) {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'src/bin.ts', ...args], {
    cwd: packageDirectory,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolveExit) => child.on('exit', (code) => resolveExit(code)));
  return { child, exited, output: () => ({ stdout, stderr }) };
}

describe('the faultline binary', () => {
  it('runs an experiment end to end: exit 0, the verdict table, journal and report on disk', async () => {
    // Prepare
    const file = await writeExperiment(2);
    const out = join(directory, 'held');

    // Act
    const cli = startCli(runArguments(file, out));
    const code = await cli.exited;

    // Assess
    expect(code, cli.output().stdout + cli.output().stderr).toBe(0);
    expect(cli.output().stdout).toMatch(/local \(local\)\s+HELD/);
    // Not a terminal: progress is plain timestamped lines on stderr, none of it on stdout.
    expect(cli.output().stderr).toMatch(/^\d\d:\d\d:\d\d steady state: sampling 1 s/m);
    expect(cli.output().stderr).toMatch(/^\d\d:\d\d:\d\d observing for 2 s/m);
    expect(cli.output().stderr).not.toContain('\r');
    expect(cli.output().stdout).not.toMatch(/observing|steady state: sampling/);
    expect(JSON.parse(await readFile(join(out, 'journal.json'), 'utf8'))).toMatchObject({ verdict: 'held' });
    expect(existsSync(join(out, 'report.html'))).toBe(true);
    expect(existsSync(configFile)).toBe(false);
  });

  it('shows a live progress line with the phase and the time left on a terminal', async () => {
    // Prepare
    const file = await writeExperiment(3);
    const out = join(directory, 'terminal');
    const quote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;
    const command = [
      process.execPath,
      '--conditions=source',
      '--import',
      'tsx',
      'src/bin.ts',
      ...runArguments(file, out),
    ]
      .map(quote)
      .join(' ');

    // Act: util-linux `script` gives the binary a pseudo-terminal
    const result = await new Promise<{ status: number | null; stdout: string }>((resolveRun) => {
      const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], {
        cwd: packageDirectory,
        env: { ...process.env, NO_COLOR: '1', TERM: 'xterm' },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.on('close', (status) => resolveRun({ status, stdout }));
    });

    // Assess: the line is redrawn in place (carriage return + erase line) and counts down
    expect(result.status, result.stdout).toBe(0);
    const frames = result.stdout.split('\r\u001b[2K').slice(1);
    expect(frames.some((frame) => /^\S+ observe {2}\d+ s left {2}observing for 3 s/.test(frame))).toBe(true);
    expect(frames.some((frame) => /^\S+ steady-state {2}\d+ s left/.test(frame))).toBe(true);
    expect(result.stdout).toMatch(/local \(local\)\s+HELD/);
  });

  it.each([
    ['SIGINT', 'Ctrl-C', 130],
    ['SIGTERM', 'a cancelled CI job', 143],
    ['SIGHUP', 'a closed terminal', 129],
  ] as const)(
    'rolls back on %s (%s) during the fault window and exits %i',
    async (signal, _cause, exitCode) => {
      // Prepare
      const file = await writeExperiment(60);
      const out = join(directory, `interrupted-${signal}`);
      const cli = startCli([
        'run',
        file,
        '--set',
        `STORE_FILE=${configFile}`,
        '--set',
        `SERVICE_URL=${service.url}`,
        '--out',
        out,
      ]);
      await observing(cli);
      expect(existsSync(configFile)).toBe(true);

      // Act
      cli.child.kill(signal);
      const code = await cli.exited;

      // Assess
      expect(code, cli.output().stderr).toBe(exitCode);
      if (signal !== 'SIGHUP') expect(cli.output().stderr).toContain('rolling back');
      expect(existsSync(configFile)).toBe(false);
      const journal = JSON.parse(await readFile(join(out, 'journal.json'), 'utf8'));
      expect(journal.status).toBe('interrupted');
      expect(journal.steps).toContainEqual(
        expect.objectContaining({ step: 'interrupted', detail: `aborted by ${signal}: rolling back` }),
      );
      expect(journal.targets[0].rollback).toMatchObject({ ok: true, verified: { state: 'empty' } });
    },
  );

  it('leaves an experiment behind on SIGKILL that expires by itself at its window.end', async () => {
    // Prepare: every request fails while the experiment is on; it expires 1 s after the planned 2.3 s of faults
    const file = await writeExperiment(2, {
      fault: '{ id: down, type: status, status: 503, probability: 1 }',
      extra: ['  expiryMarginSeconds: 1'],
    });
    const cli = startCli([
      'run',
      file,
      '--set',
      `STORE_FILE=${configFile}`,
      '--set',
      `SERVICE_URL=${service.url}`,
      '--out',
      join(directory, 'killed'),
    ]);
    const pushedAfter = Date.now();
    await observing(cli);

    // Act: nothing can be caught or rolled back
    cli.child.kill('SIGKILL');
    await cli.exited;

    // Assess: the store still holds the experiment, with a window.end shortly after the planned fault window
    const stored = JSON.parse(await readFile(configFile, 'utf8'));
    expect(stored).toMatchObject({ id: 'binary-test', enabled: true });
    const endMs = Date.parse(stored.window.end);
    expect(endMs).toBeGreaterThan(pushedAfter + 3300);
    expect(endMs).toBeLessThan(Date.now() + 3300);
    expect((await fetch(`${service.url}/orders/o-1001`)).status).toBe(503);
    // Once window.end has passed (plus the service's 150 ms config TTL), nothing is injected any more.
    await new Promise((resolveLater) => setTimeout(resolveLater, Math.max(0, endMs - Date.now()) + 500));
    expect((await fetch(`${service.url}/orders/o-1001`)).status).toBe(200);
    await rm(configFile, { force: true });
  });
});

/** Resolves once the binary prints that it observes (the experiment is pushed and on). */
function observing(cli: ReturnType<typeof startCli>): Promise<void> {
  return new Promise<void>((resolveObserving, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`never started observing: ${cli.output().stderr}`)),
      30_000,
    );
    const check = () => {
      if (cli.output().stderr.includes('observing')) {
        clearTimeout(timer);
        resolveObserving();
      }
    };
    cli.child.stderr.on('data', check);
    check();
  });
}
