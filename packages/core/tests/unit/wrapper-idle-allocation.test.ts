import { getHeapStatistics } from 'node:v8';
import { createFaultEngine, createInlineSource } from '@faultline/core';
import { createFaultWrapper } from '@faultline/core/adapter-kit';
import { createInMemoryAdapter, type InMemoryResponse } from '@faultline/core/testing';
import { expect, it } from 'vitest';

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
  const before = getHeapStatistics().used_heap_size;
  for (let index = 0; index < calls; index++) wrapped(request, context);
  const after = getHeapStatistics().used_heap_size;

  // Assess: well under one byte per call (a single small object per call would be ≥ 16 bytes, i.e. ≥ 3.2 MB).
  expect(after - before).toBeLessThan(calls);
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
  const before = getHeapStatistics().used_heap_size;
  for (let index = 0; index < calls; index++) wrapped(request, context);
  const after = getHeapStatistics().used_heap_size;

  // Assess
  expect(after - before).toBeLessThan(calls);
  expect(wrapped(request, context)).toBe(response);
});
