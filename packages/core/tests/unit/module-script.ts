import { execFile } from 'node:child_process';

/**
 * Runs `script` as an ES module in a fresh Node process (TypeScript sources load through tsx) and resolves to its
 * stdout: for what only a process of its own shows (timers that keep it alive, what it writes on exit).
 */
export function runModuleScript(script: string, timeoutMs = 20_000): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { timeout: timeoutMs },
      (error, stdout) => (error ? reject(error) : resolve(stdout)),
    );
  });
}
