import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  builtinsAllowedAtImport,
  bundleForLoad,
  type LoadBundle,
  lazyRuntimeModules,
  maxEagerBundleBytes,
  runWithBundle,
} from '../bundle/index.js';

/**
 * The experiment the contract's bundled invocation reads from `FAULTLINE_CONFIG`: a 503 for everything whose
 * `match` field starts with `admin`, nothing else.
 */
function adminDownExperiment(match: { readonly field: string; readonly value: string }): string {
  return JSON.stringify({
    schemaVersion: 1,
    id: 'bundled',
    faults: [
      {
        id: 'admin-down',
        type: 'status',
        probability: 1,
        status: 503,
        match: [{ field: match.field, op: 'prefix', value: match.value }],
      },
    ],
  });
}

/**
 * How {@link describeImportCostContract} checks one adapter.
 *
 * @example
 * ```ts
 * const options: ImportCostContractOptions = {
 *   adapter: 'AWS Lambda',
 *   entries: { '@faultline/aws-lambda': fileURLToPath(new URL('../../src/index.ts', import.meta.url)) },
 *   external: ['@aws-sdk/*'],
 *   bundledInvocation: { entry: '@faultline/aws-lambda', match: { field: 'http.path', value: '/admin' }, script, expected },
 * };
 * ```
 */
export interface ImportCostContractOptions {
  /** The adapter's name in test titles. */
  readonly adapter: string;
  /** Public entries (label → source file) whose load cost is checked. */
  readonly entries: Readonly<Record<string, string>>;
  /** Peer packages users install next to the bundle. */
  readonly external: readonly string[];
  /** Drives the bundled main entry in a fresh process: it must load its runtime and inject. */
  readonly bundledInvocation: {
    /** Which of `entries` to run. */
    readonly entry: string;
    /** The field and prefix the injected fault matches on. */
    readonly match: { readonly field: string; readonly value: string };
    /**
     * Module code that gets the bundle as `entry`, invokes a wrapped handler once for something the fault does not
     * match and once for something it does, and prints one JSON line with the outcomes last.
     */
    readonly script: string;
    /** The outcomes that line must hold. */
    readonly expected: unknown;
    /** Where the script resolves peer packages from (the adapter's package directory). */
    readonly cwd?: string;
  };
}

/**
 * The contract every adapter's package passes about what a function pays before its first invocation, measured on
 * the bundle a user's bundler would build (`bundleForLoad`): each entry loads at most 25 kB at import, no cloud SDK,
 * no costly Node builtin and no module of the engine runtime or the experiment pipeline; and the bundled wrapper
 * still loads that runtime on its first invocation and injects.
 *
 * @example
 * ```ts
 * import { describeImportCostContract } from '@faultline/testkit';
 * describeImportCostContract(options);
 * ```
 */
export function describeImportCostContract(options: ImportCostContractOptions): void {
  describe(`what importing the ${options.adapter} adapter loads`, () => {
    let directory: string;
    const bundles = new Map<string, LoadBundle>();

    beforeAll(async () => {
      directory = await mkdtemp(join(tmpdir(), 'faultline-bundle-'));
      for (const [label, file] of Object.entries(options.entries)) {
        const outdir = join(directory, String(bundles.size));
        bundles.set(label, await bundleForLoad({ file, outdir, external: options.external }));
      }
    }, 60_000);

    afterAll(async () => {
      await rm(directory, { recursive: true, force: true });
    });

    it.each(Object.keys(options.entries))(
      '%s: at most 25 kB, no SDK, no costly builtin and none of the engine runtime',
      (label) => {
        const bundle = bundles.get(label) as LoadBundle;
        const runtimeModules = bundle.eagerInputs.filter((input) =>
          lazyRuntimeModules.some((module) => input.endsWith(module)),
        );

        // The wrapper itself is there (every wrapper, the Middy middleware too, is built on the phase wrapper): the
        // path matching above sees real inputs.
        expect(bundle.eagerInputs.some((input) => input.endsWith('core/src/adapter/phase-wrapper.ts'))).toBe(
          true,
        );
        expect(runtimeModules).toEqual([]);
        expect(bundle.eagerPeerImports).toBe(0);
        expect(bundle.eagerNodeBuiltins.filter((name) => !builtinsAllowedAtImport.includes(name))).toEqual(
          [],
        );
        expect(bundle.eagerBytes).toBeLessThanOrEqual(maxEagerBundleBytes);
        // The runtime is still shipped, behind import().
        expect(bundle.lazyBytes).toBeGreaterThan(bundle.eagerBytes);
      },
    );

    it.each(['esm', 'cjs'] as const)(
      'bundled as %s, the wrapper loads its runtime on the first invocation and injects',
      async (format) => {
        const invocation = options.bundledInvocation;
        const bundle =
          format === 'esm'
            ? (bundles.get(invocation.entry) as LoadBundle)
            : await bundleForLoad({
                file: options.entries[invocation.entry] as string,
                outdir: join(directory, 'cjs'),
                external: options.external,
                format: 'cjs',
              });

        const output = await runWithBundle(
          bundle.entryFile,
          invocation.script,
          { FAULTLINE_CONFIG: adminDownExperiment(invocation.match), FAULTLINE_STAGE: 'test' },
          invocation.cwd,
        );

        const lines = output.trim().split('\n');
        expect(JSON.parse(lines.at(-1) as string)).toEqual(invocation.expected);
        expect(lines.some((line) => line.includes('"type":"config-load"'))).toBe(true);
      },
    );
  });
}
