import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  builtinsAllowedAtImport,
  bundleForLoad,
  type LoadBundle,
  lazyRuntimeModules,
  maxEagerBundleBytes,
  runWithBundle,
} from '@faultline/testkit/bundle';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// What a function pays before its first invocation, measured on the bundle a user's bundler would build: the
// engine's runtime must stay behind import(), and still work once bundled.

const external = ['@aws-sdk/*', '@middy/*'];
const entries = {
  '@faultline/aws-lambda': fileURLToPath(new URL('../../src/index.ts', import.meta.url)),
  '@faultline/aws-lambda/middy': fileURLToPath(new URL('../../src/middy/index.ts', import.meta.url)),
} as const;

const armedExperiment = JSON.stringify({
  schemaVersion: 1,
  id: 'bundled',
  faults: [
    {
      id: 'admin-down',
      type: 'status',
      probability: 1,
      status: 503,
      match: [{ field: 'http.path', op: 'prefix', value: '/admin' }],
    },
  ],
});

function runtimeModulesIn(bundle: LoadBundle): string[] {
  return bundle.eagerInputs.filter((input) => lazyRuntimeModules.some((module) => input.endsWith(module)));
}

describe('what importing the AWS adapter loads', () => {
  let directory: string;
  const bundles = new Map<string, LoadBundle>();

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'faultline-aws-bundle-'));
    for (const [label, file] of Object.entries(entries)) {
      bundles.set(label, await bundleForLoad({ file, outdir: join(directory, label), external }));
    }
  }, 60_000);

  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it.each(Object.keys(entries))(
    '%s: at most 25 kB, no SDK, no costly builtin and none of the engine runtime',
    (label) => {
      const bundle = bundles.get(label) as LoadBundle;

      expect(
        bundle.eagerInputs.some((input) => input.endsWith('core/src/adapter/create-fault-wrapper.ts')),
      ).toBe(true);
      expect(runtimeModulesIn(bundle)).toEqual([]);
      expect(bundle.eagerPeerImports).toBe(0);
      expect(bundle.eagerNodeBuiltins.filter((name) => !builtinsAllowedAtImport.includes(name))).toEqual([]);
      expect(bundle.eagerBytes).toBeLessThanOrEqual(maxEagerBundleBytes);
      // The runtime is still shipped, behind import().
      expect(bundle.lazyBytes).toBeGreaterThan(bundle.eagerBytes);
    },
  );

  it('the bundled wrapper loads its runtime on the first invocation and injects', async () => {
    const bundle = bundles.get('@faultline/aws-lambda') as LoadBundle;
    const script = `
      const handler = entry.withFaults(async () => ({ statusCode: 200, body: 'ok' }));
      const context = { awsRequestId: 'r-1', functionName: 'orders', getRemainingTimeInMillis: () => 3000 };
      const event = (path) => ({ version: '2.0', routeKey: '$default', rawPath: path, rawQueryString: '', headers: {}, requestContext: { http: { method: 'GET', path }, requestId: path, stage: '$default' }, isBase64Encoded: false });
      const orders = await handler(event('/orders/1'), context);
      const admin = await handler(event('/admin/users'), context);
      console.log(JSON.stringify({ orders: orders.statusCode, admin: admin.statusCode }));
    `;

    const output = await runWithBundle(bundle.entryFile, script, { FAULTLINE_CONFIG: armedExperiment });

    const lines = output.trim().split('\n');
    expect(JSON.parse(lines.at(-1) as string)).toEqual({ orders: 200, admin: 503 });
    expect(lines.some((line) => line.includes('"type":"config-load"'))).toBe(true);
  });
});
