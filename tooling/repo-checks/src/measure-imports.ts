/**
 * What an unbundled import costs: for each entry point given (default: every adapter's root and core's entry
 * points), a fresh `node` process imports the built package from `dist/` (as an npm install would) and a module hook
 * records every file it loads. Prints, per entry, the number of files and their bytes, split into faultline's own
 * and third-party files. Build first (`pnpm build`).
 *
 * Usage: `pnpm --filter @faultline/repo-checks measure:imports [specifier…]`
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { listEntryPoints } from '@faultline/testkit/api-report';
import { listWorkspacePackages, repositoryRoot } from './workspace.js';

/** What one import loaded. */
export interface ImportCost {
  readonly specifier: string;
  readonly files: number;
  readonly bytes: number;
  readonly faultlineFiles: number;
  readonly faultlineBytes: number;
}

const hooks = `
import { appendFileSync } from 'node:fs';
let log;
export function initialize(data) { log = data.log; }
export async function load(url, context, nextLoad) {
  if (url.startsWith('file:')) appendFileSync(log, url + '\\n');
  return nextLoad(url, context);
}
`;

/** Imports `specifier` from `directory` (a workspace package that depends on it) in a fresh process. */
export function measureImport(specifier: string, directory: string): ImportCost {
  const scratch = mkdtempSync(join(tmpdir(), 'faultline-imports-'));
  try {
    const log = join(scratch, 'loaded.txt');
    writeFileSync(log, '');
    writeFileSync(join(scratch, 'hooks.mjs'), hooks);
    const register = join(scratch, 'register.mjs');
    writeFileSync(
      register,
      `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(scratch, 'hooks.mjs')).href)}, { data: { log: ${JSON.stringify(log)} } });\n`,
    );
    // CommonJS files that ESM imports are loaded by the same hook; those they require() are not (none here).
    execFileSync(
      process.execPath,
      ['--import', register, '--input-type=module', '-e', `await import(${JSON.stringify(specifier)});`],
      {
        cwd: directory,
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    const files = [...new Set(readFileSync(log, 'utf8').split('\n').filter(Boolean))].map((url) =>
      fileURLToPath(url),
    );
    const sizes = files.map((file) => ({ file, bytes: statSync(file).size }));
    const ours = sizes.filter(({ file }) => /[\\/](?:packages)[\\/][^\\/]+[\\/]dist[\\/]/.test(file));
    const sum = (list: typeof sizes) => list.reduce((total, { bytes }) => total + bytes, 0);
    return {
      specifier,
      files: sizes.length,
      bytes: sum(sizes),
      faultlineFiles: ours.length,
      faultlineBytes: sum(ours),
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function main(): void {
  const requested = process.argv.slice(2);
  const published = listWorkspacePackages().filter(
    (entry) => entry.manifest.private !== true && entry.manifest.name !== '@faultline/cli',
  );
  const entries = published.flatMap((entry) =>
    listEntryPoints(join(repositoryRoot, entry.directory)).map((point) => ({
      specifier: point.specifier,
      directory: entry.directory,
    })),
  );
  const chosen =
    requested.length === 0 ? entries : entries.filter((entry) => requested.includes(entry.specifier));
  const rows = chosen.map((entry) => measureImport(entry.specifier, join(repositoryRoot, entry.directory)));
  const width = Math.max(...rows.map((row) => row.specifier.length));
  console.log(`${'entry'.padEnd(width)}  files   bytes  (faultline: files   bytes)`);
  for (const row of rows) {
    console.log(
      `${row.specifier.padEnd(width)}  ${String(row.files).padStart(5)}  ${String(row.bytes).padStart(7)}  (           ${String(row.faultlineFiles).padStart(5)}  ${String(row.faultlineBytes).padStart(7)})`,
    );
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
