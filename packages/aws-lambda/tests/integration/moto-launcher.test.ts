import { MotoUnavailableError, startMoto } from '@faultline/testkit';
import { describe, expect, it } from 'vitest';

describe('startMoto (testkit)', () => {
  it('reuses MOTO_ENDPOINT without starting anything, and stopping it is a no-op', async () => {
    const moto = await startMoto({ environment: { MOTO_ENDPOINT: 'http://127.0.0.1:5999/' } });

    expect(moto).toMatchObject({ endpoint: 'http://127.0.0.1:5999', owned: false });
    await expect(moto.stop()).resolves.toBeUndefined();
  });

  it('explains how to install moto when the Python module is missing', async () => {
    const failure = startMoto({ environment: {}, python: 'python3-does-not-exist' });

    await expect(failure).rejects.toBeInstanceOf(MotoUnavailableError);
    await expect(failure).rejects.toThrow(/pip install 'moto\[server\]'.*MOTO_ENDPOINT/s);
  });

  it('starts its own server on a free loopback port and stops it', async () => {
    const moto = await startMoto({ environment: {} });
    try {
      expect(moto.owned).toBe(true);
      expect(moto.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await fetch(`${moto.endpoint}/moto-api/`)).ok).toBe(true);
    } finally {
      await moto.stop();
    }
    await expect(fetch(`${moto.endpoint}/moto-api/`)).rejects.toThrow();
  });
});
