/**
 * `pnpm --filter @faultline/aws-lambda-demo package`: builds `deploy/`, the folder `template.yaml` points the
 * function at (`CodeUri: deploy/`, `Handler: index.handler`). It is self-contained: `src/handler.ts` bundled with
 * esbuild into `index.mjs` (ESM, Node 24, minified, source map), the workspace packages and the AWS SDK clients
 * inlined at the versions the tests use; code that loads on first use (the SSM client, faultline's engine runtime)
 * stays in separate chunks. Its `package.json` has no dependencies, so `sam build` has nothing to resolve — the
 * `workspace:*` ranges of this app's own package.json never reach SAM.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The demo app's folder. */
const demoDirectory = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Where the deployment folder is written (what `CodeUri` in template.yaml names). */
export const deployDirectory = join(demoDirectory, 'deploy');

/**
 * Builds the deployment folder and returns its path.
 *
 * @example
 * ```ts
 * const directory = await packageDemo(); // …/apps/aws-lambda-demo/deploy, then `sam build && sam deploy --guided`
 * ```
 */
export async function packageDemo(outputDirectory: string = deployDirectory): Promise<string> {
  await rm(outputDirectory, { recursive: true, force: true });
  await mkdir(outputDirectory, { recursive: true });
  await build({
    entryPoints: { index: join(demoDirectory, 'src', 'handler.ts') },
    outdir: outputDirectory,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    conditions: ['source'],
    minify: true,
    sourcemap: true,
    // Bundled CommonJS code (the AWS SDK's dependencies, the YAML parser) may call require; give ESM output one.
    banner: {
      js: "import { createRequire as __faultlineCreateRequire } from 'node:module'; const require = __faultlineCreateRequire(import.meta.url);",
    },
    logLevel: 'warning',
  });
  await writeFile(
    join(outputDirectory, 'package.json'),
    `${JSON.stringify({ name: 'faultline-aws-lambda-demo', version: '1.0.0', private: true, type: 'module' }, null, 2)}\n`,
  );
  return outputDirectory;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const directory = await packageDemo();
  console.log(`Deployment folder: ${directory}\n  cd ${demoDirectory} && sam build && sam deploy --guided`);
}
