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

const external = ['@azure/functions', '@azure/app-configuration', '@azure/identity'];
const entries = {
  '@faultline/azure-functions': fileURLToPath(new URL('../../src/index.ts', import.meta.url)),
} as const;
const packageDirectory = fileURLToPath(new URL('../..', import.meta.url));

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

describe('what importing the Azure adapter loads', () => {
  let directory: string;
  const bundles = new Map<string, LoadBundle>();

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'faultline-azure-bundle-'));
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
    const bundle = bundles.get('@faultline/azure-functions') as LoadBundle;
    // The host's real request and context classes, as the Functions host passes them.
    const script = `
      const { createRequire } = await import('node:module');
      const { HttpRequest, InvocationContext } = createRequire(process.cwd() + '/')('@azure/functions');
      const handler = entry.withFaults(async () => ({ status: 200, body: 'ok' }));
      const request = (path) => new HttpRequest({ method: 'GET', url: 'http://127.0.0.1:7071' + path });
      const context = new InvocationContext({ functionName: 'orders', invocationId: 'i-1', options: { trigger: { name: 'request', type: 'httpTrigger' } } });
      const orders = await handler(request('/api/orders/1'), context);
      const admin = await handler(request('/admin/users'), context);
      console.log(JSON.stringify({ orders: orders.status, admin: admin.status }));
    `;

    const output = await runWithBundle(
      bundle.entryFile,
      script,
      { FAULTLINE_CONFIG: armedExperiment },
      packageDirectory,
    );

    const lines = output.trim().split('\n');
    expect(JSON.parse(lines.at(-1) as string)).toEqual({ orders: 200, admin: 503 });
    expect(lines.some((line) => line.includes('"type":"config-load"'))).toBe(true);
  });
});
