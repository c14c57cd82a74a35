import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  type FunctionsFrameworkOptions,
  type FunctionsFrameworkProcess,
  startFunctionsFramework,
  watchChildProcess,
} from '@faultline/testkit';
import { bundleForLoad } from '@faultline/testkit/bundle';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { postBinaryCloudEvent } from '../support/framework-server.js';

/*
 * `NODE_OPTIONS="--import @faultline/gcp-functions/auto"` with the real `functions-framework` binary serving a user
 * folder that never imports faultline. The preload is bundled from the package's `./auto` entry as a published build
 * would be; testkit's startFunctionsFramework adds a test-only preload before it that binds the framework's server to
 * 127.0.0.1 (its CLI has no host option).
 */

const testsDirectory = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const frameworkPackage = dirname(dirname(dirname(require.resolve('@google-cloud/functions-framework'))));
const frameworkMain = join(frameworkPackage, 'build', 'src', 'main.js');
const statusExperiment = JSON.stringify({
  schemaVersion: 1,
  id: 'preload-drill',
  faults: [{ id: 'down', type: 'status', probability: 1, status: 503 }],
});

let preload: string;

beforeAll(async () => {
  const work = await mkdtemp(join(tmpdir(), 'faultline-gcp-preload-'));
  const bundle = await bundleForLoad({
    file: join(testsDirectory, '..', '..', 'src', 'auto', 'preload.ts'),
    outdir: join(work, 'preload'),
    external: ['@google-cloud/*'],
  });
  preload = bundle.entryFile;
});

/** A user folder with the framework installed as a dependency (a link to the workspace's copy). */
async function userFolder(files: Readonly<Record<string, string>>): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'faultline-gcp-function-'));
  for (const [path, contents] of Object.entries(files)) {
    await mkdir(dirname(join(folder, path)), { recursive: true });
    await writeFile(join(folder, path), contents);
  }
  await mkdir(join(folder, 'node_modules', '@google-cloud'), { recursive: true });
  await symlink(frameworkPackage, join(folder, 'node_modules', '@google-cloud', 'functions-framework'));
  return folder;
}

/**
 * The framework binary serving `folder` with the preload (unless `withPreload: false`), listening (unless
 * `waitUntilListening: false`, for a folder it must refuse: await `exited`).
 */
function serve(
  folder: string,
  target: string,
  options: Pick<FunctionsFrameworkOptions, 'signatureType' | 'waitUntilListening'> & {
    environment?: Record<string, string>;
    withPreload?: boolean;
  } = {},
): Promise<FunctionsFrameworkProcess> {
  const { environment, withPreload, ...framework } = options;
  return startFunctionsFramework({
    source: folder,
    target,
    frameworkMain,
    imports: withPreload === false ? [] : [preload],
    // A deployment declares its stage (an unknown stage counts as production).
    environment: { FAULTLINE_STAGE: 'test', ...environment },
    ...framework,
  });
}

function setupLines(output: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{"source":"faultline"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line.type === 'setup');
}

async function withServed<T>(served: FunctionsFrameworkProcess, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } finally {
    await served.stop();
  }
}

const httpLayouts = [
  {
    name: 'CommonJS, functions.http',
    files: {
      'package.json': '{"main":"index.js"}',
      'index.js':
        "const functions = require('@google-cloud/functions-framework');\nfunctions.http('orders', (req, res) => res.send('from the function'));",
    },
  },
  {
    name: 'ES module, functions.http',
    files: {
      'package.json': '{"main":"index.js","type":"module"}',
      'index.js':
        "import * as functions from '@google-cloud/functions-framework';\nfunctions.http('orders', async (req, res) => { res.send('from the function'); });",
    },
  },
  {
    name: 'CommonJS, exported by name',
    files: {
      'package.json': '{"main":"index.js"}',
      'index.js': "exports.orders = (req, res) => res.send('from the function');",
    },
  },
  {
    name: 'ES module .mjs, exported by name',
    files: {
      'package.json': '{"main":"function.mjs"}',
      'function.mjs': "export const orders = (req, res) => res.send('from the function');",
    },
  },
];

describe('HTTP functions served by the functions-framework binary with the preload', () => {
  it.each(httpLayouts)(
    '$name: a status fault from FAULTLINE_CONFIG reaches the response',
    async ({ files }) => {
      const served = await serve(await userFolder(files), 'orders', {
        environment: { FAULTLINE_CONFIG: statusExperiment },
      });

      await withServed(served, async () => {
        const response = await fetch(`${served.url}/orders`);
        expect(response.status, served.output()).toBe(503);
      });
      expect(setupLines(served.output())).toEqual([
        expect.objectContaining({ level: 'info', message: 'faultline instruments orders (HTTP)' }),
      ]);
    },
  );

  it('serves the function untouched without an experiment', async () => {
    const served = await serve(await userFolder(httpLayouts[0]?.files ?? {}), 'orders');

    await withServed(served, async () => {
      const response = await fetch(`${served.url}/orders`);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('from the function');
    });
  });

  it('does nothing at all with FAULTLINE_DISABLED=1', async () => {
    const served = await serve(await userFolder(httpLayouts[1]?.files ?? {}), 'orders', {
      environment: { FAULTLINE_CONFIG: statusExperiment, FAULTLINE_DISABLED: '1' },
    });

    await withServed(served, async () => {
      const response = await fetch(`${served.url}/orders`);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('from the function');
    });
    expect(served.output()).not.toContain('"source":"faultline"');
  });

  it('leaves a function the user wrapped with faultline alone: one injection per request', async () => {
    const folder = await userFolder({ 'package.json': '{"main":"index.mjs"}' });
    await build({
      entryPoints: [join(testsDirectory, '..', 'fixtures', 'already-wrapped.ts')],
      bundle: true,
      format: 'esm',
      platform: 'node',
      conditions: ['source'],
      external: ['@google-cloud/*'],
      outfile: join(folder, 'index.mjs'),
      logLevel: 'silent',
    });
    const served = await serve(folder, 'wrapped', { environment: { FAULTLINE_CONFIG: statusExperiment } });

    await withServed(served, async () => {
      expect((await fetch(`${served.url}/`)).status, served.output()).toBe(503);
    });
    expect(served.output().match(/"type":"inject"/g)).toHaveLength(1);
    expect(setupLines(served.output())).toEqual([
      expect.objectContaining({
        message: 'wrapped: already wrapped with faultline; the preload leaves it as it is',
      }),
    ]);
  });
});

