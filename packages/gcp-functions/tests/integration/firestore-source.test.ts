import { randomUUID } from 'node:crypto';
import type { ConfigLoadResult } from '@faultline/core';
import { type FirestoreEmulator, firestoreClientSettings, startFirestoreEmulator } from '@faultline/testkit';
import { Firestore, Timestamp } from '@google-cloud/firestore';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createFirestoreSource,
  FirestoreSourceError,
  formatFirestoreVersion,
} from '../../src/firestore/index.js';

let emulator: FirestoreEmulator;
let firestore: Firestore;
const createdPaths: string[] = [];

beforeAll(async () => {
  emulator = await startFirestoreEmulator();
  firestore = new Firestore(firestoreClientSettings(emulator));
});

afterAll(async () => {
  await Promise.all(createdPaths.map((path) => firestore.doc(path).delete()));
  await firestore.terminate();
  await emulator.stop();
});

function uniquePath(): string {
  const path = `faultline-tests/${randomUUID()}`;
  createdPaths.push(path);
  return path;
}

const experiment = {
  schemaVersion: 1,
  id: 'firestore-source',
  faults: [{ id: 'slow', type: 'latency', delayMs: 5, probability: 1 }],
};

function load(
  source: ReturnType<typeof createFirestoreSource>,
  previousVersion?: string,
): Promise<ConfigLoadResult> {
  return source.load({ signal: new AbortController().signal, previousVersion });
}

