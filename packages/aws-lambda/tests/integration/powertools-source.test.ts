import { randomUUID } from 'node:crypto';
import { AppConfigProvider } from '@aws-lambda-powertools/parameters/appconfig';
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { DeleteParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { createMemorySink } from '@faultline/core/testing';
import { describeConfigSourceContract, type MotoServer, startMoto } from '@faultline/testkit';
import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { withFaults } from '../../src/index.js';
import { fromPowertoolsProvider, PowertoolsSourceError } from '../../src/powertools/index.js';
import { httpApiEvent, lambdaContext } from '../fixtures/events.js';
import { type AppConfigBackend, startAppConfigBackend } from '../support/appconfig-backend.js';

let moto: MotoServer;
let ssm: SSMClient;
let provider: SSMProvider;

beforeAll(async () => {
  moto = await startMoto();
  ssm = new SSMClient({ endpoint: moto.endpoint, region: 'us-east-1' });
  // The real Powertools provider with its own SSM client, pointed at moto.
  provider = new SSMProvider({ clientConfig: { endpoint: moto.endpoint, region: 'us-east-1' } });
});

afterAll(async () => {
  ssm?.destroy();
  await moto?.stop();
});

describeConfigSourceContract("Powertools' SSMProvider through fromPowertoolsProvider, on moto", {
  async create() {
    const name = `/faultline/powertools/${randomUUID()}`;
    return {
      // forceFetch: the contract reads right after each write; in a function the provider's cache (5 s) applies.
      // decrypt: the parameter is a SecureString.
      source: fromPowertoolsProvider(provider, name, { getOptions: { forceFetch: true, decrypt: true } }),
      async write(document) {
        const value = typeof document === 'string' ? document : JSON.stringify(document);
        await ssm.send(
          new PutParameterCommand({ Name: name, Value: value, Type: 'SecureString', Overwrite: true }),
        );
      },
      async remove() {
        await ssm.send(new DeleteParameterCommand({ Name: name })).catch((error: unknown) => {
          if ((error as Error).name !== 'ParameterNotFound') throw error;
        });
      },
    };
  },
});

describe('fromPowertoolsProvider with the real SSMProvider', () => {
  it("is named after the provider and the parameter, and uses the provider's cache", async () => {
    // Prepare
    const name = `/faultline/powertools/${randomUUID()}`;
    await ssm.send(new PutParameterCommand({ Name: name, Value: '{"id":"cached"}', Type: 'String' }));
    const source = fromPowertoolsProvider(provider, name);
    const load = () => source.load({ signal: new AbortController().signal, previousVersion: undefined });
    const first = await load();
    await ssm.send(
      new PutParameterCommand({ Name: name, Value: '{"id":"newer"}', Type: 'String', Overwrite: true }),
    );

    // Act
    const second = await load();

    // Assess
    expect(source.name).toBe(`powertools:SSMProvider:${name}`);
    expect(first).toMatchObject({ kind: 'document', document: '{"id":"cached"}' });
    expect(second).toMatchObject({ kind: 'document', document: '{"id":"cached"}' });
  });

  it('drives withFaults: the experiment in the parameter is injected', async () => {
    // Prepare
    const name = `/faultline/powertools/${randomUUID()}`;
    await ssm.send(
      new PutParameterCommand({
        Name: name,
        Value: JSON.stringify({
          schemaVersion: 1,
          id: 'powertools',
          faults: [{ id: 'teapot', type: 'status', status: 418, probability: 1 }],
        }),
        Type: 'String',
      }),
    );
    const sink = createMemorySink();
    const handler = vi.fn(async (): Promise<APIGatewayProxyResultV2> => ({ statusCode: 200, body: 'ok' }));
    const wrapped = withFaults(handler, {
      source: fromPowertoolsProvider(provider, name),
      environment: { FAULTLINE_STAGE: 'test' },
      cache: { fetchBudgetMs: 5000 },
      onEvent: sink,
    });

    // Act
    const result = (await wrapped(httpApiEvent(), lambdaContext())) as { statusCode: number };

    // Assess
    expect(result.statusCode).toBe(418);
    expect(handler).not.toHaveBeenCalled();
    expect(sink.ofType('config-load')[0]).toMatchObject({ configSource: `powertools:SSMProvider:${name}` });
  });
});

describe('fromPowertoolsProvider with the real AppConfigProvider, on the local AppConfig', () => {
  let backend: AppConfigBackend;

  beforeAll(async () => {
    backend = await startAppConfigBackend();
  });

  afterAll(async () => {
    await backend?.stop();
  });

  it('reads the deployed profile (a Uint8Array from the provider) and follows a new deployment', async () => {
    // Prepare
    const profile = await backend.createProfile();
    await profile.deploy('{"id":"first"}');
    const appconfig = new AppConfigProvider({
      application: profile.application,
      environment: 'prod',
      clientConfig: { endpoint: backend.server.endpoint, region: 'us-east-1' },
    });
    const source = fromPowertoolsProvider(appconfig, 'faultline', { getOptions: { forceFetch: true } });
    const load = (previousVersion?: string) =>
      source.load({ signal: new AbortController().signal, previousVersion });

    // Act
    const first = await load();
    const again = await load(first.kind === 'document' ? first.version : undefined);
    await profile.deploy('{"id":"second"}');
    const second = await load(first.kind === 'document' ? first.version : undefined);

    // Assess
    expect(first).toMatchObject({ kind: 'document', document: '{"id":"first"}' });
    expect(again).toEqual({ kind: 'unchanged' });
    expect(second).toMatchObject({ kind: 'document', document: '{"id":"second"}' });
    expect(source.name).toBe('powertools:AppConfigProvider:faultline');
  });

  it('answers missing for a profile that does not exist', async () => {
    // Prepare
    const profile = await backend.createProfile();
    const appconfig = new AppConfigProvider({
      application: profile.application,
      environment: 'prod',
      clientConfig: { endpoint: backend.server.endpoint, region: 'us-east-1' },
    });

    // Act
    const result = await fromPowertoolsProvider(appconfig, 'no-such-profile').load({
      signal: new AbortController().signal,
      previousVersion: undefined,
    });

    // Assess
    expect(result).toEqual({ kind: 'missing' });
  });
});

describe('fromPowertoolsProvider with any provider', () => {
  const load = (source: ReturnType<typeof fromPowertoolsProvider>, signal = new AbortController().signal) =>
    source.load({ signal, previousVersion: undefined });

  it('takes an object (transform: json) as the document and undefined (no item) as missing', async () => {
    // Prepare
    const values: unknown[] = [{ schemaVersion: 1, id: 'object' }, undefined];
    const get = vi.fn(async () => values.shift());
    const source = fromPowertoolsProvider({ get }, 'faultline', { getOptions: { transform: 'json' } });

    // Act
    const first = await load(source);
    const second = await load(source);

    // Assess
    expect(first).toMatchObject({ kind: 'document', document: { schemaVersion: 1, id: 'object' } });
    expect(second).toEqual({ kind: 'missing' });
    expect(get).toHaveBeenCalledWith('faultline', { transform: 'json' });
  });

  it('wraps a provider failure with the AWS error name underneath, and never the value', async () => {
    // Prepare
    const denied = Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException' });
    const failure = Object.assign(new Error('User is not authorized', { cause: denied }), {
      name: 'GetParameterError',
    });
    const source = fromPowertoolsProvider({ get: async () => Promise.reject(failure) }, '/faultline/orders');

    // Act
    const error = await load(source).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(PowertoolsSourceError);
    expect(error).toMatchObject({
      serviceCode: 'AccessDeniedException',
      source: 'powertools:Object:/faultline/orders',
    });
  });

  it('rejects as soon as the fetch budget aborts, without waiting for the provider', async () => {
    // Prepare
    const source = fromPowertoolsProvider({ get: () => new Promise(() => {}) }, 'slow', {
      sourceName: 'slow',
    });
    const controller = new AbortController();

    // Act
    const pending = load(source, controller.signal);
    controller.abort(new Error('fetch budget spent'));

    // Assess
    await expect(pending).rejects.toThrow('fetch budget spent');
  });

  it('refuses something that is not a provider, or no name, on every read (never at creation)', async () => {
    const request = { signal: new AbortController().signal, previousVersion: undefined };
    await expect(fromPowertoolsProvider({} as never, 'x').load(request)).rejects.toMatchObject({
      code: 'INVALID_OPTION',
      message: expect.stringContaining('Parameters provider'),
    });
    await expect(fromPowertoolsProvider({ get: async () => '' }, ' ').load(request)).rejects.toMatchObject({
      code: 'INVALID_OPTION',
      message: expect.stringContaining('name of the parameter'),
    });
  });
});
