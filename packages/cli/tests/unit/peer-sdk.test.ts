import type { SSMClient } from '@aws-sdk/client-ssm';
import { describe, expect, it, vi } from 'vitest';
import { createSsmStore } from '../../src/stores/aws-ssm.ts';
import { importPeerSdk } from '../../src/stores/peer-sdk.ts';
import { StoreAccessError } from '../../src/stores/store.ts';

/** What Node's ESM loader throws for a package that is not installed. */
function missingPackage(specifier: string, code = 'ERR_MODULE_NOT_FOUND'): Error {
  return Object.assign(new Error(`Cannot find package '${specifier}' imported from /app/dist/bin.mjs`), {
    code,
  });
}

describe('a store whose cloud SDK (an optional peer) is not installed', () => {
  it('says which store needs which package and how to install it', async () => {
    const importing = importPeerSdk('aws-ssm:/faultline/orders', '@aws-sdk/client-ssm', () =>
      Promise.reject(missingPackage('@aws-sdk/client-ssm')),
    );
    await expect(importing).rejects.toBeInstanceOf(StoreAccessError);
    await expect(importing).rejects.toThrow(
      'aws-ssm:/faultline/orders: this store needs @aws-sdk/client-ssm, an optional peer dependency of @faultline/cli that is not installed. Install it next to the CLI to use this store: npm install @aws-sdk/client-ssm',
    );
  });

  it('recognises CommonJS resolution errors too', async () => {
    const error = Object.assign(new Error("Cannot find module '@google-cloud/firestore'"), {
      code: 'MODULE_NOT_FOUND',
    });
    await expect(
      importPeerSdk('gcp-firestore:faultline/orders', '@google-cloud/firestore', () => Promise.reject(error)),
    ).rejects.toThrow('npm install @google-cloud/firestore');
  });

  it('lets other failures through unchanged: a dependency of the SDK missing, or the SDK throwing while it loads', async () => {
    const inner = missingPackage('@smithy/core');
    await expect(
      importPeerSdk('aws-ssm:/x', '@aws-sdk/client-ssm', () => Promise.reject(inner)),
    ).rejects.toBe(inner);
    const broken = new TypeError('boom');
    await expect(
      importPeerSdk('aws-ssm:/x', '@aws-sdk/client-ssm', () => Promise.reject(broken)),
    ).rejects.toBe(broken);
  });

  it('returns the SDK when it is installed', async () => {
    const sdk = await importPeerSdk('aws-ssm:/x', '@aws-sdk/client-ssm', () => import('@aws-sdk/client-ssm'));
    expect(typeof sdk.SSMClient).toBe('function');
  });
});

describe('a store whose cloud SDK failed to load once', () => {
  it('loads it again on the next call, so a retried rollback can still reach the store', async () => {
    // The caller's client answers; the store still imports the SDK for its command classes.
    const client = {
      send: async () => ({ Parameter: { Value: '{"id":"orders","enabled":true}', Version: 4 } }),
    } as unknown as SSMClient;
    const store = createSsmStore({ parameter: '/faultline/orders', client });
    // The first import fails (a file system hiccup while the SDK's files are read).
    vi.doMock('@aws-sdk/client-ssm', () => {
      throw new Error('EMFILE: too many open files');
    });
    try {
      const first = await store.read().catch((error: unknown) => error);
      vi.doUnmock('@aws-sdk/client-ssm');
      const second = await store.read();

      expect(first).toBeInstanceOf(Error);
      expect(second).toMatchObject({ document: { id: 'orders', enabled: true }, version: '4' });
    } finally {
      vi.doUnmock('@aws-sdk/client-ssm');
    }
  });
});
