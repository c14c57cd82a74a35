import { randomUUID } from 'node:crypto';
import {
  DynamoDBClient,
  GetItemCommand,
  ProvisionedThroughputExceededException,
} from '@aws-sdk/client-dynamodb';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { InjectedFaultError, isInjectedFault } from '@faultline/core';
import { type MotoServer, startMoto } from '@faultline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachDependencyFaults, InjectedServiceError } from '../../src/aws-sdk/index.js';
import { createFaultEffect, runInvocation, settle } from './aws-sdk-support.js';

let moto: MotoServer;
const parameterName = `/faultline/aws-sdk/${randomUUID()}`;

/** An SSM client wired for faults, counting the attempts that reach the fault middleware. */
function createSsmClient(maxAttempts = 3) {
  const client = attachDependencyFaults(
    new SSMClient({ endpoint: moto.endpoint, region: 'us-east-1', maxAttempts }),
  );
  const counter = { attempts: 0 };
  client.middlewareStack.add(
    (next) => async (args) => {
      counter.attempts++;
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'low', name: 'countAttempts' },
  );
  return { client, counter };
}

beforeAll(async () => {
  moto = await startMoto();
  const client = new SSMClient({ endpoint: moto.endpoint, region: 'us-east-1' });
  await client.send(new PutParameterCommand({ Name: parameterName, Value: 'live', Type: 'String' }));
  client.destroy();
});

afterAll(async () => {
  await moto?.stop();
});

