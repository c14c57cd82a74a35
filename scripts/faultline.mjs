#!/usr/bin/env node
// `pnpm faultline <args>`: the CLI from source (TypeScript through tsx, workspace packages through their `source`
// export condition), no build step. pnpm runs root scripts in the repository root; relative paths in <args> are
// the user's, so the CLI runs where `pnpm faultline` was typed (INIT_CWD).
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// biome-ignore lint/suspicious/noUndeclaredEnvVars: set by pnpm for scripts; no turbo task reads it
const cwd = process.env.INIT_CWD ?? process.cwd();
const child = spawn(
  process.execPath,
  [
    '--conditions=source',
    '--import',
    import.meta.resolve('tsx'),
    join(root, 'packages/cli/src/bin.ts'),
    ...process.argv.slice(2),
  ],
  { cwd, stdio: 'inherit' },
);
// A terminal's Ctrl-C reaches the whole process group, the CLI included: wait for it to roll back and exit.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => child.kill('SIGTERM'));
child.on('exit', (code, signal) => {
  process.exitCode = code ?? (signal === null ? 1 : 128);
});
