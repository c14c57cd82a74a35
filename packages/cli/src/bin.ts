#!/usr/bin/env node
import { runCli } from './cli.js';
import { exitCodes } from './exit-codes.js';

const controller = new AbortController();

// A reader that closed the pipe early (`faultline schema | head -1`) is not a failure of ours: no EPIPE stack trace,
// and the conventional status of a process whose pipe closed. A command still working is aborted like on Ctrl-C,
// so a `run` rolls back before the process leaves.
let pipeClosed = false;
let finished = false;
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE' && !pipeClosed) throw error;
    if (pipeClosed) return;
    pipeClosed = true;
    process.exitCode = exitCodes.brokenPipe;
    if (finished) process.exit();
    controller.abort();
  });
}

// Ctrl-C aborts the running command (a `run` rolls back first); a second Ctrl-C exits at once.
let interrupts = 0;
process.on('SIGINT', () => {
  interrupts++;
  if (interrupts > 1) process.exit(exitCodes.interrupted);
  process.stderr.write('\ninterrupted: rolling back (press Ctrl-C again to exit without waiting)\n');
  controller.abort();
});

const code = await runCli(process.argv.slice(2), { signal: controller.signal });
finished = true;
process.exitCode = pipeClosed
  ? exitCodes.brokenPipe
  : controller.signal.aborted && code === exitCodes.ok
    ? exitCodes.interrupted
    : code;
if (pipeClosed) process.exit();
// SDK clients may keep idle keep-alive sockets open for a while after the work is done; once stdout is flushed,
// leave instead of waiting for them (the timer is unref'd, so a process with nothing left exits right away).
setTimeout(() => process.stdout.write('', () => process.exit()), 500).unref();
