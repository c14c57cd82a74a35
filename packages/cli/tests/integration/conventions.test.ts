import {
  type ChildProcessByStdio,
  type ChildProcessWithoutNullStreams,
  spawn,
  spawnSync,
} from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The real binary, from source, as `pnpm faultline` runs it: conventions are about the process, not the library.
const packageDirectory = resolve(import.meta.dirname, '../..');
const binary = [process.execPath, '--conditions=source', '--import', 'tsx', 'src/bin.ts'];
const homepage = (
  JSON.parse(await readFile(join(packageDirectory, 'package.json'), 'utf8')) as { homepage: string }
).homepage;
let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'faultline-conventions-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** Waits for a child to close; its stdout and stderr captured separately. */
function collect(child: ChildProcessWithoutNullStreams | ChildProcessByStdio<null, Readable, Readable>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolveRun) => {
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolveRun({ code, stdout, stderr }));
  });
}

/** Runs the binary with stdout and stderr captured separately. */
function runBinary(args: string[], environment: Record<string, string | undefined> = {}) {
  return collect(
    spawn(binary[0] as string, [...binary.slice(1), ...args], {
      cwd: packageDirectory,
      env: { ...process.env, FORCE_COLOR: undefined, NO_COLOR: undefined, ...environment },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
}

/** Runs the binary on a pseudo-terminal (util-linux `script`): stdout and stderr both reach the terminal. */
function runOnTerminal(args: string[], environment: Record<string, string | undefined> = {}): string {
  const quote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;
  const command = [...binary, ...args].map(quote).join(' ');
  const result = spawnSync('script', ['-q', '-e', '-c', command, '/dev/null'], {
    cwd: packageDirectory,
    env: { ...process.env, FORCE_COLOR: undefined, NO_COLOR: undefined, TERM: 'xterm', ...environment },
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (result.error !== undefined) throw result.error;
  return result.stdout;
}

describe('the binary follows command-line conventions', () => {
  it('exits quietly with status 141 when the reader of stdout goes away (faultline schema | head -1)', async () => {
    // Prepare: a reader that closes its end before the binary writes
    const child = spawn(binary[0] as string, [...binary.slice(1), 'schema'], {
      cwd: packageDirectory,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));

    // Act
    const code = await new Promise<number | null>((resolveExit) => child.on('close', resolveExit));

    // Assess
    expect(stderr).not.toMatch(/EPIPE|Error|at /);
    expect(code).toBe(141);
  });

  it('writes usage errors to stderr and nothing to stdout, with "did you mean" for commands', async () => {
    const result = await runBinary(['vaildate', 'x.yaml']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('unknown command "vaildate"');
    expect(result.stderr).toContain('did you mean "faultline validate"?');
  });

  it('keeps stdout for the result: validate --json stays parseable while errors go to stderr', async () => {
    const file = join(directory, 'bad.yaml');
    await writeFile(
      file,
      'schemaVersion: 1\nid: bad\nfaults:\n  - { id: a, type: latency, delayMs: 10, probability: 5 }\n',
    );
    const result = await runBinary(['validate', file, '--json']);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.files[0].issues[0]).toMatchObject({ path: 'faults[0].probability', line: 4, column: 42 });
  });

  it('prints file:line:column next to the JSON path, so editors and CI can annotate the line', async () => {
    const file = join(directory, 'annotate.yaml');
    await writeFile(
      file,
      'schemaVersion: 1\nid: bad\nfaults:\n  - id: b\n    type: latncy\n    probability: 1\n',
    );
    const result = await runBinary(['validate', file]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`${file}:5:5: faults[0].type: is not a known fault type`);
  });

  it('links help and usage errors to the docs by the package homepage URL, not repository paths', async () => {
    const help = await runBinary(['--help']);
    expect(help.stdout).toContain(`${homepage}/docs/cli`);
    expect(help.stdout).not.toMatch(/(^|\s)docs\/\S+\.md/);
    const runHelp = await runBinary(['run', '--help']);
    expect(runHelp.stdout).toContain(`Docs: ${homepage}/docs/running-experiments`);
    const usage = await runBinary(['push', '--forse']);
    expect(usage.stderr).toContain(`${homepage}/docs/cli#faultline-push`);
  });

  it('colours a pipe when FORCE_COLOR is set, and not otherwise', async () => {
    const plain = await runBinary(['pish']);
    expect(plain.stderr).not.toContain('\u001b[');
    const forced = await runBinary(['pish'], { FORCE_COLOR: '1' });
    expect(forced.stderr).toContain('\u001b[31m✗');
  });

  it('colours a terminal unless NO_COLOR is set to a non-empty value', () => {
    expect(runOnTerminal(['--help'])).toContain('\u001b[');
    expect(runOnTerminal(['pish'], { NO_COLOR: '' })).toContain('\u001b[31m✗');
    expect(runOnTerminal(['pish'], { NO_COLOR: '1' })).not.toContain('\u001b[');
  });

  it('runs from source with `pnpm faultline`, relative paths taken from where it was typed', async () => {
    // As a user types it in a shell: not inside the pnpm and vitest runs this test itself is in.
    const result = await collect(
      spawn('pnpm', ['faultline', 'validate', 'pricing-latency.yaml'], {
        cwd: resolve(packageDirectory, '../../experiments'),
        env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('✓ pricing-latency.yaml: experiment "pricing-latency"');
  });
});
