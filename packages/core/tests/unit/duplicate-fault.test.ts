import { describe, expect, it, vi } from 'vitest';
import { duplicateFault } from '../../src/faults/types/duplicate.js';
import { createTestInvocation } from '../../src/testing/index.js';
import {
  attributeIssues,
  createEffect,
  createTestFaultContext,
} from '../integration/interceptors-support.js';

function queueContext() {
  const context = createTestFaultContext({ type: 'duplicate' });
  return {
    ...context,
    invocation: createTestInvocation({
      trigger: 'queue',
      http: undefined,
      event: { type: 'aws:sqs', source: 'q' },
    }),
  };
}

describe('duplicate', () => {
  it('delivers an event twice by default and returns the last result', async () => {
    const effect = createEffect(duplicateFault, {});
    let deliveries = 0;
    const handler = vi.fn(async () => ++deliveries);

    const result = await effect.around?.(queueContext(), handler);

    expect(handler).toHaveBeenCalledTimes(2);
    expect(result).toBe(2);
  });

  it('delivers `times` times', async () => {
    const effect = createEffect(duplicateFault, { times: 4 });
    const handler = vi.fn(async () => 'done');

    await effect.around?.(queueContext(), handler);

    expect(handler).toHaveBeenCalledTimes(4);
  });

  it('does not multiply when two duplicate faults are sampled for the same invocation', async () => {
    const outer = createEffect(duplicateFault, { times: 2 });
    const inner = createEffect(duplicateFault, { times: 6 });
    const context = queueContext();
    const handler = vi.fn(async () => 'done');

    await outer.around?.(context, () => inner.around?.(context, handler) as Promise<string>);

    expect(handler).toHaveBeenCalledTimes(2);
  });

  it('stops at the first delivery that throws, surfacing its error', async () => {
    const effect = createEffect(duplicateFault, { times: 3 });
    const failure = new Error('not idempotent');
    const handler = vi.fn().mockResolvedValueOnce('first').mockRejectedValueOnce(failure);

    await expect(effect.around?.(queueContext(), handler)).rejects.toBe(failure);
    expect(handler).toHaveBeenCalledTimes(2);
  });

  it('stops redelivering once the invocation is aborted', async () => {
    const effect = createEffect(duplicateFault, { times: 5 });
    const controller = new AbortController();
    const handler = vi.fn(async () => {
      controller.abort();
    });

    await effect.around?.({ ...queueContext(), signal: controller.signal }, handler);

    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('never duplicates an HTTP request', async () => {
    const effect = createEffect(duplicateFault, { times: 3 });
    const handler = vi.fn(async () => 'ok');

    await effect.around?.(createTestFaultContext({ type: 'duplicate' }), handler);

    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('never duplicates a schedule tick that came as an HTTP request (a Cloud Scheduler job)', async () => {
    const effect = createEffect(duplicateFault, { times: 3 });
    const handler = vi.fn(async () => 'ok');
    const base = createTestFaultContext({ type: 'duplicate' });
    const invocation = createTestInvocation({
      trigger: 'schedule',
      event: { type: 'gcp:cloud-scheduler', source: 'nightly' },
    });
    const context = { ...base, invocation };

    await effect.around?.(context, handler);

    expect(invocation.http).toBeDefined();
    expect(effect.cannotAct?.(context)).toContain('not redelivered');
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('accepts 2 to 10 whole deliveries only', () => {
    expect(attributeIssues(duplicateFault, { times: 1 })).not.toEqual([]);
    expect(attributeIssues(duplicateFault, { times: 11 })).not.toEqual([]);
    expect(attributeIssues(duplicateFault, { times: 2.5 })).not.toEqual([]);
    expect(attributeIssues(duplicateFault, { times: 10 })).toEqual([]);
  });
});
