import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.js';
import { exitCodes } from '../../src/exit-codes.js';
import { createMemoryOutput } from '../../src/output.js';
import { createFileStore } from '../../src/stores/file.js';
import { StoreAccessError } from '../../src/stores/store.js';

/*
 * Issue 13, item 4: `push` created directories and files anywhere (`--to file:../outside/new/dir/x.json`),
 * overwrote a file that was not an experiment after a `diff`, and took the same paths from an experiment file's
 * run section. The file store now never overwrites or removes what is not a faultline document, creates
 * directories only inside the working directory unless `--allow-outside`, and a run section's paths are relative
 * to its file and stay in its folder.
 */

let directory: string;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'faultline-file-paths-'));
});

afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function cli(args: string[]) {
  const output = createMemoryOutput();
  const code = await runCli(args, { output, environment: {}, statePath: join(directory, 'state.json') });
  return { code, stdout: output.stdout, stderr: output.stderr, all: `${output.stdout}\n${output.stderr}` };
}

/** An experiment file in `folder`, optionally with a run target whose file store is `storePath` as written. */
async function experimentIn(folder: string, storePath?: string): Promise<string> {
  await mkdir(folder, { recursive: true });
  const file = join(folder, 'experiment.yaml');
  const lines = [
    'schemaVersion: 1',
    'id: paths',
    'faults: [{ id: slow, type: latency, delayMs: 5, probability: 0.5 }]',
  ];
  if (storePath !== undefined) {
    lines.push(
      'run:',
      '  hypothesis: h',
      '  targets:',
      `    - { name: local, cloud: local, store: { kind: file, path: ${JSON.stringify(storePath)} }, probe: { url: "http://127.0.0.1:9/" } }`,
      '  steadyState: { successRatio: { min: 0.9 } }',
      '  load: { ratePerSecond: 1, durationSeconds: 1 }',
    );
  }
  await writeFile(file, lines.join('\n'));
  return file;
}

describe('file store paths', () => {
  it('push does not create directories outside the working directory without --allow-outside', async () => {
    // Prepare: the test's working directory is the package; the temporary directory is outside it.
    const file = await experimentIn(join(directory, 'project'));
    const target = join(directory, 'outside', 'new', 'dir', 'x.json');

    // Act
    const refused = await cli(['push', file, '--to', `file:${target}`]);
    const allowed = await cli(['push', file, '--to', `file:${target}`, '--allow-outside']);

    // Assess
    expect(refused.code).toBe(exitCodes.storeError);
    expect(refused.all).toContain('creates directories only inside the working directory');
    expect(refused.all).toContain('--allow-outside');
    expect(allowed.code).toBe(exitCodes.ok);
    expect(JSON.parse(await readFile(target, 'utf8'))).toMatchObject({ id: 'paths' });
  });

  it('refuses to overwrite or remove a file that is not a faultline document, after a diff and even with --force', async () => {
    // Prepare
    const file = await experimentIn(join(directory, 'project'));
    const victim = join(directory, 'package.json');
    const original = '{\n  "name": "someone-elses-app",\n  "version": "1.0.0"\n}\n';
    await writeFile(victim, original);

    // Act
    const diff = await cli(['diff', file, '--to', `file:${victim}`]);
    const push = await cli(['push', file, '--to', `file:${victim}`]);
    const forced = await cli(['push', file, '--to', `file:${victim}`, '--force']);
    const off = await cli(['off', file, '--to', `file:${victim}`]);

    // Assess
    expect(diff.code).not.toBe(exitCodes.usage);
    for (const result of [push, forced, off]) {
      expect(result.code, result.all).not.toBe(exitCodes.ok);
      expect(result.all).toContain('not a faultline experiment');
    }
    expect(await readFile(victim, 'utf8')).toBe(original);
  });

  it('overwrites its own documents and fills empty files', async () => {
    const file = await experimentIn(join(directory, 'project'));
    const empty = join(directory, 'empty.json');
    await writeFile(empty, '');

    await cli(['diff', file, '--to', `file:${empty}`]);
    expect((await cli(['push', file, '--to', `file:${empty}`])).code).toBe(exitCodes.ok);
    expect((await cli(['off', file, '--to', `file:${empty}`])).code).toBe(exitCodes.ok);
    expect(JSON.parse(await readFile(empty, 'utf8'))).toMatchObject({ id: 'paths', enabled: false });
  });

  it("takes a run section's paths relative to the experiment file, not the working directory", async () => {
    const folder = join(directory, 'project', 'experiments');
    const file = await experimentIn(folder, 'stores/demo.json');
    await mkdir(join(folder, 'stores'));

    const result = await cli(['push', file]);

    expect(result.code, result.all).toBe(exitCodes.ok);
    expect(existsSync(join(folder, 'stores', 'demo.json'))).toBe(true);
  });

  // Every escape lands in this test's own temporary directory, so a regression writes nothing elsewhere.
  it.each([
    ['a parent directory', () => '../outside.json'],
    ['an absolute path', () => join(directory, 'outside.json')],
    ['a deep escape', () => `${'../'.repeat(24)}${directory.slice(1)}/outside.json`],
  ])("keeps a run section's path inside its folder unless --allow-outside: %s", async (_case, storePath) => {
    // Prepare
    const folder = join(directory, 'project', 'experiments');
    const file = await experimentIn(folder, storePath());

    // Act
    const push = await cli(['push', file]);
    const run = await cli(['run', file, '--out', join(directory, 'report')]);

    // Assess
    expect(push.code).toBe(exitCodes.storeError);
    expect(push.all).toContain("outside the experiment's folder");
    expect(push.all).toContain('--allow-outside');
    expect(run.code).not.toBe(exitCodes.ok);
    expect(run.all).toContain("outside the experiment's folder");
    expect(existsSync(join(directory, 'project', 'outside.json'))).toBe(false);
    expect(existsSync(join(directory, 'outside.json'))).toBe(false);
  });

  it("follows symbolic links: a link in the experiment's folder that points elsewhere is outside", async () => {
    const folder = join(directory, 'project', 'experiments');
    const elsewhere = join(directory, 'elsewhere');
    await mkdir(elsewhere, { recursive: true });
    const file = await experimentIn(folder, 'link/x.json');
    await symlink(elsewhere, join(folder, 'link'));

    const refused = await cli(['push', file]);
    const allowed = await cli(['push', file, '--allow-outside']);

    expect(refused.code).toBe(exitCodes.storeError);
    expect(existsSync(join(elsewhere, 'x.json'))).toBe(true === (allowed.code === exitCodes.ok));
    expect(allowed.code).toBe(exitCodes.ok);
  });

  it('creates missing directories inside its working directory, and nowhere else', async () => {
    const inside = createFileStore({
      path: join(directory, 'a', 'b', 'x.json'),
      workingDirectory: directory,
    });
    const outside = createFileStore({
      path: join(directory, 'c', 'x.json'),
      workingDirectory: join(directory, 'a'),
    });

    await inside.write({ schemaVersion: 1, id: 'x', faults: [] }, { expectedVersion: null });
    const error = await outside
      .write({ schemaVersion: 1, id: 'x', faults: [] }, { expectedVersion: null })
      .catch((caught: unknown) => caught);
    await outside.remove({ expectedVersion: null, force: true });

    expect(existsSync(join(directory, 'a', 'b', 'x.json'))).toBe(true);
    expect(error).toBeInstanceOf(StoreAccessError);
    expect(existsSync(join(directory, 'c'))).toBe(false);
  });
});
