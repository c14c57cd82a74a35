import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { FaultlineError } from '@faultline/core';

const run = promisify(execFile);

/** The repository root (this file is `packages/testkit/src/packing/index.ts`). */
export const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

/** The public packages, in dependency order: what `pnpm -r publish` publishes. */
export const publishedPackageNames = [
  '@faultline/core',
  '@faultline/aws-lambda',
  '@faultline/gcp-functions',
  '@faultline/azure-functions',
  '@faultline/cli',
] as const;

/** One `pnpm pack` tarball of a workspace package. */
export interface PackedPackage {
  readonly name: string;
  readonly version: string;
  /** The package's folder in the repository. */
  readonly directory: string;
  /** Absolute path of the `.tgz`. */
  readonly tarball: string;
}

/** The workspace folder of a package name (`@faultline/aws-lambda` → `packages/aws-lambda`). */
export function packageDirectoryOf(name: string): string {
  return join(repositoryRoot, 'packages', name.replace(/^@faultline\//, ''));
}

/**
 * Builds the published packages (`turbo run build`, cached when nothing changed) and packs each with `pnpm pack`,
 * as `pnpm publish` would: `workspace:*` ranges replaced, `publishConfig` applied, only `files` included.
 *
 * @example
 * ```ts
 * const packed = await packPublishedPackages({ destination: await mkdtemp(join(tmpdir(), 'packed-')) });
 * ```
 */
export async function packPublishedPackages(options: {
  readonly destination: string;
  /** Which packages; default all of {@link publishedPackageNames}. */
  readonly names?: readonly string[];
}): Promise<PackedPackage[]> {
  const names = options.names ?? publishedPackageNames;
  await mkdir(options.destination, { recursive: true });
  await run(
    'pnpm',
    [
      'exec',
      'turbo',
      'run',
      'build',
      '--output-logs=errors-only',
      ...names.map((name) => `--filter=${name}`),
    ],
    {
      cwd: repositoryRoot,
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' },
    },
  );
  const packed: PackedPackage[] = [];
  for (const name of names) {
    const directory = packageDirectoryOf(name);
    const manifest = JSON.parse(await readFile(join(directory, 'package.json'), 'utf8')) as {
      version: string;
    };
    const before = new Set(await readdir(options.destination));
    await run('pnpm', ['pack', '--pack-destination', options.destination], {
      cwd: directory,
      maxBuffer: 64 * 1024 * 1024,
    });
    const created = (await readdir(options.destination)).filter(
      (file) => file.endsWith('.tgz') && !before.has(file),
    );
    if (created.length !== 1) {
      throw new FaultlineError('INTERNAL', `pnpm pack of ${name} produced ${created.length} tarballs`);
    }
    packed.push({
      name,
      version: manifest.version,
      directory,
      tarball: join(options.destination, created[0] as string),
    });
  }
  return packed;
}

/**
 * Installs tarballs into a fresh npm project, as a user who deploys `node_modules` would, without the network:
 * every registry dependency of the tarballs (e.g. `yaml`) is packed from the workspace's own install first and
 * installed from that file (`npm install --offline`). Optional peer dependencies stay uninstalled unless listed in
 * `extraPackages` (names resolved from the workspace).
 *
 * @example
 * ```ts
 * await installTarballs({ projectDirectory, tarballs: packed.map((item) => item.tarball) });
 * ```
 */
export async function installTarballs(options: {
  readonly projectDirectory: string;
  readonly tarballs: readonly string[];
  /** Third-party packages to install too (from the workspace's install), e.g. `['@aws-sdk/client-ssm']`. */
  readonly extraPackages?: readonly string[];
  /** The project's `type`. Default `commonjs` (npm's default), so `.js` files in it are CommonJS. */
  readonly type?: 'module' | 'commonjs';
}): Promise<void> {
  const { projectDirectory } = options;
  const vendorDirectory = join(projectDirectory, '.vendor');
  await mkdir(vendorDirectory, { recursive: true });
  await writeFile(
    join(projectDirectory, 'package.json'),
    `${JSON.stringify({ name: 'faultline-consumer', version: '1.0.0', private: true, type: options.type ?? 'commonjs' }, null, 2)}\n`,
  );
  const vendored = new Map<string, string>();
  const pending: { name: string; from: string }[] = [];
  for (const tarball of options.tarballs) {
    const manifest = await readPackedManifest(tarball);
    const source = packageDirectoryOf(manifest.name);
    for (const dependency of Object.keys(manifest.dependencies ?? {})) {
      if (!dependency.startsWith('@faultline/')) pending.push({ name: dependency, from: source });
    }
  }
  for (const name of options.extraPackages ?? [])
    pending.push({ name, from: packageDirectoryOf('@faultline/testkit') });
  // Pack each registry dependency (and its dependencies) from the workspace's install.
  while (pending.length > 0) {
    const { name, from } = pending.shift() as { name: string; from: string };
    if (vendored.has(name)) continue;
    const directory = resolvePackageDirectory(name, from);
    const { stdout } = await run(
      'npm',
      ['pack', directory, '--pack-destination', vendorDirectory, '--ignore-scripts', '--silent'],
      {
        cwd: projectDirectory,
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    vendored.set(name, join(vendorDirectory, stdout.trim().split('\n').at(-1) as string));
    const manifest = JSON.parse(await readFile(join(directory, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    for (const dependency of Object.keys(manifest.dependencies ?? {}))
      pending.push({ name: dependency, from: directory });
  }
  await run(
    'npm',
    [
      'install',
      '--offline',
      '--no-audit',
      '--no-fund',
      '--ignore-scripts',
      '--loglevel=error',
      ...options.tarballs,
      ...vendored.values(),
    ],
    { cwd: projectDirectory, maxBuffer: 64 * 1024 * 1024 },
  );
}

/** The folder of an installed package as `from` resolves it (follows pnpm's symlinks). */
function resolvePackageDirectory(name: string, from: string): string {
  const require = createRequire(join(from, 'package.json'));
  try {
    return dirname(require.resolve(`${name}/package.json`));
  } catch {
    // Packages whose `exports` hide package.json: walk up from the main entry.
    let directory = dirname(require.resolve(name));
    while (basename(directory) !== name.split('/').at(-1) && directory !== dirname(directory)) {
      directory = dirname(directory);
    }
    return directory;
  }
}

/** The `package.json` inside a tarball. */
export async function readPackedManifest(tarball: string): Promise<{
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  [field: string]: unknown;
}> {
  const { stdout } = await run('tar', ['-xzOf', tarball, 'package/package.json'], {
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(stdout);
}

/** The files inside a tarball, relative to its `package/` folder. */
export async function listPackedFiles(tarball: string): Promise<string[]> {
  const { stdout } = await run('tar', ['-tzf', tarball], { maxBuffer: 16 * 1024 * 1024 });
  return stdout
    .split('\n')
    .filter((line) => line !== '' && !line.endsWith('/'))
    .map((line) => line.replace(/^package\//, ''))
    .sort();
}
