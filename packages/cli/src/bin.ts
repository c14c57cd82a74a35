#!/usr/bin/env node
import { runCli } from './cli.js';
import { exitCodes } from './exit-codes.js';

const controller = new AbortController();
/** SIGHUP arrived: the terminal is gone, writing to it fails (EIO); the rollback goes on without output. */
let hungUp = false;

// A reader that closed the pipe early (`faultline schema | head -1`) is not a failure of ours: no EPIPE stack trace,
// and the conventional status of a process whose pipe closed. A command still working is aborted like on Ctrl-C,
// so a `run` rolls back before the process leaves.
let pipeClosed = false;
let finished = false;
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    // After SIGHUP the terminal is gone (EIO): keep rolling back, silently.
    if (hungUp) return;
    if (error.code !== 'EPIPE' && !pipeClosed) throw error;
    if (pipeClosed) return;
    pipeClosed = true;
    process.exitCode = exitCodes.brokenPipe;
    if (finished) process.exit();
    controller.abort();
  });
}

// Every way a run can be ended from outside rolls back: Ctrl-C (SIGINT), a cancelled CI job or `kill` (SIGTERM), a
// closed terminal (SIGHUP). The first one aborts the running command, which rolls back before it returns. Only a
// second Ctrl-C exits at once (a person asking twice); a repeated SIGTERM/SIGHUP does not cut the rollback short
// (CI runners send SIGINT, then SIGTERM, then SIGKILL). SIGKILL cannot be caught: what `run` pushed carries a
// `window.end`, so it expires by itself.
const signalExitCodes = {
  SIGINT: exitCodes.interrupted,
  SIGTERM: exitCodes.terminated,
  SIGHUP: exitCodes.hungUp,
} as const;
type HandledSignal = keyof typeof signalExitCodes;
let received: HandledSignal | undefined;
for (const name of Object.keys(signalExitCodes) as HandledSignal[]) {
  process.on(name, () => {
    if (name === 'SIGHUP') hungUp = true;
    if (received !== undefined) {
      if (name === 'SIGINT' && received === 'SIGINT') process.exit(signalExitCodes.SIGINT);
      return;
    }
    received = name;
    if (!hungUp) {
      process.stderr.write(
        `\n${name === 'SIGINT' ? 'interrupted' : name}: rolling back${name === 'SIGINT' ? ' (press Ctrl-C again to exit without waiting)' : ''}\n`,
      );
    }
    controller.abort(name);
  });
}

const code = await runCli(process.argv.slice(2), { signal: controller.signal });
finished = true;
// Interrupted by a signal: the conventional 128 + signal number (130, 143, 129), unless something more important
// happened (a rollback that could not be verified exits 4).
process.exitCode = pipeClosed
  ? exitCodes.brokenPipe
  : received !== undefined && (code === exitCodes.ok || code === exitCodes.interrupted)
    ? signalExitCodes[received]
    : code;
if (pipeClosed) process.exit();
// SDK clients may keep idle keep-alive sockets open for a while after the work is done; once stdout is flushed,
// leave instead of waiting for them (the timer is unref'd, so a process with nothing left exits right away).
setTimeout(() => process.stdout.write('', () => process.exit()), 500).unref();