describe('the Firestore config source against the emulator', () => {
  it('reads the experiment string from the field and reports the document updateTime as the version', async () => {
    // Prepare
    const path = uniquePath();
    const text = JSON.stringify(experiment);
    const written = await firestore.doc(path).set({ experiment: text });
    const source = createFirestoreSource({ documentPath: path, firestore });

    // Act
    const result = await load(source);

    // Assess
    expect(result).toEqual({
      kind: 'document',
      document: text,
      version: formatFirestoreVersion(written.writeTime),
    });
    expect(source.name).toBe(`firestore:${path}`);
  });

  it('answers unchanged when the cached version is still current, and a new version after a write', async () => {
    const path = uniquePath();
    await firestore.doc(path).set({ experiment: JSON.stringify(experiment) });
    const source = createFirestoreSource({ documentPath: path, firestore });
    const first = await load(source);
    if (first.kind !== 'document') throw new Error('expected a document');

    const unchanged = await load(source, first.version);
    await firestore.doc(path).set({ experiment: JSON.stringify({ ...experiment, enabled: false }) });
    const changed = await load(source, first.version);

    expect(unchanged).toEqual({ kind: 'unchanged' });
    expect(changed.kind).toBe('document');
    if (changed.kind === 'document') expect(changed.version > first.version).toBe(true);
  });

  it('reports missing for an absent document and for a document without the field', async () => {
    const absent = createFirestoreSource({ documentPath: uniquePath(), firestore });
    const path = uniquePath();
    await firestore.doc(path).set({ note: 'experiment cleared' });
    const withoutField = createFirestoreSource({ documentPath: path, firestore });

    expect(await load(absent)).toEqual({ kind: 'missing' });
    expect(await load(withoutField)).toEqual({ kind: 'missing' });
  });

  it('reads an experiment stored as a map, turning Firestore timestamps into ISO strings', async () => {
    const path = uniquePath();
    const end = Timestamp.fromDate(new Date('2030-01-01T00:00:00.000Z'));
    await firestore.doc(path).set({ config: { ...experiment, window: { end } } });
    const source = createFirestoreSource({ documentPath: path, firestore, field: 'config' });

    const result = await load(source);

    expect(result.kind).toBe('document');
    if (result.kind === 'document') {
      expect(result.document).toEqual({ ...experiment, window: { end: '2030-01-01T00:00:00.000Z' } });
    }
  });

  it('rejects a field of the wrong type with an error naming the field and the fix', async () => {
    const path = uniquePath();
    await firestore.doc(path).set({ experiment: 42 });
    const source = createFirestoreSource({ documentPath: path, firestore });

    const failure = load(source);

    await expect(failure).rejects.toBeInstanceOf(FirestoreSourceError);
    await expect(failure).rejects.toThrow(
      /Field "experiment" .* is a number; store the experiment as a JSON string/,
    );
  });

  it('reports a missing or malformed document path from load() instead of throwing at creation', async () => {
    const unset = createFirestoreSource({ environment: {} });
    const collection = createFirestoreSource({ documentPath: 'faultline', environment: {} });

    await expect(load(unset)).rejects.toThrow(/FAULTLINE_FIRESTORE_DOCUMENT/);
    await expect(load(collection)).rejects.toThrow(/collection\/document/);
  });

  it('takes the document path from FAULTLINE_FIRESTORE_DOCUMENT and creates its own client lazily', async () => {
    const path = uniquePath();
    await firestore.doc(path).set({ experiment: JSON.stringify(experiment) });
    const previousHost = process.env.FIRESTORE_EMULATOR_HOST;
    process.env.FIRESTORE_EMULATOR_HOST = emulator.host;
    try {
      const source = createFirestoreSource({
        projectId: emulator.projectId,
        environment: { FAULTLINE_FIRESTORE_DOCUMENT: path },
      });

      const result = await load(source);

      expect(result.kind).toBe('document');
    } finally {
      if (previousHost === undefined) delete process.env.FIRESTORE_EMULATOR_HOST;
      else process.env.FIRESTORE_EMULATOR_HOST = previousHost;
    }
  });

  it('imports the SDK again on the next load after its import failed, instead of failing for good', async () => {
    const path = uniquePath();
    await firestore.doc(path).set({ experiment: JSON.stringify(experiment) });
    const previousHost = process.env.FIRESTORE_EMULATOR_HOST;
    process.env.FIRESTORE_EMULATOR_HOST = emulator.host;
    // The first import of the SDK fails (a file system hiccup, a deployment still being unpacked).
    vi.doMock('@google-cloud/firestore', () => {
      throw new Error('EMFILE: too many open files');
    });
    try {
      const source = createFirestoreSource({ projectId: emulator.projectId, documentPath: path });

      const first = await load(source).catch((error: unknown) => error);
      vi.doUnmock('@google-cloud/firestore');
      const second = await load(source);

      expect(first).toBeInstanceOf(FirestoreSourceError);
      expect(first).toMatchObject({ code: 'SDK_MISSING' });
      expect(second).toMatchObject({ kind: 'document', document: JSON.stringify(experiment) });
    } finally {
      vi.doUnmock('@google-cloud/firestore');
      if (previousHost === undefined) delete process.env.FIRESTORE_EMULATOR_HOST;
      else process.env.FIRESTORE_EMULATOR_HOST = previousHost;
    }
  });

  it('reads FAULTLINE_FIRESTORE_REALTIME like every flag, and names it when its value is not a flag word', async () => {
    const realtimeWith = (value: string) =>
      createFirestoreSource({
        documentPath: 'faultline/orders',
        firestore,
        environment: { FAULTLINE_FIRESTORE_REALTIME: value },
      });

    expect(['yes', ' ON ', '1'].map((value) => typeof realtimeWith(value).subscribe)).toEqual([
      'function',
      'function',
      'function',
    ]);
    expect(['no', '0', ''].map((value) => realtimeWith(value).subscribe)).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    await expect(load(realtimeWith('enabled'))).rejects.toMatchObject({
      code: 'INVALID_OPTION',
      message: expect.stringContaining(
        'FAULTLINE_FIRESTORE_REALTIME="enabled" is not one of 1, true, yes, on, 0, false, no, off',
      ),
    });
  });

  it('stops waiting when the fetch budget aborts the read', async () => {
    const never: Firestore = {
      doc: () => ({ get: () => new Promise(() => {}), onSnapshot: () => () => {} }),
    } as unknown as Firestore;
    const source = createFirestoreSource({ documentPath: 'faultline/never', firestore: never });
    const controller = new AbortController();

    const pending = source.load({ signal: controller.signal, previousVersion: undefined });
    controller.abort(new Error('fetch budget exhausted'));

    await expect(pending).rejects.toThrow('fetch budget exhausted');
  });

  it('offers subscribe only in realtime mode, and pushes every write to the listener', async () => {
    const path = uniquePath();
    await firestore.doc(path).set({ experiment: JSON.stringify(experiment) });
    const polling = createFirestoreSource({ documentPath: path, firestore });
    const realtime = createFirestoreSource({ documentPath: path, firestore, realtime: true });
    const received: ConfigLoadResult[] = [];
    let notify: () => void = () => {};

    const unsubscribe = realtime.subscribe?.(
      (result) => {
        received.push(result);
        notify();
      },
      (error) => {
        throw error;
      },
    );
    await new Promise<void>((resolve) => {
      notify = resolve;
    });
    const secondArrived = new Promise<void>((resolve) => {
      notify = resolve;
    });
    await firestore.doc(path).delete();
    await secondArrived;
    unsubscribe?.();

    expect(polling.subscribe).toBeUndefined();
    expect(received.map((result) => result.kind)).toEqual(['document', 'missing']);
  });
});
