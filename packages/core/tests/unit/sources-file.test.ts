import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ConfigDocumentError,
  ConfigTooLargeError,
  createCachedConfig,
  createFileSource,
  InvalidConfigOptionError,
} from '../../src/index.js';

const load = (source: ReturnType<typeof createFileSource>, previousVersion?: string) =>
  source.load({ signal: new AbortController().signal, previousVersion });

describe('createFileSource', () => {
  let directory: string;

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'faultline-file-source-'));
  });

  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('refuses a YAML file with the fix, without parsing it (functions read JSON only)', async () => {
    const path = join(directory, 'experiment.yml');
    await writeFile(path, 'id: orders\nfaults:\n  - id: slow\n    type: latency\n');

    const error = await load(createFileSource(path)).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ConfigDocumentError);
    expect((error as Error).message).toContain(
      `file:${path} is YAML, and functions read experiments as JSON only`,
    );
    expect((error as Error).message).toContain('faultline push');
  });

  it('reads JSON whatever the extension, and says when the content is not JSON', async () => {
    const jsonPath = join(directory, 'experiment.conf');
    await writeFile(jsonPath, '  {"id":"json"}');
    const yamlPath = join(directory, 'other.conf');
    await writeFile(yamlPath, 'id: yaml\n');

    expect(await load(createFileSource(jsonPath))).toMatchObject({ document: { id: 'json' } });
    await expect(load(createFileSource(yamlPath))).rejects.toThrow(
      /is not valid JSON at line 1, column 1: expected a value \(this is not JSON/,
    );
  });

  it('names the file and the position when the JSON is broken', async () => {
    const path = join(directory, 'experiment.json');
    await writeFile(path, '{"id": "orders",');

    const error = await load(createFileSource(path)).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ConfigDocumentError);
    expect((error as Error).message).toContain(`file:${path} is not valid JSON`);
  });

  it('refuses a file over the size cap without reading it', async () => {
    const path = join(directory, 'experiment.json');
    await writeFile(path, JSON.stringify({ id: 'x'.repeat(2_000) }));

    const error = await load(createFileSource(path, { maxSizeBytes: 1_000 })).catch(
      (caught: unknown) => caught,
    );

    expect(error).toBeInstanceOf(ConfigTooLargeError);
    expect((error as ConfigTooLargeError).sizeBytes).toBe(2_009);
  });

  it('treats an empty file as missing', async () => {
    const empty = join(directory, 'empty.json');
    await writeFile(empty, '   \n');

    expect(await load(createFileSource(empty))).toEqual({ kind: 'missing' });
  });

  it('rejects a top level that is not an object, saying so', async () => {
    const path = join(directory, 'experiment.json');
    await writeFile(path, '"just a string"\n');

    await expect(load(createFileSource(path))).rejects.toThrow(/must contain an object/);
  });

  it('rejects a directory at the path', async () => {
    const path = join(directory, 'experiment.json');
    await mkdir(path);

    await expect(load(createFileSource(path))).rejects.toThrow(/not a regular file/);
  });

  it.runIf(process.platform !== 'win32')(
    'refuses a named pipe at the path without blocking on it',
    async () => {
      const path = join(directory, 'experiment.json');
      execFileSync('mkfifo', [path]);

      await expect(load(createFileSource(path))).rejects.toThrow(/not a regular file/);
    },
  );

  it('skips reading when modification time and size are unchanged', async () => {
    const path = join(directory, 'experiment.json');
    await writeFile(path, '{"id":"a"}');
    const source = createFileSource(path);
    const first = await load(source);
    if (first.kind !== 'document') throw new Error('expected a document');

    await writeFile(path, '{"id":"b"}');
    await utimes(path, new Date(1_700_000_000_000), new Date(1_700_000_000_000));
    const second = await load(source, first.version);
    if (second.kind !== 'document') throw new Error('expected a document');
    const third = await load(source, second.version);

    expect(second.document).toEqual({ id: 'b' });
    expect(third).toEqual({ kind: 'unchanged' });
  });

  it('feeds a cached config end to end', async () => {
    const path = join(directory, 'experiment.json');
    await writeFile(path, '{"id":"orders"}');
    const config = createCachedConfig(createFileSource(path), { parse: (document) => document });

    const cached = await config.get();

    expect(cached?.value).toEqual({ id: 'orders' });
    config.close();
  });

  it('rejects a negative size cap on load (never at creation)', async () => {
    const source = createFileSource('x.json', { maxSizeBytes: -1 });

    await expect(load(source)).rejects.toThrow(InvalidConfigOptionError);
  });
});
