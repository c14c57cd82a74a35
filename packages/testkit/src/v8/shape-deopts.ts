import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** What {@link measureDeoptsAfterGc} reports. */
export interface DeoptsAfterGc {
  /** Optimized functions V8 threw away because an object they relied on (an object's shape) was collected. */
  readonly droppedFunctions: readonly string[];
  /** The script's last stdout line (it should print something, so a crash before the loop is visible). */
  readonly lastLine: string;
}

/**
 * Runs `script` (an ES module body, TypeScript sources resolved through the `source` condition) in a fresh
 * `node --expose-gc --trace-deopt` process and lists the functions whose optimized code V8 dropped because an
 * object it depended on died ("weak objects"): what happens to a hot path whose per-invocation objects all die
 * young once a full GC collects their shape. The script calls `gc()` itself, between batches of invocations.
 *
 * @example
 * ```ts
 * const { droppedFunctions } = await measureDeoptsAfterGc(script);
 * expect(droppedFunctions.filter((name) => name === 'decide')).toEqual([]);
 * ```
 */
export async function measureDeoptsAfterGc(
  script: string,
  nodeBinary: string = process.execPath,
): Promise<DeoptsAfterGc> {
  const { stdout } = await execFileAsync(
    nodeBinary,
    [
      '--expose-gc',
      '--trace-deopt',
      '--conditions=source',
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      script,
    ],
    { timeout: 120_000, maxBuffer: 64 * 1024 * 1024, env: { PATH: process.env.PATH ?? '' } },
  );
  const droppedFunctions: string[] = [];
  const lines = stdout.split('\n');
  for (const line of lines) {
    if (!line.includes('weak objects')) continue;
    // [marking dependent code 0x… <Code TURBOFAN> (0x… <SharedFunctionInfo decide>) (opt id 9) for deoptimization, reason: weak objects]
    const name = /<SharedFunctionInfo ?([^>]*)>/.exec(line)?.[1];
    droppedFunctions.push(name === undefined || name === '' ? '(anonymous)' : name);
  }
  const printed = lines.filter((line) => line.trim() !== '' && !line.startsWith('['));
  return { droppedFunctions, lastLine: printed.at(-1) ?? '' };
}
