import { randomUUID } from 'node:crypto';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { type MotoServer, startMoto } from '@faultline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFaultEffect, runInvocation, settle } from './aws-sdk-support.js';

let moto: MotoServer;
let port: string;
const parameterName = `/faultline/blackhole/${randomUUID()}`;

function rootCode(error: unknown): string | undefined {
  let current = error as { code?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; depth < 5 && current !== undefined && current !== null; depth++) {
    if (typeof current.code === 'string') return current.code;
    current = current.cause as typeof current;
  }
  return undefined;
}

function createClient(host: 'localhost' | '127.0.0.1') {
  return new SSMClient({
    endpoint: `http://${host}:${port}`,
    region: 'us-east-1',
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 300, requestTimeout: 1_000 },
  });
}

beforeAll(async () => {
  moto = await startMoto();
  port = new URL(moto.endpoint).port;
  const client = createClient('127.0.0.1');
  await client.send(new PutParameterCommand({ Name: parameterName, Value: 'live', Type: 'String' }));
  client.destroy();
});

afterAll(async () => {
  await moto?.stop();
});

describe('blackhole on a real AWS SDK v3 client (SSM on moto)', () => {
  for (const host of ['localhost', '127.0.0.1'] as const) {
    it(`makes moto unreachable by ${host === 'localhost' ? 'name' : 'IP'}, also on a warm keep-alive connection`, async () => {
      const client = createClient(host);
      // Warm the client's connection pool first, as a Lambda that served earlier requests would have.
      await expect(client.send(new GetParameterCommand({ Name: parameterName }))).resolves.toBeDefined();
      const effect = createFaultEffect('blackhole', { hosts: [host], behavior: 'refuse' });

      const result = await runInvocation(effect, () =>
        settle(client.send(new GetParameterCommand({ Name: parameterName }))),
      );
      const after = await client.send(new GetParameterCommand({ Name: parameterName }));

      expect(result.ok).toBe(false);
      expect(rootCode(result.ok ? undefined : result.error)).toBe('ECONNREFUSED');
      expect((result.ok ? undefined : result.error) as object).toMatchObject({ $metadata: { attempts: 2 } });
      expect(after.Parameter?.Value).toBe('live');
      client.destroy();
    });
  }

  it('fails name resolution under behavior dns', async () => {
    const client = createClient('localhost');
    const effect = createFaultEffect('blackhole', { hosts: ['localhost'], behavior: 'dns' });

    const result = await runInvocation(effect, () =>
      settle(client.send(new GetParameterCommand({ Name: parameterName }))),
    );

    expect(rootCode(result.ok ? undefined : result.error)).toBe('ENOTFOUND');
    client.destroy();
  });

  it("lets the SDK's own connection timeout fire under behavior timeout", async () => {
    const client = createClient('127.0.0.1');
    const effect = createFaultEffect('blackhole', { hosts: ['127.0.0.1'], behavior: 'timeout' });

    const result = await runInvocation(effect, () =>
      settle(client.send(new GetParameterCommand({ Name: parameterName }))),
    );

    expect(result.ok).toBe(false);
    expect((result.ok ? undefined : result.error) as Error).toMatchObject({ name: 'TimeoutError' });
    client.destroy();
  });
});
