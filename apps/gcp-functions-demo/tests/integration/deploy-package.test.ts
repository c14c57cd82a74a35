import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { demoOrders, startPricingServer } from '@faultline/demo-kit';
import {
  createEmulatorFirestore,
  type FunctionsFrameworkProcess,
  startFirestoreEmulator,
  startFunctionsFramework,
} from '@faultline/testkit';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageDemo } from '../../scripts/package.ts';
import { createFirestoreOrderStore } from '../../src/order-store.js';

const demoDirectory = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const demoNodeModules = join(demoDirectory, 'node_modules');
/** The demo's own `functions-framework` binary (its package.json `bin`), run with this process's Node. */
const frameworkMain = join(
  demoNodeModules,
  '@google-cloud',
  'functions-framework',
  'build',
  'src',
  'main.js',
);
const googleDependencies = ['@google-cloud/firestore', '@google-cloud/functions-framework'];

let directory: string;
let work: string;

beforeAll(async () => {
  directory = await packageDemo();
  // What Cloud Build would install from deploy/package.json, taken from this demo's own install instead.
  await symlink(demoNodeModules, join(directory, 'node_modules'), 'dir');
  work = await mkdtemp(join(tmpdir(), 'faultline-gcp-deploy-'));
});

afterAll(async () => {
  // The link is for this test only: the folder gcloud uploads holds what the package script wrote.
  if (directory !== undefined) await rm(join(directory, 'node_modules'), { force: true });
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

/** An inline experiment (`FAULTLINE_CONFIG`) with one fault. */
function experiment(fault: Record<string, unknown>): string {
  return JSON.stringify({ schemaVersion: 1, id: 'deployed', faults: [{ probability: 1, ...fault }] });
}

describe('the deployment folder (deploy/) built for gcloud functions deploy --source=deploy', () => {
  it('pins the Google SDKs at the versions this demo uses, and its bundle imports nothing else', async () => {
    // Prepare
    const demoManifest = JSON.parse(await readFile(join(demoDirectory, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };

    // Act: the manifest Cloud Build installs from, and every import of the bundle as esbuild parses it.
    const manifest = JSON.parse(await readFile(join(directory, 'package.json'), 'utf8')) as {
      type?: string;
      main?: string;
      dependencies?: Record<string, string>;
    };
    const installed = await Promise.all(
      googleDependencies.map(
        async (name) =>
          (
            JSON.parse(await readFile(join(directory, 'node_modules', name, 'package.json'), 'utf8')) as {
              version: string;
            }
          ).version,
      ),
    );
    const bundle = await readFile(join(directory, 'index.mjs'), 'utf8');
    const parsed = await build({
      entryPoints: [join(directory, 'index.mjs')],
      bundle: true,
      write: false,
      metafile: true,
      outdir: join(work, 'parsed'),
      format: 'esm',
      platform: 'node',
      packages: 'external',
      logLevel: 'silent',
    });
    const imports = Object.values(parsed.metafile.inputs).flatMap((input) =>
      input.imports.map((entry) => entry.path),
    );

    // Assess
    expect(manifest).toMatchObject({ type: 'module', main: 'index.mjs' });
    expect(manifest.dependencies).toEqual(
      Object.fromEntries(googleDependencies.map((name) => [name, demoManifest.dependencies[name]])),
    );
    expect(installed).toEqual(googleDependencies.map((name) => demoManifest.dependencies[name]));
    expect((await stat(join(directory, 'index.mjs.map'))).isFile()).toBe(true);
    expect(imports).toEqual(expect.arrayContaining(googleDependencies));
    expect(imports.filter((path) => !path.startsWith('node:') && !googleDependencies.includes(path))).toEqual(
      [],
    );
    // A CommonJS require esbuild could not resolve would be a call to its `__require` shim, failing at run time.
    expect(bundle).not.toMatch(/__require\(\s*["'`]/);
  });

  it('serves orders under the real functions-framework binary, with a status fault from FAULTLINE_CONFIG', async () => {
    // Prepare: the orders the deployed function reads from Firestore (src/index.ts), in an emulator project of its own.
    const projectId = `gcp-deploy-${randomUUID().slice(0, 8)}`;
    const emulator = await startFirestoreEmulator({ projectId });
    const pricing = await startPricingServer();
    let framework: FunctionsFrameworkProcess | undefined;
    try {
      const firestore = await createEmulatorFirestore(emulator);
      await createFirestoreOrderStore(firestore).seed(demoOrders);
      await firestore.terminate();
      framework = await startFunctionsFramework({
        source: directory,
        target: 'orders',
        frameworkMain,
        environment: {
          GCLOUD_PROJECT: projectId,
          FIRESTORE_EMULATOR_HOST: emulator.host,
          FAULTLINE_STAGE: 'dev',
          FAULTLINE_LOG_LEVEL: 'silent',
          FAULTLINE_CONFIG: experiment({
            id: 'down',
            type: 'status',
            status: 503,
            match: [{ field: 'http.path', op: 'eq', value: '/orders/o-1002' }],
          }),
          PRICING_URL: pricing.url,
        },
      });

      // Act
      const live = await fetch(`${framework.url}/orders/o-1001`);
      const injected = await fetch(`${framework.url}/orders/o-1002`);

      // Assess
      expect(live.status, framework.output()).toBe(200);
      expect(await live.json()).toEqual({
        id: 'o-1001',
        item: 'espresso-machine',
        price: 229,
        priceSource: 'live',
        cloud: 'gcp',
      });
      expect(injected.status, framework.output()).toBe(503);
    } finally {
      await framework?.stop();
      await pricing.close();
      await emulator.stop();
    }
  }, 60_000);

  it('fails orderCreated with an exception fault from FAULTLINE_CONFIG, for binary and structured CloudEvents', async () => {
    // Prepare: no Firestore here — the fault answers before the handler would record the event. The emulator host
    // is a closed loopback port, so the client could never reach Google even if the handler ran.
    const pricing = await startPricingServer();
    let framework: FunctionsFrameworkProcess | undefined;
    try {
      framework = await startFunctionsFramework({
        source: directory,
        target: 'orderCreated',
        frameworkMain,
        signatureType: 'cloudevent',
        environment: {
          GCLOUD_PROJECT: 'faultline-deploy-test',
          FIRESTORE_EMULATOR_HOST: '127.0.0.1:9',
          FAULTLINE_STAGE: 'dev',
          FAULTLINE_LOG_LEVEL: 'silent',
          FAULTLINE_CONFIG: experiment({
            id: 'boom',
            type: 'exception',
            message: 'order broker hiccup',
            match: [{ field: 'event.type', op: 'eq', value: 'com.example.order.created' }],
          }),
          PRICING_URL: pricing.url,
        },
      });
      const attributes = { type: 'com.example.order.created', source: '//orders' };

      // Act
      const binary = await fetch(framework.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'ce-specversion': '1.0',
          'ce-id': 'evt-binary',
          'ce-type': attributes.type,
          'ce-source': attributes.source,
        },
        body: JSON.stringify({ orderId: 'o-1001' }),
      });
      const structured = await fetch(framework.url, {
        method: 'POST',
        headers: { 'content-type': 'application/cloudevents+json' },
        body: JSON.stringify({
          specversion: '1.0',
          id: 'evt-structured',
          ...attributes,
          datacontenttype: 'application/json',
          data: { orderId: 'o-1002' },
        }),
      });

      // Assess
      expect(binary.status, framework.output()).toBe(500);
      expect(structured.status, framework.output()).toBe(500);
      expect(framework.output()).toContain('order broker hiccup');
    } finally {
      await framework?.stop();
      await pricing.close();
    }
  }, 60_000);
});
