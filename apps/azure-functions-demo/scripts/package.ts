/**
 * `pnpm --filter @faultline/azure-functions-demo package`: builds a self-contained deployment folder,
 * `dist/deploy/`, for `func azure functionapp publish`: the app bundled into `dist/main.js` (ESM, workspace packages
 * inlined), `host.json`, and a `package.json` whose only dependencies are the Azure SDKs the worker and the App
 * Configuration source load at runtime (installed by the remote build).
 */
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** Where the deployment folder is written. */
export const deployDirectory = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'deploy');

/** Builds the deployment folder and returns its path. */
export async function packageDemo(): Promise<string> {
  const demoDirectory = join(deployDirectory, '..', '..');
  const manifest = JSON.parse(await readFile(join(demoDirectory, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  const runtimeDependencies = ['@azure/functions', '@azure/app-configuration'];
  await rm(deployDirectory, { recursive: true, force: true });
  await mkdir(join(deployDirectory, 'dist'), { recursive: true });
  await build({
    entryPoints: [join(demoDirectory, 'src', 'functions', 'app.ts')],
    outfile: join(deployDirectory, 'dist', 'main.js'),
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    conditions: ['source'],
    // The worker injects itself into @azure/functions, so the app must use the installed package, not a copy.
    external: [...runtimeDependencies, '@azure/identity'],
    // Bundled CommonJS code (the YAML parser) may call require; give ESM output one.
    banner: {
      js: "import { createRequire as __faultlineCreateRequire } from 'node:module'; const require = __faultlineCreateRequire(import.meta.url);",
    },
    sourcemap: true,
    logLevel: 'warning',
  });
  const dependencies: Record<string, string> = { '@azure/identity': '^4.0.0' };
  for (const name of runtimeDependencies) dependencies[name] = manifest.dependencies[name] ?? 'latest';
  await writeFile(
    join(deployDirectory, 'package.json'),
    `${JSON.stringify({ name: 'faultline-azure-functions-demo', version: '1.0.0', private: true, type: 'module', main: 'dist/main.js', dependencies }, null, 2)}\n`,
  );
  await copyFile(join(demoDirectory, 'host.json'), join(deployDirectory, 'host.json'));
  await writeFile(join(deployDirectory, '.funcignore'), 'local.settings.json\n*.map\n');
  return deployDirectory;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const directory = await packageDemo();
  console.log(
    `Deployment folder: ${directory}\n  cd ${directory} && func azure functionapp publish <app-name>`,
  );
}
