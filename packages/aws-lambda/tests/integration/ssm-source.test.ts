import { randomUUID } from 'node:crypto';
import { DeleteParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { type MotoServer, startMoto } from '@faultline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

const uniqueName = () => `/faultline/test/${randomUUID()}`;
const load = (source: ReturnType<typeof createSsmSource>, previousVersion?: string) =>
  source.load({ signal: new AbortController().signal, previousVersion });

describe('createSsmSource against moto', () => {
  it('reads the parameter value with its Version as the config version', async () => {
    const name = uniqueName();
    await client.send(new PutParameterCommand({ Name: name, Value: '{"id":"a"}', Type: 'String' }));
    const source = createSsmSource({ parameterName: name, clientConfig: { endpoint: moto.endpoint } });

    const result = await load(source);

    expect(source.name).toBe(`ssm:${name}`);
    expect(result).toEqual({ kind: 'document', document: '{"id":"a"}', version: '1' });
  });

  it('sees a new version after an overwrite, and answers unchanged for the version it already has', async () => {
    const name = uniqueName();
    await client.send(new PutParameterCommand({ Name: name, Value: 'first', Type: 'String' }));
    const source = createSsmSource({ parameterName: name, client });
    await client.send(
      new PutParameterCommand({ Name: name, Value: 'second', Type: 'String', Overwrite: true }),
    );

    expect(await load(source, '1')).toEqual({ kind: 'document', document: 'second', version: '2' });
    expect(await load(source, '2')).toEqual({ kind: 'unchanged' });
  });

  it('decrypts SecureString parameters', async () => {
    const name = uniqueName();
    await client.send(new PutParameterCommand({ Name: name, Value: 'id: secret', Type: 'SecureString' }));
    const source = createSsmSource({ parameterName: name, client });

    expect(await load(source)).toMatchObject({ kind: 'document', document: 'id: secret' });
  });

  it('reports a deleted or never-created parameter as missing', async () => {
    const name = uniqueName();
    await client.send(new PutParameterCommand({ Name: name, Value: 'x', Type: 'String' }));
    await client.send(new DeleteParameterCommand({ Name: name }));
    const source = createSsmSource({ parameterName: name, client });

    expect(await load(source)).toEqual({ kind: 'missing' });
  });

  it('takes the parameter name from FAULTLINE_SSM_PARAMETER', async () => {
    const name = uniqueName();
    await client.send(new PutParameterCommand({ Name: name, Value: 'from-env', Type: 'String' }));
    const source = createSsmSource({ client, environment: { FAULTLINE_SSM_PARAMETER: name } });

    expect(await load(source)).toMatchObject({ document: 'from-env' });
  });

  it('gives up when the fetch budget aborts the request', async () => {
    const source = createSsmSource({ parameterName: uniqueName(), client });
    const controller = new AbortController();
    controller.abort();

    await expect(
      source.load({ signal: controller.signal, previousVersion: undefined }),
    ).rejects.toMatchObject({
      name: 'SsmParameterError',
    });
  });
});
