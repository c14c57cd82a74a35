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

const external = ['@google-cloud/*'];
const entries = {
  '@faultline/gcp-functions': fileURLToPath(new URL('../../src/index.ts', import.meta.url)),
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
      match: [{ field: 'event.type', op: 'prefix', value: 'admin.' }],
    },
  ],
});

function runtimeModulesIn(bundle: LoadBundle): string[] {
  return bundle.eagerInputs.filter((input) => lazyRuntimeModules.some((module) => input.endsWith(module)));
}

describe('what importing the GCP adapter loads', () => {
  let directory: string;
  const bundles = new Map<string, LoadBundle>();

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'faultline-gcp-bundle-'));
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
    const bundle = bundles.get('@faultline/gcp-functions') as LoadBundle;
    const script = `
      const handler = entry.withCloudEventFaults(async () => undefined);
      const cloudEvent = (type) => ({ specversion: '1.0', id: type, source: '//orders', type });
      const orders = await handler(cloudEvent('orders.created')).then(() => 'handled', (error) => error.status);
      const admin = await handler(cloudEvent('admin.created')).then(() => 'handled', (error) => error.status);
      console.log(JSON.stringify({ orders, admin }));
    `;

    const output = await runWithBundle(bundle.entryFile, script, { FAULTLINE_CONFIG: armedExperiment });

    const lines = output.trim().split('\n');
    expect(JSON.parse(lines.at(-1) as string)).toEqual({ orders: 'handled', admin: 503 });
    expect(lines.some((line) => line.includes('"type":"config-load"'))).toBe(true);
  });
});
