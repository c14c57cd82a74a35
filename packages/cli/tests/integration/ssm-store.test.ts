import { randomBytes } from 'node:crypto';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { type MotoServer, startMoto } from '@faultline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSsmStore, StoreLostUpdateError } from '../../src/stores/index.js';

let moto: MotoServer;

beforeAll(async () => {
  moto = await startMoto();
}, 120_000);

afterAll(async () => {
  await moto?.stop();
});

function ssmClient(): SSMClient {
  return new SSMClient({ endpoint: moto.endpoint, region: 'us-east-1' });
}

/** A fresh parameter holding `document` at version 1. */
async function parameterWith(document: object): Promise<string> {
  const name = `/faultline/lost-update-${randomBytes(4).toString('hex')}`;
  await ssmClient().send(
    new PutParameterCommand({ Name: name, Value: JSON.stringify(document), Type: 'String' }),
  );
  return name;
}

/**
 * An SSM client that lets "someone else" write `theirs` right before its first PutParameter: the one interleaving
 * SSM cannot prevent (after our version check, before our write).
 */
function interferingClient(parameter: string, theirs: object): SSMClient {
  const client = ssmClient();
  const someoneElse = ssmClient();
  let interfered = false;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (!interfered && context.commandName === 'PutParameterCommand') {
        interfered = true;
        await someoneElse.send(
          new PutParameterCommand({
            Name: parameter,
            Value: JSON.stringify(theirs),
            Type: 'String',
            Overwrite: true,
          }),
        );
      }
      return next(args);
    },
    { step: 'initialize', name: 'someoneElseWritesFirst' },
  );
  return client;
}

describe('the SSM store under a concurrent writer', () => {
  it('reports the version it overwrote, who wrote it and how to get it back, instead of succeeding', async () => {
    // Prepare
    const parameter = await parameterWith({ id: 'checkout', enabled: true, faults: [] });
    const store = createSsmStore({
      parameter,
      client: interferingClient(parameter, { id: 'theirs', enabled: true, faults: [] }),
    });

    // Act
    const writing = store.write({ id: 'mine', enabled: true, faults: [] }, { expectedVersion: '1' });

    // Assess
    const error = await writing.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(StoreLostUpdateError);
    const lostUpdate = error as StoreLostUpdateError;
    expect(lostUpdate.writtenVersion).toBe('3');
    expect(lostUpdate.lost).toHaveLength(1);
    expect(lostUpdate.lost[0]).toMatch(
      new RegExp(
        `^version 2 written by .+ at \\d{4}-.*get it back with: aws ssm get-parameter --name ${parameter}:2$`,
      ),
    );
    expect(lostUpdate.message).toMatch(/lost update: our write \(now version 3\) replaced a version/);
    // What was lost is still in the history, exactly as the message says.
    const history = await ssmClient().send(new GetParameterCommand({ Name: `${parameter}:2` }));
    expect(JSON.parse(history.Parameter?.Value ?? '{}')).toMatchObject({ id: 'theirs' });
  });

  it('switches off anyway, and reports the write it overwrote (the stop button wins, nothing is silent)', async () => {
    // Prepare
    const parameter = await parameterWith({ id: 'checkout', enabled: true, faults: [] });
    const store = createSsmStore({
      parameter,
      client: interferingClient(parameter, {
        id: 'checkout',
        enabled: true,
        faults: [],
        description: 'theirs',
      }),
    });

    // Act
    const result = await store.setEnabled(false);

    // Assess
    expect(result.outcome).toBe('changed');
    expect(result.lostUpdates).toEqual([expect.stringMatching(/^version 2 written by /)]);
    expect((await store.read())?.document).toMatchObject({ enabled: false });
  });
});
