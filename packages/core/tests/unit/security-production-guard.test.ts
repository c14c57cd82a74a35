/**
 * The production guard: an experiment never injects into a production stage unless it says so explicitly
 * (`guard.allowProduction: true`), and the refusal is reported once per config version, not once per invocation.
 */
import { createFaultEngine, createInlineSource } from '@faultline/core';
import { createFaultWrapper } from '@faultline/core/adapter-kit';
import { createInMemoryAdapter, createMemorySink, immediateSleep } from '@faultline/core/testing';
import { describe, expect, it } from 'vitest';

const experiment = (guard?: object) => ({
  schemaVersion: 1,
  id: 'guarded',
  ...(guard === undefined ? {} : { guard }),
  faults: [{ id: 'boom', type: 'status', status: 503, probability: 1 }],
});

async function invokeInStage(document: object, stage: string, invocations = 5) {
  const sink = createMemorySink();
  const engine = createFaultEngine({
    source: createInlineSource(document),
    onEvent: sink,
    sleep: immediateSleep,
    environment: {},
  });
  let handlerCalls = 0;
  const wrapped = createFaultWrapper(
    createInMemoryAdapter(),
    async () => {
      handlerCalls++;
      return { status: 200 };
    },
    { engine, environment: {} },
  );
  const statuses: (number | undefined)[] = [];
  for (let index = 0; index < invocations; index++) {
    statuses.push((await wrapped({ requestId: `r-${index}` }, { stage }))?.status);
  }
  engine.close();
  return { sink, statuses, handlerCalls };
}

describe('the production guard', () => {
  it.each(['prod', 'production', 'prod-eu', 'PROD', 'live'])(
    'refuses to inject into stage %s without allowProduction, reporting it once',
    async (stage) => {
      // Act
      const { sink, statuses, handlerCalls } = await invokeInStage(experiment(), stage);

      // Assess
      expect(statuses).toEqual([200, 200, 200, 200, 200]);
      expect(handlerCalls).toBe(5);
      expect(sink.ofType('inject')).toEqual([]);
      expect(sink.ofType('production-refused')).toHaveLength(1);
      expect(sink.ofType('production-refused')[0]).toMatchObject({ experimentId: 'guarded' });
    },
  );

  it('refuses production stages even when the document says allowProduction: false explicitly', async () => {
    // Act
    const { sink, statuses } = await invokeInStage(experiment({ allowProduction: false }), 'prod');

    // Assess
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    expect(sink.ofType('production-refused')).toHaveLength(1);
  });

  it.each(['prod', 'production', 'prod-eu'])(
    'injects into stage %s with allowProduction: true',
    async (stage) => {
      // Act
      const { sink, statuses, handlerCalls } = await invokeInStage(
        experiment({ allowProduction: true }),
        stage,
      );

      // Assess
      expect(statuses).toEqual([503, 503, 503, 503, 503]);
      expect(handlerCalls).toBe(0);
      expect(sink.ofType('production-refused')).toEqual([]);
      expect(sink.ofType('inject')).toHaveLength(5);
    },
  );

  it.each(['dev', 'staging', 'test', 'preprod'])('does not treat stage %s as production', async (stage) => {
    // Act
    const { sink, statuses } = await invokeInStage(experiment(), stage, 2);

    // Assess
    expect(statuses).toEqual([503, 503]);
    expect(sink.ofType('production-refused')).toEqual([]);
  });

  it('adds the listed productionStages to the defaults when an experiment names its own', async () => {
    // Act
    const refused = await invokeInStage(experiment({ productionStages: ['main'] }), 'main', 2);

    // Assess
    expect(refused.statuses).toEqual([200, 200]);
    expect(refused.sink.ofType('production-refused')).toHaveLength(1);
  });

  it('keeps refusing the default production stages when a document narrows productionStages without allowProduction', async () => {
    // Act: the reported case — a document that names a stage no function has, to switch its own guard off
    const narrowed = await invokeInStage(experiment({ productionStages: ['never'] }), 'prod', 2);

    // Assess
    expect(narrowed.statuses).toEqual([200, 200]);
    expect(narrowed.sink.ofType('production-refused')).toHaveLength(1);
  });
});

describe('the production guard with an unknown stage', () => {
  /** A function whose stage nobody declared: no FAULTLINE_STAGE, no API Gateway stage, no alias. */
  async function invokeWithoutStage(
    document: object,
    cloud: 'aws' | 'gcp' | 'azure' | 'local',
    invocations = 3,
  ) {
    const sink = createMemorySink();
    const adapter = createInMemoryAdapter({ cloud });
    const undeclared = {
      ...adapter,
      toInvocation: (
        request: Parameters<typeof adapter.toInvocation>[0],
        context: Parameters<typeof adapter.toInvocation>[1],
      ) => ({
        ...adapter.toInvocation(request, context),
        stage: undefined,
      }),
    };
    const wrapped = createFaultWrapper(undeclared, async () => ({ status: 200 }), {
      source: createInlineSource(document),
      onEvent: sink,
      sleep: immediateSleep,
      environment: {},
    });
    const statuses: (number | undefined)[] = [];
    for (let index = 0; index < invocations; index++)
      statuses.push((await wrapped({ requestId: `r-${index}` }, {}))?.status);
    return { sink, statuses };
  }

  it.each(['aws', 'gcp', 'azure', 'local'] as const)(
    'treats an unknown stage on %s as production: nothing injected, one event saying how to declare it or opt in',
    async (cloud) => {
      // Act
      const { sink, statuses } = await invokeWithoutStage(experiment(), cloud);

      // Assess
      expect(statuses).toEqual([200, 200, 200]);
      expect(sink.ofType('inject')).toEqual([]);
      const refused = sink.ofType('production-refused');
      expect(refused).toHaveLength(1);
      expect(refused[0]?.message).toContain(
        "this function's stage is unknown, so the guard treats it as production",
      );
      expect(refused[0]?.message).toContain('FAULTLINE_STAGE');
      expect(refused[0]?.message).toContain('guard.allowProduction: true');
      expect(refused[0]?.details).toEqual({ stage: null, reason: 'unknown-stage' });
    },
  );

  it('injects into an unknown stage with allowProduction: true', async () => {
    // Act
    const { sink, statuses } = await invokeWithoutStage(experiment({ allowProduction: true }), 'gcp');

    // Assess
    expect(statuses).toEqual([503, 503, 503]);
    expect(sink.ofType('production-refused')).toEqual([]);
  });
});
