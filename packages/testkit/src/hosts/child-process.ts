import type { ChildProcess } from 'node:child_process';

/** A child process (a host, a framework binary): its output so far, its exit, and a way to stop it. */
export interface WatchedProcess {
  /** Everything the process wrote to stdout and stderr so far, interleaved as it arrived. */
  output(): string;
  /** Resolves with the exit code when the process ends (`null` when a signal ended it or it never started). */
  readonly exited: Promise<number | null>;
  /** Kills the process (SIGKILL) unless it has ended already, and waits for it to end. */
  stop(): Promise<void>;
}

/**
 * Collects a spawned child's stdout and stderr (spawn it with `stdio: ['ignore', 'pipe', 'pipe']`) and watches its
 * exit. A failure to spawn at all ends up in the output as `[spawn error] …` and resolves `exited` with `null`.
 *
 * @example
 * ```ts
 * const script = watchChildProcess(spawn(process.execPath, ['script.js'], { stdio: ['ignore', 'pipe', 'pipe'] }));
 * expect(await script.exited, script.output()).toBe(0);
 * ```
 */
export function watchChildProcess(child: ChildProcess): WatchedProcess {
  let output = '';
  const append = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', (error) => {
      output += `\n[spawn error] ${error.message}`;
      resolve(null);
    });
  });
  return {
    output: () => output,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
