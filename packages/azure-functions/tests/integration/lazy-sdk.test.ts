import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const execFileAsync = promisify(execFile);
const packageDirectory = fileURLToPath(new URL('../../', import.meta.url));

/*
 * Runs the package in a fresh Node process with a module-resolution hook that records every specifier, so the test
 * sees what a cold start really loads (not what the test runner happens to have cached).
 */
describe('the Azure SDKs are loaded only when used', () => {
  let directory: string;
  let hookPath: string;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'faultline-lazy-'));
    hookPath = join(directory, 'hooks.mjs');
    await writeFile(
      hookPath,
      [
        "import { appendFileSync } from 'node:fs';",
        'export async function resolve(specifier, context, next) {',
        "  if (specifier.startsWith('@azure/')) appendFileSync(process.env.FAULTLINE_RESOLVE_LOG, specifier + '\\n');",
        '  return next(specifier, context);',
        '}',
      ].join('\n'),
    );
    await writeFile(
      join(directory, 'register.mjs'),
      `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hookPath).href)});\n`,
    );
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  async function run(script: string): Promise<string[]> {
    const logPath = join(directory, `resolved-${Math.random().toString(36).slice(2)}.log`);
    await writeFile(logPath, '');
    await execFileAsync(
      process.execPath,
      [
        '--conditions=source',
        '--import',
        'tsx',
        '--import',
        join(directory, 'register.mjs'),
        '--input-type=module',
        '-e',
        script,
      ],
      { cwd: packageDirectory, env: { ...process.env, FAULTLINE_RESOLVE_LOG: logPath }, timeout: 30_000 },
    );
    return (await readFile(logPath, 'utf8')).split('\n').filter((line) => line !== '');
  }

  it('imports neither @azure/functions nor @azure/app-configuration when the package and a source are created', async () => {
    // Act
    const resolved = await run(`
      const { withFaults } = await import('@faultline/azure-functions');
      const { createAppConfigurationSource } = await import('@faultline/azure-functions/app-configuration');
      withFaults(async () => ({ body: 'ok' }), { environment: { FAULTLINE_AZURE_APPCONFIG_KEY: 'k', FAULTLINE_AZURE_APPCONFIG_ENDPOINT: 'https://127.0.0.1:1' } });
      createAppConfigurationSource({ key: 'k', connectionString: 'Endpoint=https://127.0.0.1:1;Id=i;Secret=c2VjcmV0', environment: {} });
    `);

    // Assess
    expect(resolved).toEqual([]);
  });

  it('loads @azure/app-configuration on the first read of the App Configuration source', async () => {
    // Act
    const resolved = await run(`
      const { createAppConfigurationSource } = await import('@faultline/azure-functions/app-configuration');
      const source = createAppConfigurationSource({
        key: 'k',
        connectionString: 'Endpoint=https://127.0.0.1:1;Id=i;Secret=c2VjcmV0',
        clientOptions: { retryOptions: { maxRetries: 0 } },
        environment: {},
      });
      await source.load({ signal: AbortSignal.timeout(5000), previousVersion: undefined }).catch(() => undefined);
    `);

    // Assess
    expect(resolved).toContain('@azure/app-configuration');
    expect(resolved).not.toContain('@azure/functions');
  });
});
