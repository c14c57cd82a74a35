import { afterEach, describe, expect, it, vi } from 'vitest';
import { createModuleLoader } from '../../src/engine/module-loader.js';

describe('createModuleLoader', () => {
  it('imports once, shares the load in flight, and answers loaded() synchronously afterwards', async () => {
    const module = { name: 'sdk' };
    const importModule = vi.fn(async () => module);
    const loader = createModuleLoader(importModule);

    expect(loader.loaded()).toBeUndefined();
    const [first, second] = await Promise.all([loader.load(), loader.load()]);
    await loader.load();

    expect(first).toBe(module);
    expect(second).toBe(module);
    expect(loader.loaded()).toBe(module);
    expect(importModule).toHaveBeenCalledTimes(1);
  });

  it('retries a failed load on the next call instead of remembering the rejection', async () => {
    const failure = new Error('EMFILE: too many open files');
    const importModule = vi
      .fn<() => Promise<{ name: string }>>()
      .mockRejectedValueOnce(failure)
      .mockResolvedValueOnce({ name: 'sdk' });
    const loader = createModuleLoader(importModule);

    // Both callers of the failed load see its error; neither poisons the loader.
    const failed = await Promise.allSettled([loader.load(), loader.load()]);
    expect(failed).toEqual([
      { status: 'rejected', reason: failure },
      { status: 'rejected', reason: failure },
    ]);
    expect(loader.loaded()).toBeUndefined();

    await expect(loader.load()).resolves.toEqual({ name: 'sdk' });
    expect(importModule).toHaveBeenCalledTimes(2);
  });
});

describe('the YAML parser', () => {
  afterEach(() => {
    vi.doUnmock('yaml');
    vi.resetModules();
  });

  it('is loaded again by the next YAML document after its load failed', async () => {
    vi.resetModules();
    vi.doMock('yaml', () => {
      throw new Error('EMFILE: too many open files');
    });
    const { parseExperimentText } = await import('@faultline/core');

    const first = await parseExperimentText('id: orders\nfaults: []\n');
    expect(first.ok ? '' : first.issues.map((issue) => issue.message).join('\n')).toMatch(
      /^could not be read as YAML: the yaml package failed to load \(/,
    );

    vi.doUnmock('yaml');
    await expect(parseExperimentText('id: orders\nfaults: []\n')).resolves.toEqual({
      ok: true,
      value: { id: 'orders', faults: [] },
    });
  });
});