describe('dependency faults on a real AWS SDK v3 client (SSM on moto)', () => {
  it('reaches moto normally', async () => {
    const { client } = createSsmClient();
    const response = await client.send(new GetParameterCommand({ Name: parameterName }));
    expect(response.Parameter?.Value).toBe('live');
    client.destroy();
  });

  it('injects a ThrottlingException that the SDK retries per its retry strategy', async () => {
    const { client, counter } = createSsmClient(3);
    const effect = createFaultEffect('dependency', {
      service: 'SSM',
      operations: ['GetParameter'],
      effect: 'throttle',
    });

    const result = await runInvocation(effect, () =>
      settle(client.send(new GetParameterCommand({ Name: parameterName }))),
    );

    expect(result.ok).toBe(false);
    const error = (result.ok ? undefined : result.error) as {
      name: string;
      $fault: string;
      $metadata: { httpStatusCode: number; attempts: number; totalRetryDelay: number };
    };
    expect(error.name).toBe('ThrottlingException');
    expect(isInjectedFault(error)).toBe(true);
    expect(error.$fault).toBe('client');
    expect(error.$metadata.httpStatusCode).toBe(400);
    // Standard retry mode, maxAttempts 3: the first attempt and two retries, with back-off between them.
    expect(error.$metadata.attempts).toBe(3);
    expect(counter.attempts).toBe(3);
    expect(error.$metadata.totalRetryDelay).toBeGreaterThan(0);
    client.destroy();
  });

  it('does not retry an injected AccessDeniedException (HTTP 403), like a real one', async () => {
    const { client, counter } = createSsmClient(3);
    const effect = createFaultEffect('dependency', { service: 'ssm', effect: 'access-denied' });

    const result = await runInvocation(effect, () =>
      settle(client.send(new GetParameterCommand({ Name: parameterName }))),
    );

    const error = (result.ok ? undefined : result.error) as {
      name: string;
      $metadata: { httpStatusCode: number };
    };
    expect(error.name).toBe('AccessDeniedException');
    expect(error.$metadata.httpStatusCode).toBe(403);
    expect(counter.attempts).toBe(1);
    client.destroy();
  });

  it('retries a synthetic 503 and an injected connection reset as transient errors', async () => {
    const { client, counter } = createSsmClient(2);
    const unavailable = createFaultEffect('dependency', { service: 'SSM', effect: 'status', status: 503 });
    const reset = createFaultEffect('dependency', { service: 'SSM', effect: 'reset' });

    const statusResult = await runInvocation(unavailable, () =>
      settle(client.send(new GetParameterCommand({ Name: parameterName }))),
    );
    const statusAttempts = counter.attempts;
    const resetResult = await runInvocation(reset, () =>
      settle(client.send(new GetParameterCommand({ Name: parameterName }))),
    );

    expect((statusResult.ok ? undefined : statusResult.error) as object).toMatchObject({
      $metadata: { httpStatusCode: 503 },
      $fault: 'server',
    });
    expect(statusAttempts).toBe(2);
    expect((resetResult.ok ? undefined : resetResult.error) as object).toMatchObject({
      code: 'ECONNRESET',
      faultline: true,
    });
    expect(counter.attempts - statusAttempts).toBe(2);
    client.destroy();
  });

  it('delays only the operations it names, then lets the call through', async () => {
    const { client } = createSsmClient();
    const delays: number[] = [];
    const effect = createFaultEffect('dependency', {
      service: 'SSM',
      operations: ['GetParameters'],
      effect: 'latency',
      delayMs: 900,
    });

    const value = await runInvocation(
      effect,
      async () => {
        const single = await client.send(new GetParameterCommand({ Name: parameterName }));
        return single.Parameter?.Value;
      },
      {
        sleep: async (durationMs) => {
          delays.push(durationMs);
        },
      },
    );

    expect(value).toBe('live');
    expect(delays).toEqual([]);
    client.destroy();
  });

  it('applies latency to a matching operation through the invocation sleep', async () => {
    const { client } = createSsmClient();
    const delays: number[] = [];
    const effect = createFaultEffect('dependency', { service: 'SSM', effect: 'latency', delayMs: 900 });

    const value = await runInvocation(
      effect,
      async () => (await client.send(new GetParameterCommand({ Name: parameterName }))).Parameter?.Value,
      {
        sleep: async (durationMs) => {
          delays.push(durationMs);
        },
      },
    );

    expect(value).toBe('live');
    expect(delays).toEqual([900]);
    client.destroy();
  });

  it('leaves other services and calls outside the invocation untouched', async () => {
    const { client } = createSsmClient();
    const effect = createFaultEffect('dependency', { service: 'DynamoDB', effect: 'throttle' });

    const during = await runInvocation(effect, () =>
      client.send(new GetParameterCommand({ Name: parameterName })),
    );
    const after = await client.send(new GetParameterCommand({ Name: parameterName }));

    expect(during.Parameter?.Value).toBe('live');
    expect(after.Parameter?.Value).toBe('live');
    client.destroy();
  });

  it("gives DynamoDB callers the SDK's own modeled ProvisionedThroughputExceededException", async () => {
    const client = attachDependencyFaults(
      new DynamoDBClient({ endpoint: moto.endpoint, region: 'us-east-1', maxAttempts: 2 }),
    );
    const effect = createFaultEffect('dependency', {
      service: 'DynamoDB',
      operations: ['GetItem'],
      effect: 'throttle',
      errorCode: 'ProvisionedThroughputExceededException',
    });

    const result = await runInvocation(effect, () =>
      settle(client.send(new GetItemCommand({ TableName: 'orders', Key: { id: { S: '1' } } }))),
    );

    const error = result.ok ? undefined : result.error;
    expect(error).toBeInstanceOf(ProvisionedThroughputExceededException);
    expect((error as { $metadata: { attempts: number } }).$metadata.attempts).toBe(2);
    // Still told apart from a real one.
    expect(isInjectedFault(error)).toBe(true);
    expect(error).toMatchObject({ faultId: 'dependency-fault', experimentId: 'aws-sdk-test' });
    client.destroy();
  });

  it('attaching twice keeps one of each middleware', () => {
    const client = new SSMClient({ endpoint: moto.endpoint, region: 'us-east-1' });
    attachDependencyFaults(client);
    attachDependencyFaults(client);
    expect(
      client.middlewareStack.identify().filter((entry) => entry.startsWith('faultlineDependencyFaults')),
    ).toEqual(['faultlineDependencyFaultsMarker - deserialize', 'faultlineDependencyFaults - deserialize']);
    client.destroy();
  });

  it('exports an error class shaped like SDK service exceptions for non-JSON protocols', () => {
    const error = new InjectedServiceError('SlowDown', 'Rate exceeded', {
      experimentId: 'e',
      faultId: 'f',
      faultType: 'dependency',
      httpStatusCode: 503,
      throttling: true,
    });
    expect(error).toMatchObject({
      name: 'SlowDown',
      $fault: 'server',
      $retryable: { throttling: true },
      faultline: true,
    });
    expect(error).toBeInstanceOf(InjectedFaultError);
    expect(isInjectedFault(error)).toBe(true);
  });
});
