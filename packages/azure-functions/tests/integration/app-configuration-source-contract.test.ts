import { randomUUID } from 'node:crypto';
import { AppConfigurationClient } from '@azure/app-configuration';
import {
  type AppConfigurationServer,
  describeConfigSourceContract,
  startAppConfigurationServer,
} from '@faultline/testkit';
import { afterAll, beforeAll } from 'vitest';
import { createAppConfigurationSource } from '../../src/app-configuration/index.js';

let server: AppConfigurationServer;
let writer: AppConfigurationClient;

beforeAll(async () => {
  server = await startAppConfigurationServer();
  // Writes go through the real client as well (signed PUT/DELETE), the way the CLI pushes experiments.
  writer = new AppConfigurationClient(server.connectionString, { tlsOptions: { ca: server.ca } });
});

afterAll(async () => {
  await server?.stop();
});

for (const label of [undefined, 'prod'] as const) {
  describeConfigSourceContract(
    `App Configuration source (${label ?? 'no label'}) on the local signed server`,
    {
      get secrets() {
        return [server.secret, server.connectionString];
      },
      misconfigured: {
        create: () =>
          createAppConfigurationSource({ connectionString: server.connectionString, environment: {} }),
        names: /key.*FAULTLINE_AZURE_APPCONFIG_KEY/,
      },
      async create() {
        const key = `faultline:contract:${randomUUID()}`;
        const id = label === undefined ? { key } : { key, label };
        return {
          source: createAppConfigurationSource({
            key,
            ...(label === undefined ? {} : { label }),
            connectionString: server.connectionString,
            clientOptions: { tlsOptions: { ca: server.ca } },
            environment: {},
          }),
          async write(document) {
            const value = typeof document === 'string' ? document : JSON.stringify(document);
            await writer.setConfigurationSetting({ ...id, value, contentType: 'application/json' });
          },
          async remove() {
            await writer.deleteConfigurationSetting(id);
          },
        };
      },
    },
  );
}
