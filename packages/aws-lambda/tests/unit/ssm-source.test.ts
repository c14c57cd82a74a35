import { describe, expect, it, vi } from 'vitest';
import { createSsmSource, InvalidSsmSourceOptionError, type SsmClientLike } from '../../src/ssm/index.js';

function failingClient(error: Error): SsmClientLike & { calls: number } {
  const client = {
    calls: 0,
    send: async () => {
      client.calls += 1;
      throw error;
    },
  };
  return client;
}

function awsError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

const request = { signal: new AbortController().signal, previousVersion: undefined };

describe('createSsmSource', () => {
  it('imports the SDK again on the next read after its import failed, instead of failing for good', async () => {
    // The caller's client answers; the source still imports the SDK for its command class.
    const client = {
      send: async () => ({ Parameter: { Value: '{"id":"orders","faults":[]}', Version: 3 } }),
    };
    const source = createSsmSource({ parameterName: '/faultline/orders', client });
    // The first import of the SDK fails (a file system hiccup, a deployment still being unpacked).
    vi.doMock('@aws-sdk/client-ssm', () => {
      throw new Error('EMFILE: too many open files');
    });
    try {
      const first = await source.load(request).catch((error: unknown) => error);
      vi.doUnmock('@aws-sdk/client-ssm');
      const second = await source.load(request);

      expect(first).toBeInstanceOf(Error);
      expect(second).toEqual({ kind: 'document', document: '{"id":"orders","faults":[]}', version: '3' });
    } finally {
      vi.doUnmock('@aws-sdk/client-ssm');
    }
  });

  it('propagates throttling with the code and a hint, so the cache backs off', async () => {
    const client = failingClient(awsError('ThrottlingException', 'Rate exceeded'));
    const source = createSsmSource({ parameterName: '/faultline/orders', client });

    const failure = source.load(request);

    await expect(failure).rejects.toMatchObject({
      name: 'SsmParameterError',
      code: 'STORE_READ_FAILED',
      serviceCode: 'ThrottlingException',
      parameterName: '/faultline/orders',
    });
    await expect(failure).rejects.toThrow(/TPS quota/);
    expect(client.calls).toBe(1);
  });

  it('tells the user which permission is missing on access denied', async () => {
    const source = createSsmSource({
      parameterName: '/faultline/orders',
      client: failingClient(awsError('AccessDeniedException', 'not authorized')),
    });

    await expect(source.load(request)).rejects.toThrow(/ssm:GetParameter/);
  });

  it('refuses to load without a parameter name, naming the option and the variable (creating it never throws)', async () => {
    const source = createSsmSource({ environment: {} });

    await expect(source.load(request)).rejects.toThrow(/parameterName.*FAULTLINE_SSM_PARAMETER/);
    await expect(source.load(request)).rejects.toBeInstanceOf(InvalidSsmSourceOptionError);
    await expect(source.load(request)).rejects.toMatchObject({ code: 'INVALID_OPTION' });
  });

  it('refuses to load with an invalid parameter name', async () => {
    const client = failingClient(awsError('ThrottlingException', 'never called'));
    const source = createSsmSource({ parameterName: 'has spaces', environment: {}, client });

    await expect(source.load(request)).rejects.toThrow(/not a valid SSM/);
    expect(client.calls).toBe(0);
  });
});
