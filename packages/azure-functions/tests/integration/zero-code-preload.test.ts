import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loopbackEnvironment } from '@faultline/testkit';
import { bundleForLoad } from '@faultline/testkit/bundle';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';

/*
 * `--import @faultline/azure-functions/auto` in a worker-like process: the testkit host (which provides
 * `@azure/functions-core` like the real worker) loads an app folder that never imports faultline and resolves its own
 * `@azure/functions`. The preload is bundled from the package's `./auto` entry as a published build would be.
 */

const testsDirectory = dirname(fileURLToPath(import.meta.url));
const azureFunctionsPackage = dirname(dirname(createRequire(import.meta.url).resolve('@azure/functions')));
const statusExperiment = JSON.stringify({
  schemaVersion: 1,
  id: 'preload-drill',
  faults: [{ id: 'down', type: 'status', probability: 1, status: 503 }],
});

let preload: string;
let runner: string;

beforeAll(async () => {
  const work = await mkdtemp(join(tmpdir(), 'faultline-azure-preload-'));
  preload = (
    await bundleForLoad({
      file: join(testsDirectory, '..', '..', 'src', 'auto', 'preload.ts'),
      outdir: join(work, 'preload'),
      external: ['@azure/*'],
    })
  ).entryFile;
  runner = join(work, 'runner.mjs');
  await build({
    entryPoints: [join(testsDirectory, '..', 'support', 'preload-host-runner.ts')],
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    conditions: ['source'],
    external: ['@azure/*', '@aws-sdk/*', '@google-cloud/*', 'esbuild', 'vitest'],
    outfile: runner,
    logLevel: 'silent',
  });
});

async function appFolder(
  files: Readonly<Record<string, string>>,
  library: 'link' | 'none' = 'link',
): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'faultline-azure-app-'));
  for (const [path, contents] of Object.entries(files)) {
    await mkdir(dirname(join(folder, path)), { recursive: true });
    await writeFile(join(folder, path), contents);
  }
  if (library === 'link') {
    await mkdir(join(folder, 'node_modules', '@azure'), { recursive: true });
    await symlink(azureFunctionsPackage, join(folder, 'node_modules', '@azure', 'functions'));
  }
  return folder;
}

interface Started {
  readonly url: string;
  readonly output: () => string;
  stop(): Promise<void>;
}

async function start(
  folder: string,
  entry: string,
  options: { environment?: Record<string, string>; withPreload?: boolean } = {},
): Promise<Started> {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      ...(options.withPreload === false ? [] : [`--import=${pathToFileURL(preload).href}`]),
      runner,
      join(folder, entry),
    ],
    {
      cwd: folder,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        ...loopbackEnvironment,
        // A deployment declares its stage (an unknown stage counts as production).
        FAULTLINE_STAGE: 'test',
        ...options.environment,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the app did not start:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = /listening (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match !== null) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the app exited (${code}) before serving:\n${output}`));
    });
  });
  return {
    url,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

function setupLines(output: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{"source":"faultline"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line.type === 'setup');
}

async function get(started: Started, path: string): Promise<{ status: number; body: string }> {
  try {
    const response = await fetch(`${started.url}${path}`);
    return { status: response.status, body: await response.text() };
  } finally {
    await started.stop();
  }
}

const handler = "async () => ({ body: 'from the function' })";
const apps = [
  {
    name: 'CommonJS app',
    files: {
      'package.json': '{"main":"src/functions/*.js"}',
      'src/functions/orders.js': `const { app } = require('@azure/functions');\napp.http('orders', { route: 'orders', handler: ${handler} });`,
    },
    entry: 'src/functions/orders.js',
  },
  {
    name: 'ES module app',
    files: {
      'package.json': '{"type":"module","main":"src/functions/*.js"}',
      'src/functions/orders.js': `import { app } from '@azure/functions';\napp.http('orders', { route: 'orders', handler: ${handler} });`,
    },
    entry: 'src/functions/orders.js',
  },
];

describe('an app that never imports faultline, started with the preload', () => {
  it.each(apps)(
    '$name: a status fault from FAULTLINE_CONFIG reaches the response',
    async ({ files, entry }) => {
      const started = await start(await appFolder(files), entry, {
        environment: { FAULTLINE_CONFIG: statusExperiment },
      });

      const response = await get(started, '/api/orders');

      expect(response.status, started.output()).toBe(503);
      expect(setupLines(started.output())).toEqual([
        expect.objectContaining({
          level: 'info',
          message: expect.stringContaining('instruments every function'),
        }),
      ]);
    },
  );

  it.each(apps)('$name: untouched without an experiment', async ({ files, entry }) => {
    const started = await start(await appFolder(files), entry);

    expect(await get(started, '/api/orders')).toEqual({ status: 200, body: 'from the function' });
  });

  it('does nothing at all with FAULTLINE_DISABLED=1', async () => {
    const app = apps[1] as (typeof apps)[number];
    const started = await start(await appFolder(app.files), app.entry, {
      environment: { FAULTLINE_CONFIG: statusExperiment, FAULTLINE_DISABLED: '1' },
    });

    expect(await get(started, '/api/orders')).toEqual({ status: 200, body: 'from the function' });
    expect(started.output()).not.toContain('"source":"faultline"');
  });

  it('leaves a handler the app wrapped with its own copy of faultline alone: one injection per request', async () => {
    const folder = await appFolder({ 'package.json': '{"type":"module","main":"index.mjs"}' });
    await build({
      entryPoints: [join(testsDirectory, '..', 'fixtures', 'already-wrapped-app.ts')],
      bundle: true,
      format: 'esm',
      platform: 'node',
      conditions: ['source'],
      external: ['@azure/*'],
      outfile: join(folder, 'index.mjs'),
      logLevel: 'silent',
    });
    const started = await start(folder, 'index.mjs', { environment: { FAULTLINE_CONFIG: statusExperiment } });

    const response = await get(started, '/api/orders');

    expect(response.status, started.output()).toBe(503);
    // The one injection is logged through the invocation's own `context` (the runner prints those lines).
    expect(started.output().match(/"type":"inject"/g)).toHaveLength(1);
  });

  it('an @azure/functions without the v4 hooks: the app runs as it is, and the log says why', async () => {
    const folder = await appFolder(
      {
        'package.json': '{"main":"index.js"}',
        'node_modules/@azure/functions/package.json':
          '{"name":"@azure/functions","version":"3.5.1","main":"index.js"}',
        'node_modules/@azure/functions/index.js': 'exports.HttpRequest = class {};',
        'index.js': "require('@azure/functions');",
      },
      'none',
    );
    const started = await start(folder, 'index.js', { environment: { FAULTLINE_CONFIG: statusExperiment } });
    await started.stop();

    expect(setupLines(started.output())).toEqual([
      expect.objectContaining({
        level: 'warn',
        message: expect.stringContaining('needs the v4 programming model'),
      }),
    ]);
  });

  it('an app that fails to load fails the same way with the preload', async () => {
    const folder = await appFolder({
      'package.json': '{"main":"index.js"}',
      'index.js': "require('@azure/functions');\nthrow new Error('config missing');",
    });
    const run = (withPreload: boolean) =>
      start(folder, 'index.js', { withPreload }).then(
        () => 'started',
        (error: Error) => error.message.split('\n').filter((line) => /Error: config missing/.test(line)),
      );

    const [without, withPreload] = [await run(false), await run(true)];

    expect(without).toEqual([expect.stringContaining('Error: config missing')]);
    expect(withPreload).toEqual(without);
  });
});
