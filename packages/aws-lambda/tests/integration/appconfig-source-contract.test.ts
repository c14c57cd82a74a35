import { describeConfigSourceContract } from '@faultline/testkit';
import { afterAll, beforeAll } from 'vitest';
import { createAppConfigSource } from '../../src/appconfig/index.js';
import { type AppConfigBackend, startAppConfigBackend } from '../support/appconfig-backend.js';

let backend: AppConfigBackend;

beforeAll(async () => {
  backend = await startAppConfigBackend();
});

afterAll(async () => {
  await backend?.stop();
});

for (const mode of ['sdk', 'extension'] as const) {
  describeConfigSourceContract(`AppConfig source (${mode}) on the local AppConfig in front of moto`, {
    async create() {
      const profile = await backend.createProfile();
      return {
        source: createAppConfigSource({
          application: profile.application,
          appconfigEnvironment: 'prod',
          profile: 'faultline',
          mode,
          clientConfig: { endpoint: backend.server.endpoint, region: 'us-east-1' },
          extensionEndpoint: backend.server.extensionEndpoint,
          clock: backend.clock,
          environment: {},
        }),
        async write(document) {
          await profile.deploy(typeof document === 'string' ? document : JSON.stringify(document));
        },
        async remove() {
          await profile.removeEnvironment();
        },
      };
    },
  });
}
