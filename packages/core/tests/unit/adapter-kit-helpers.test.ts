import { afterEach, describe, expect, it, vi } from 'vitest';
import { instrumentFailingOpen, rejectOnAbort } from '../../src/adapter-kit.js';

describe('rejectOnAbort', () => {
  it('resolves and rejects as the promise does while the signal stays quiet', async () => {
    const signal = new AbortController().signal;
    await expect(rejectOnAbort(Promise.resolve(7), signal)).resolves.toBe(7);
    await expect(rejectOnAbort(Promise.reject(new TypeError('boom')), signal)).rejects.toThrow('boom');
  });

  it('rejects with the reason as soon as the signal aborts, before the promise settles', async () => {
    const controller = new AbortController();
    const never = new Promise<number>(() => {});
    const raced = rejectOnAbort(never, controller.signal);
    controller.abort('deadline');
    await expect(raced).rejects.toBe('deadline');
  });

  it('rejects at once when the signal has already aborted', async () => {
    let settled = false;
    const raced = rejectOnAbort(Promise.resolve(1), AbortSignal.abort('gone')).finally(() => {
      settled = true;
    });
    await expect(raced).rejects.toBe('gone');
    expect(settled).toBe(true);
  });
});

describe('instrumentFailingOpen', () => {
  afterEach(() => vi.restoreAllMocks());

  it('returns what instrument resolves to', async () => {
    const original = () => 'original';
    const wrapped = () => 'wrapped';
    await expect(instrumentFailingOpen(original, 'index.handler', {}, {}, async () => wrapped)).resolves.toBe(
      wrapped,
    );
  });

  it('returns the original and logs one error setup line naming the function when instrument throws', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const original = () => 'original';
    const result = await instrumentFailingOpen(
      original,
      'index.handler',
      { mechanism: 'test' },
      {},
      async () => {
        throw new TypeError('no engine');
      },
    );
    expect(result).toBe(original);
    expect(error).toHaveBeenCalledTimes(1);
    const line = JSON.parse(String(error.mock.calls[0]?.[0]));
    expect(line).toMatchObject({
      type: 'setup',
      level: 'error',
      message: 'faultline could not be set up (TypeError: no engine); index.handler runs without faults',
      details: { mechanism: 'test' },
    });
  });
});
