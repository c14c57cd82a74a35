import { randomUUID } from 'node:crypto';
import {
  describeConfigSourceContract,
  type FirestoreEmulator,
  firestoreClientSettings,
  startFirestoreEmulator,
} from '@faultline/testkit';
import { Firestore } from '@google-cloud/firestore';
import { afterAll, beforeAll } from 'vitest';
import { createFirestoreSource } from '../../src/firestore/index.js';

let emulator: FirestoreEmulator;
let firestore: Firestore;

beforeAll(async () => {
  emulator = await startFirestoreEmulator();
  firestore = new Firestore(firestoreClientSettings(emulator));
});

afterAll(async () => {
  await firestore.terminate();
  await emulator.stop();
});

function harness(layout: 'string' | 'map', realtime: boolean) {
  return {
    misconfigured: {
      create: () => createFirestoreSource({ firestore, realtime, environment: {} }),
      names: /documentPath.*FAULTLINE_FIRESTORE_DOCUMENT/,
    },
    async create() {
      const path = `faultline-contract/${randomUUID()}`;
      const document = firestore.doc(path);
      return {
        source: createFirestoreSource({ documentPath: path, firestore, realtime }),
        write: async (experiment: object | string) => {
          const value =
            layout === 'map' || typeof experiment === 'string' ? experiment : JSON.stringify(experiment);
          await document.set({ experiment: value });
        },
        remove: async () => {
          await document.delete();
        },
        close: async () => {
          await document.delete();
        },
      };
    },
  };
}

describeConfigSourceContract('Firestore source (experiment as JSON text)', harness('string', false));
describeConfigSourceContract('Firestore source (experiment as a map, realtime mode)', harness('map', true));
