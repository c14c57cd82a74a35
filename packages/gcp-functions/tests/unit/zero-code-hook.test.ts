import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { installFunctionsFrameworkHook } from '../../src/auto/functions-framework-hook.js';

// What the real binary cannot show in tests/integration/zero-code-preload: an older Node and a framework whose
// loader the preload does not recognise.

afterEach(() => {
  vi.restoreAllMocks();
});

function captureLogs() {
  const lines: Record<string, unknown>[] = [];
  for (const method of ['log', 'warn', 'error'] as const) {
    vi.spyOn(console, method).mockImplementation((line: unknown) => {
      lines.push(JSON.parse(String(line)) as Record<string, unknown>);
    });
  }
  return lines;
}

const frameworkMain = join(
  dirname(createRequire(import.meta.url).resolve('@google-cloud/functions-framework')),
  'main.js',
);

describe('installFunctionsFrameworkHook', () => {
  it('changes nothing on a Node older than 20, and says so', () => {
    const logs = captureLogs();

    expect(
      installFunctionsFrameworkHook({ environment: {}, nodeVersion: '18.20.4', mainScript: frameworkMain }),
    ).toBe(false);
    expect(logs).toEqual([
      expect.objectContaining({
        type: 'setup',
        level: 'warn',
        message: expect.stringContaining('Node 18.20.4'),
      }),
    ]);
  });

  it('changes nothing with a framework loader it does not recognise, and says so', async () => {
    const logs = captureLogs();
    const root = await mkdtemp(join(tmpdir(), 'faultline-fake-framework-'));
    const source = join(root, 'node_modules', '@google-cloud', 'functions-framework', 'build', 'src');
    await mkdir(source, { recursive: true });
    await writeFile(join(source, 'main.js'), '');
    await writeFile(join(source, 'loader.js'), 'exports.loadFunction = async () => null;');

    expect(installFunctionsFrameworkHook({ environment: {}, mainScript: join(source, 'main.js') })).toBe(
      false,
    );
    expect(logs).toEqual([
      expect.objectContaining({
        level: 'warn',
        message: expect.stringContaining('has no loader faultline recognises'),
      }),
    ]);
  });

  it('does nothing, silently, with FAULTLINE_DISABLED set or outside the framework binary', () => {
    const logs = captureLogs();

    expect(
      installFunctionsFrameworkHook({ environment: { FAULTLINE_DISABLED: '1' }, mainScript: frameworkMain }),
    ).toBe(false);
    expect(
      installFunctionsFrameworkHook({
        environment: {},
        mainScript: '/usr/lib/node_modules/npm/bin/npm-cli.js',
      }),
    ).toBe(false);
    expect(logs).toEqual([]);
  });
});
