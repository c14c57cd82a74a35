/**
 * `pnpm --filter @faultline/gcp-functions-demo package`: builds `deploy/`, the folder the README's
 * `gcloud functions deploy … --source=deploy` uploads. `src/index.ts` (which registers `orders` and `orderCreated`)
 * is bundled with esbuild into `index.mjs` (ESM, Node 24, source map), the workspace packages inlined; the Google SDKs
 * stay external and its `package.json` lists them at the exact versions this app's own package.json pins, for Cloud
 * Build to install — the `workspace:*` ranges never reach it.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The demo app's folder. */
const demoDirectory = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Where the deployment folder is written (what `--source` names in the README's `gcloud functions deploy`). */
export const deployDirectory = join(demoDirectory, 'deploy');

/** What the bundle leaves to the runtime: the framework that serves it and the Firestore client. */
export const runtimeDependencies = ['@google-cloud/functions-framework', '@google-cloud/firestore'] as const;

/**
 * Builds the deployment folder and returns its path.
 *
 * @example
 * ```ts
 * const directory = await packageDemo(); // …/apps/gcp-functions-demo/deploy, then `gcloud functions deploy … --source=deploy`
 * ```
 */
export async function packageDemo(outputDirectory: string = deployDirectory): Promise<string> {
  const manifest = JSON.parse(await readFile(join(demoDirectory, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  const dependencies: Record<string, string> = {};
  for (const name of runtimeDependencies) {
    const version = manifest.dependencies[name];
    if (version === undefined)
      throw new Error(`${name} is not a dependency of ${demoDirectory}/package.json`);
    dependencies[name] = version;
  }
  await rm(outputDirectory, { recursive: true, force: true });
  await mkdir(outputDirectory, { recursive: true });
  await build({
    entryPoints: { index: join(demoDirectory, 'src', 'index.ts') },
    outdir: outputDirectory,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    format: 'esm',
    platform: 'node',
    // The README deploys with --runtime=nodejs24. For this source esbuild prints the same code for node20 as for
    // node24 (nothing is lowered either way), so the folder runs on Node 20 and 22 too, as its test does.
    target: 'node24',
    conditions: ['source'],
    // The framework registers the functions the bundle declares, so both must load the same installed copy.
    external: ['@google-cloud/*'],
    sourcemap: true,
    logLevel: 'warning',
  });
  await writeFile(
    join(outputDirectory, 'package.json'),
    `${JSON.stringify({ name: 'faultline-gcp-functions-demo', version: '1.0.0', private: true, type: 'module', main: 'index.mjs', dependencies }, null, 2)}\n`,
  );
  return outputDirectory;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const directory = await packageDemo();
  console.log(
    `Deployment folder: ${directory}\n  cd ${demoDirectory} && gcloud functions deploy orders --gen2 --source=deploy --entry-point=orders … (see README.md)`,
  );
}
