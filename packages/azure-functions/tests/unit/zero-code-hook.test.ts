import { createRequire } from 'node:module';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { installAzureFunctionsHook } from '../../src/auto/azure-functions-hook.js';

// What a worker-like process cannot show in tests/integration/zero-code-preload: an older Node.

const moduleApi = createRequire(import.meta.url)('node:module') as { _load: unknown };

afterEach(() => {
  vi.restoreAllMocks();
});

describe('installAzureFunctionsHook', () => {
  it('changes nothing on a Node older than 20, and says so', () => {
    const lines: string[] = [];
    vi.spyOn(console, 'warn').mockImplementation((line: unknown) => lines.push(String(line)));
    const load = moduleApi._load;

    expect(installAzureFunctionsHook({ environment: {}, nodeVersion: '18.20.4' })).toBe(false);
    expect(moduleApi._load).toBe(load);
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({
        type: 'setup',
        level: 'warn',
        message: expect.stringContaining('Node 18.20.4'),
      }),
    ]);
  });

  it('does nothing at all with FAULTLINE_DISABLED set', () => {
    const log = vi.spyOn(console, 'log');
    const load = moduleApi._load;

    expect(installAzureFunctionsHook({ environment: { FAULTLINE_DISABLED: 'yes' } })).toBe(false);
    expect(moduleApi._load).toBe(load);
    expect(log).not.toHaveBeenCalled();
  });
});
