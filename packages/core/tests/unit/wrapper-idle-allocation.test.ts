import { getHeapSpaceStatistics } from 'node:v8';
import { createFaultEngine, createInlineSource } from '@faultline/core';
import { createFaultWrapper } from '@faultline/core/adapter-kit';
import { createInMemoryAdapter, type InMemoryResponse } from '@faultline/core/testing';
import { expect, it } from 'vitest';

function newSpaceUsedBytes(): number {
  return (
    getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_used_size ?? Number.NaN
  );
}

/**
 * How much a batch of calls grows the young generation, where every short-lived object starts (the compiler's own
 * work on a busy machine, optimized code and feedback, lands elsewhere). A collection during the batch would hide
 * what it allocated, so such a batch is measured again (young-generation use only falls in a collection).
 */
function youngGenerationGrowth(batch: () => void): number {
  for (let attempt = 0; attempt < 5; attempt++) {
    const before = newSpaceUsedBytes();
    batch();
    const growth = newSpaceUsedBytes() - before;
    if (growth >= 0) return growth;
  }
  throw new Error('every batch was interrupted by a collection: nothing measured');
}

it('allocates nothing per invocation on the idle path', async () => {
  // Prepare: an armed-but-idle experiment (probability 0) and a handler that returns one shared promise, so any
  // allocation measured comes from the wrapper, not from the handler.
  const engine = createFaultEngine({
    source: createInlineSource({
      schemaVersion: 1,
      id: 'idle',
      faults: [{ id: 'off', type: 'status', probability: 0, status: 503 }],
    }),
    environment: {},
    logLevel: 'silent',
  });
  await engine.ready();
  const response: Promise<InMemoryResponse | undefined> = Promise.resolve({ status: 200 });
  const handler = () => response;
  const wrapped = createFaultWrapper(createInMemoryAdapter(), handler, { engine, environment: {} });
  const request = { requestId: 'r-1' };
  const context = {};
  const calls = 200_000;
  for (let index = 0; index < calls; index++) wrapped(request, context);

  // Act
  const growth = youngGenerationGrowth(() => {
    for (let index = 0; index < calls; index++) wrapped(request, context);
  });

  // Assess: well under one byte per call (a single small object per call would be ≥ 16 bytes, i.e. ≥ 3.2 MB).
  expect(growth).toBeLessThan(calls);
  expect(wrapped(request, context)).toBe(response);
});

it('allocates nothing per invocation on the idle path through the engine handle a wrapper resolves itself', async () => {
  // Prepare: the usual setup (a source, no engine passed), so the wrapper goes through the deferred engine handle.
  const response: Promise<InMemoryResponse | undefined> = Promise.resolve({ status: 200 });
  const handler = () => response;
  const wrapped = createFaultWrapper(createInMemoryAdapter(), handler, {
    source: createInlineSource({
      schemaVersion: 1,
      id: 'idle-handle',
      faults: [{ id: 'off', type: 'status', probability: 0, status: 503 }],
    }),
    environment: {},
    logLevel: 'silent',
  });
  const request = { requestId: 'r-1' };
  const context = {};
  await wrapped(request, context); // the first invocation loads the runtime and the experiment
  const calls = 200_000;
  for (let index = 0; index < calls; index++) wrapped(request, context);

  // Act
  const growth = youngGenerationGrowth(() => {
    for (let index = 0; index < calls; index++) wrapped(request, context);
  });

  // Assess
  expect(growth).toBeLessThan(calls);
  expect(wrapped(request, context)).toBe(response);
});

// Its own file's module graph: after other tests feed the decision code many experiment shapes, V8's optimized code
// for it is not the one a function instance (one experiment at a time) runs.
it('allocates nothing and builds no invocation per call when an armed experiment has no fault that matches', async () => {
  const unrelated = Array.from({ length: 10 }, (_, index) => ({
    id: `fault-${index}`,
    type: 'status',
    status: 503,
    probability: 0.5,
    match: [
      { field: 'http.path', op: 'prefix', value: `/admin-${index}` },
      { field: 'http.header.x-tenant', op: 'eq', value: `tenant-${index}` },
    ],
  }));
  const onOtherMethod = [
    {
      id: 'deletes',
      type: 'status',
      status: 503,
      probability: 1,
      match: [{ field: 'http.method', op: 'eq', value: 'DELETE' }],
    },
  ];
  for (const faults of [onOtherMethod, unrelated]) {
    // Prepare
    const engine = createFaultEngine({
      source: createInlineSource({ schemaVersion: 1, id: 'armed', faults }),
      environment: {},
      logLevel: 'silent',
    });
    await engine.ready();
    const base = createInMemoryAdapter();
    let built = 0;
    const adapter = {
      ...base,
      toInvocation: (...args: Parameters<typeof base.toInvocation>) => {
        built++;
        return base.toInvocation(...args);
      },
    };
    const response: Promise<InMemoryResponse | undefined> = Promise.resolve({ status: 200 });
    const wrapped = createFaultWrapper(adapter, () => response, { engine, environment: {} });
    await new Promise((resolve) => setImmediate(resolve)); // the wrapper takes up the adapter's reader
    const request = { requestId: 'r-1', method: 'GET', path: '/orders/42', headers: { 'x-tenant': 'acme' } };
    const context = { stage: 'dev' };
    const calls = 200_000;
    for (let index = 0; index < calls; index++) wrapped(request, context);

    // Act
    const growth = youngGenerationGrowth(() => {
      for (let index = 0; index < calls; index++) wrapped(request, context);
    });

    // Assess: well under one byte per call (one small object per call would be ≥ 16 bytes), and no invocation built.
    expect(growth).toBeLessThan(calls);
    expect(wrapped(request, context)).toBe(response);
    expect(built).toBe(0);
    engine.close();
  }
});
