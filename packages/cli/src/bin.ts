#!/usr/bin/env node
import { runCli } from './cli.js';
import { exitCodes } from './exit-codes.js';

// Ctrl-C aborts the running command (a `run` rolls back first); a second Ctrl-C exits at once.
const controller = new AbortController();
let interrupts = 0;
process.on('SIGINT', () => {
  interrupts++;
  if (interrupts > 1) process.exit(exitCodes.interrupted);
  process.stderr.write('\ninterrupted: rolling back (press Ctrl-C again to exit without waiting)\n');
  controller.abort();
});

const code = await runCli(process.argv.slice(2), { signal: controller.signal });
process.exitCode = controller.signal.aborted && code === exitCodes.ok ? exitCodes.interrupted : code;
// SDK clients may keep idle keep-alive sockets open for a while after the work is done; once stdout is flushed,
// leave instead of waiting for them (the timer is unref'd, so a process with nothing left exits right away).
setTimeout(() => process.stdout.write('', () => process.exit()), 500).unref();