const cloudEventLayouts = [
  {
    name: 'ES module, functions.cloudEvent',
    signatureType: undefined,
    files: {
      'package.json': '{"main":"index.js","type":"module"}',
      'index.js':
        "import * as functions from '@google-cloud/functions-framework';\nfunctions.cloudEvent('onOrder', async (event) => { console.log('handled ' + event.id); });",
    },
  },
  {
    name: 'CommonJS, exported by name with --signature-type=cloudevent',
    signatureType: 'cloudevent',
    files: {
      'package.json': '{"main":"index.js"}',
      'index.js': "exports.onOrder = async (event) => { console.log('handled ' + event.id); };",
    },
  },
];

describe('CloudEvent functions served by the functions-framework binary with the preload', () => {
  const attributes = {
    id: 'evt-1',
    type: 'google.cloud.pubsub.topic.v1.messagePublished',
    source: '//pubsub/test',
  };

  it.each(cloudEventLayouts)(
    '$name: an injected failure makes the delivery fail (so the platform retries)',
    async ({ files, signatureType }) => {
      const folder = await userFolder(files);
      const options = signatureType === undefined ? {} : { signatureType };
      const plain = await serve(folder, 'onOrder', options);
      const untouched = await withServed(
        plain,
        async () => (await postBinaryCloudEvent(plain.url, attributes, {})).status,
      );
      const served = await serve(folder, 'onOrder', {
        ...options,
        environment: { FAULTLINE_CONFIG: statusExperiment },
      });

      const failed = await withServed(
        served,
        async () => (await postBinaryCloudEvent(served.url, attributes, {})).status,
      );

      expect(untouched).toBeLessThan(300);
      expect(failed, served.output()).toBe(500);
      expect(served.output()).not.toContain('handled evt-1');
      expect(setupLines(served.output())).toEqual([
        expect.objectContaining({ message: 'faultline instruments onOrder (CloudEvent)' }),
      ]);
    },
  );

  it('a callback-style CloudEvent function runs untouched, and the log says why', async () => {
    const folder = await userFolder({
      'package.json': '{"main":"index.js"}',
      'index.js':
        "exports.onOrder = (event, callback) => { console.log('handled ' + event.id); callback(); };",
    });
    const served = await serve(folder, 'onOrder', {
      signatureType: 'cloudevent',
      environment: { FAULTLINE_CONFIG: statusExperiment },
    });

    const status = await withServed(
      served,
      async () => (await postBinaryCloudEvent(served.url, attributes, {})).status,
    );

    expect(status).toBeLessThan(300);
    expect(setupLines(served.output())).toEqual([
      expect.objectContaining({
        level: 'warn',
        message: expect.stringContaining('callback-style CloudEvent functions'),
      }),
    ]);
  });
});

describe('bad input keeps the framework’s own behaviour', () => {
  const cases = [
    {
      name: 'unknown target',
      files: {
        'package.json': '{"main":"index.js"}',
        'index.js': 'exports.orders = (req, res) => res.end();',
      },
      target: 'missing',
    },
    {
      name: 'module that throws at import',
      files: { 'package.json': '{"main":"index.js"}', 'index.js': "throw new Error('config missing');" },
      target: 'orders',
    },
    {
      name: 'target that is not a function',
      files: { 'package.json': '{"main":"index.js"}', 'index.js': 'exports.orders = 42;' },
      target: 'orders',
    },
  ];

  it.each(cases)(
    '$name: the framework reports it and exits as it does without the preload',
    async ({ files, target }) => {
      const folder = await userFolder(files);
      const without = await serve(folder, target, { withPreload: false, waitUntilListening: false });
      const withPreload = await serve(folder, target, {
        environment: { FAULTLINE_CONFIG: statusExperiment },
        waitUntilListening: false,
      });

      const [codeWithout, codeWith] = [await without.exited, await withPreload.exited];

      expect(codeWith).toBe(codeWithout);
      expect(codeWith).not.toBe(0);
      // The same messages; stack frames differ by the preload's own.
      const messages = (output: string) => output.split('\n').filter((line) => !/^\s+at /.test(line));
      expect(messages(withPreload.output())).toEqual(messages(without.output()));
    },
  );

  it('a process that is not the functions-framework binary is left alone, silently', async () => {
    const script = watchChildProcess(
      spawn(process.execPath, ['-e', 'console.log("just a script")'], {
        env: {
          PATH: process.env.PATH ?? '',
          NODE_OPTIONS: `--import=${pathToFileURL(preload).href}`,
          FAULTLINE_CONFIG: statusExperiment,
        },
      }),
    );
    await script.exited;

    expect(script.output()).toBe('just a script\n');
  });
});
