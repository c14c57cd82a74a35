import { randomUUID } from 'node:crypto';
import { DeleteParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { describeConfigSourceContract, type MotoServer, startMoto } from '@faultline/testkit';
import { afterAll, beforeAll } from 'vitest';
import { createSsmSource } from '../../src/ssm/index.js';

let moto: MotoServer;
let client: SSMClient;

beforeAll(async () => {
  moto = await startMoto();
  client = new SSMClient({ endpoint: moto.endpoint, region: 'us-east-1' });
});

afterAll(async () => {
  client?.destroy();
  await moto?.stop();
});

for (const type of ['String', 'SecureString'] as const) {
  describeConfigSourceContract(`SSM source (${type}) on moto`, {
    misconfigured: {
      create: () => createSsmSource({ environment: {}, clientConfig: { endpoint: moto.endpoint } }),
      names: /parameterName.*FAULTLINE_SSM_PARAMETER/,
    },
    async create() {
      const parameterName = `/faultline/contract/${randomUUID()}`;
      return {
        source: createSsmSource({
          parameterName,
          clientConfig: { endpoint: moto.endpoint, region: 'us-east-1' },
        }),
        async write(document) {
          const value = typeof document === 'string' ? document : JSON.stringify(document);
          await client.send(
            new PutParameterCommand({ Name: parameterName, Value: value, Type: type, Overwrite: true }),
          );
        },
        async remove() {
          await client.send(new DeleteParameterCommand({ Name: parameterName })).catch((error: unknown) => {
            if ((error as Error).name !== 'ParameterNotFound') throw error;
          });
        },
      };
    },
  });
}
