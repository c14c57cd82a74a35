import { randomUUID } from 'node:crypto';
import { DeleteParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { createMemorySink } from '@faultline/core/testing';
import { type MotoServer, startMoto } from '@faultline/testkit';
import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { withFaults } from '../../src/index.js';
import { httpApiEvent, lambdaContext } from '../fixtures/events.js';

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

const ttlMs = 150;
// Real time is unavoidable here (moto and the SDK run on it): a generous bound, polled, never a fixed sleep.
const propagation = { timeout: 10_000, interval: 50 };

function statusExperiment(status: number) {
  return JSON.stringify({
    schemaVersion: 1,
    id: 'ssm-drill',
    faults: [{ id: 'down', type: 'status', probability: 1, status }],
  });
}

function wrappedWithParameter(parameterName: string) {
  const sink = createMemorySink();
  const handler = vi.fn(async (): Promise<APIGatewayProxyResultV2> => ({ statusCode: 200, body: 'ok' }));
  const wrapped = withFaults(handler, {
    environment: { FAULTLINE_SSM_PARAMETER: parameterName, FAULTLINE_STAGE: 'test' },
    ssm: { clientConfig: { endpoint: moto.endpoint, region: 'us-east-1' } },
    // A wide fetch budget: a shared moto on a busy CI machine can take seconds; the budget itself is core's to test.
    cache: { ttlMs, jitterRatio: 0, fetchBudgetMs: 5000 },
    onEvent: sink,
    logLevel: 'debug',
  });
  const statusOf = async () => {
    const result = await wrapped(httpApiEvent(), lambdaContext());
    return typeof result === 'object' ? result.statusCode : undefined;
  };
  return { wrapped, handler, sink, statusOf };
}

async function put(name: string, value: string, type: 'String' | 'SecureString' = 'String') {
  await client.send(new PutParameterCommand({ Name: name, Value: value, Type: type, Overwrite: true }));
}

describe('withFaults reading its experiment from SSM on moto', () => {
  it('injects the pushed experiment, follows a change after the TTL, and stops once the parameter is deleted', async () => {
    const name = `/faultline/it/${randomUUID()}`;
    await put(name, statusExperiment(503));
    const { statusOf, sink } = wrappedWithParameter(name);

    expect(await statusOf()).toBe(503);
    expect(sink.ofType('config-load')[0]).toMatchObject({ configVersion: '1', configSource: `ssm:${name}` });

    await put(name, statusExperiment(429));
    await vi.waitFor(async () => expect(await statusOf()).toBe(429), propagation);
    expect(sink.ofType('config-load').map((event) => event.configVersion)).toContain('2');

    await client.send(new DeleteParameterCommand({ Name: name }));
    await vi.waitFor(async () => expect(await statusOf()).toBe(200), propagation);
    expect(sink.ofType('config-missing')).toHaveLength(1);
  });

  it('reads a SecureString experiment', async () => {
    const name = `/faultline/it/${randomUUID()}`;
    await put(name, statusExperiment(503), 'SecureString');
    const { statusOf } = wrappedWithParameter(name);

    expect(await statusOf()).toBe(503);
  });

  it('runs the handler untouched when the parameter does not exist', async () => {
    const { statusOf, handler, sink } = wrappedWithParameter(`/faultline/it/${randomUUID()}`);

    expect(await statusOf()).toBe(200);
    expect(handler).toHaveBeenCalledTimes(1);
    expect(sink.ofType('config-missing')).toHaveLength(1);
  });
});
