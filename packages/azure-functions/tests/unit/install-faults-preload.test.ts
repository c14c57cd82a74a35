import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const execFileAsync = promisify(execFile);

// installFaults creates each function's wrapper on its first invocation, so it starts loading the engine runtime
// itself while the app initialises. Checked in a fresh process: in this one other tests have loaded it long ago.
it('installFaults starts loading the engine runtime during initialisation, before any invocation', async () => {
  const loader = new URL('../../../core/src/engine/fault-runtime-loader.ts', import.meta.url).href;
  const adapter = new URL('../../src/index.ts', import.meta.url).href;
  const script = `
    const { loadedFaultRuntime } = await import(${JSON.stringify(loader)});
    const { installFaults } = await import(${JSON.stringify(adapter)});
    const app = { hook: { preInvocation: () => ({ dispose() {} }) } };
    installFaults(app, { environment: {}, onEvent: () => {} });
    const atInstall = loadedFaultRuntime() !== undefined;
    for (let turn = 0; turn < 50 && loadedFaultRuntime() === undefined; turn++) await new Promise((resolve) => setTimeout(resolve, 10));
    console.log(JSON.stringify({ atInstall, beforeFirstInvocation: loadedFaultRuntime() !== undefined }));
  `;

  const { stdout } = await execFileAsync(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', '--input-type=module', '-e', script],
    { timeout: 30_000, env: { PATH: process.env.PATH ?? '' } },
  );

  expect(JSON.parse(stdout.trim().split('\n').at(-1) as string)).toEqual({
    atInstall: false,
    beforeFirstInvocation: true,
  });
});
