import { spawn } from 'node:child_process';
import { type RunSection, splitCommandLine } from '@faultline/core';
import type { ToleranceCheck } from './journal.js';

type CommandProbe = NonNullable<RunSection['steadyState']['commands']>[number];

/**
 * The argv a steady-state command runs as, never through a shell of ours: a resolved command is already an argv
 * list (see `resolveRunSection`); a string is split the way validation split it; `shell: true` is `/bin/sh -c`.
 */
export function commandArgv(command: CommandProbe): readonly string[] | undefined {
  if (typeof command.run !== 'string') return command.run;
  if (command.shell) return ['/bin/sh', '-c', command.run];
  const split = splitCommandLine(command.run);
  return split.ok ? split.words : undefined;
}

/**
 * Runs every steady-state command at once, each as an argv list without a shell, and checks its exit code. A
 * command that cannot start (not found, not executable) or times out fails its check; none throws.
 *
 * @example
 * ```ts
 * const checks = await runCommandProbes(run, controller.signal);
 * // [{ name: 'command: ./check-queue.sh ${QUEUE}', observed: 0, tolerance: 'exit 0', ok: true }]
 * ```
 */
export async function runCommandProbes(run: RunSection, signal: AbortSignal): Promise<ToleranceCheck[]> {
  const commands = run.steadyState.commands ?? [];
  return Promise.all(
    commands.map(
      (command) =>
        new Promise<ToleranceCheck>((resolve) => {
          const done = (code: number) =>
            resolve({
              // The name is the command as written: resolved values (possibly secrets) stay out of the report.
              name: `command: ${command.name ?? (typeof command.run === 'string' ? command.run : command.run.join(' '))}`,
              observed: code,
              tolerance: `exit ${command.expectExitCode}`,
              ok: code === command.expectExitCode,
            });
          const argv = commandArgv(command);
          if (argv === undefined || argv.length === 0) {
            done(-1);
            return;
          }
          const [program, ...args] = argv as [string, ...string[]];
          const child = spawn(program, args, {
            shell: false,
            stdio: 'ignore',
            signal,
            timeout: command.timeoutMs,
          });
          child.on('error', () => done(-1));
          child.on('exit', (code) => done(code ?? -1));
        }),
    ),
  );
}
