import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { FaultlineError } from '@faultline/core';

/** The Artillery version faultline is tested with (`npm i -D artillery@2.0.34`). */
export const artilleryTestedVersion = '2.0.34';

/** Artillery 2.0.x refuses to start below this Node version. */
export const artilleryMinimumNode = [22, 18] as const;

/** The Node binary Artillery runs on. */
export interface ArtilleryNode {
  readonly path: string;
  readonly version: string;
}

/**
 * Finds a Node >= 22.18 for Artillery's child process: this process's own Node when it is recent enough, else
 * `FAULTLINE_NODE22_BIN`, else `FAULTLINE_NODE24_BIN`. Throws an `INVALID_OPTION` error naming what was tried and
 * what to set when none fits — never falls back to the built-in driver.
 *
 * @example
 * ```ts
 * const node = resolveArtilleryNode(process.env); // { path: '/usr/bin/node', version: '22.23.5' }
 * ```
 */
export function resolveArtilleryNode(
  environment: Readonly<Record<string, string | undefined>>,
  current: ArtilleryNode = { path: process.execPath, version: process.versions.node },
): ArtilleryNode {
  if (isRecentEnough(current.version)) return current;
  const tried: string[] = [`this process runs Node ${current.version}`];
  for (const variable of ['FAULTLINE_NODE22_BIN', 'FAULTLINE_NODE24_BIN']) {
    const candidate = environment[variable];
    if (candidate === undefined || candidate === '') {
      tried.push(`${variable} is not set`);
      continue;
    }
    if (!existsSync(candidate)) {
      tried.push(`${variable}=${candidate} does not exist`);
      continue;
    }
    let version: string;
    try {
      version = execFileSync(candidate, ['-p', 'process.versions.node'], {
        encoding: 'utf8',
        timeout: 10_000,
      }).trim();
    } catch (error) {
      tried.push(`${variable}=${candidate} does not run (${(error as Error).message.split('\n')[0]})`);
      continue;
    }
    if (isRecentEnough(version)) return { path: candidate, version };
    tried.push(`${variable}=${candidate} is Node ${version}`);
  }
  throw new FaultlineError(
    'INVALID_OPTION',
    `run.load.driver: artillery needs Node >= ${artilleryMinimumNode.join('.')} for Artillery's process, but ${tried.join('; ')}. ` +
      'Run faultline with Node 22.18+ or 24, or set FAULTLINE_NODE22_BIN (or FAULTLINE_NODE24_BIN) to such a node binary; nothing was injected',
  );
}

/**
 * Finds Artillery's command (`artillery/bin/run`), installed next to `@faultline/cli` (an optional peer dependency)
 * or in the current project. Throws an `SDK_MISSING` error with the install command when it is in neither.
 *
 * @example
 * ```ts
 * const { binPath, version } = resolveArtilleryPackage(); // { binPath: '…/artillery/bin/run', version: '2.0.34' }
 * ```
 */
export function resolveArtilleryPackage(
  searchFrom: readonly string[] = [import.meta.url, join(process.cwd(), 'package.json')],
  requireFrom: (from: string) => NodeJS.Require = createRequire,
): { readonly binPath: string; readonly version: string } {
  for (const from of searchFrom) {
    try {
      const require = requireFrom(from);
      const manifestPath = require.resolve('artillery/package.json');
      const manifest = require(manifestPath) as { version?: unknown };
      const binPath = join(dirname(manifestPath), 'bin', 'run');
      if (existsSync(binPath)) return { binPath, version: String(manifest.version) };
    } catch {
      // Not installed there: try the next place.
    }
  }
  throw new FaultlineError(
    'SDK_MISSING',
    `run.load.driver: artillery needs the artillery package, which is not installed next to @faultline/cli nor in this project; install it with \`npm i -D artillery@${artilleryTestedVersion}\` (or use driver: builtin); nothing was injected`,
  );
}

function isRecentEnough(version: string): boolean {
  const [major = 0, minor = 0] = version
    .replace(/^v/, '')
    .split('.')
    .map((part) => Number.parseInt(part, 10));
  const [needMajor, needMinor] = artilleryMinimumNode;
  return major > needMajor || (major === needMajor && minor >= needMinor);
}
