import { describe, expect, it } from 'vitest';
import type { FaultOutcome } from '../../src/faults/fault-type.js';
import { throttledResponse } from '../../src/faults/throttled-response.js';
import { concurrencyFault, concurrencyInFlight } from '../../src/faults/types/concurrency.js';
import {
  attributeIssues,
  createEffect,
  createTestFaultContext,
} from '../integration/interceptors-support.js';

describe('concurrency', () => {
  it('admits up to maxInFlight invocations and throttles the excess', async () => {
    const effect = createEffect(concurrencyFault, { maxInFlight: 2 }, 'cap-two');
    const contexts = [1, 2, 3].map(() => createTestFaultContext({ type: 'concurrency', id: 'cap-two' }));

    const outcomes = contexts.map((context) => effect.before?.(context) as FaultOutcome | undefined);

    expect(outcomes[0]).toBeUndefined();
    expect(outcomes[1]).toBeUndefined();
    expect(outcomes[2]).toMatchObject({ kind: 'throttle' });
    expect((outcomes[2] as { reason: string }).reason).toContain('2 in-flight');
    expect(concurrencyInFlight('experiment-under-test', 'cap-two')).toBe(2);
    for (const context of contexts) await context.finish();
  });

  it('releases the slot when the invocation ends, also after a throw', async () => {
    const effect = createEffect(concurrencyFault, { maxInFlight: 1 }, 'cap-one');
    const first = createTestFaultContext({ type: 'concurrency', id: 'cap-one' });
    effect.before?.(first);
    // The handler threw; the engine still runs deferred cleanups.
    await first.finish();

    const second = createTestFaultContext({ type: 'concurrency', id: 'cap-one' });
    expect(effect.before?.(second)).toBeUndefined();
    await second.finish();
    expect(concurrencyInFlight('experiment-under-test', 'cap-one')).toBe(0);
  });

  it('keeps counting across a config reload (a new effect for the same fault)', async () => {
    const before = createEffect(concurrencyFault, { maxInFlight: 1 }, 'cap-reload');
    const running = createTestFaultContext({ type: 'concurrency', id: 'cap-reload' });
    before.before?.(running);

    const after = createEffect(concurrencyFault, { maxInFlight: 1 }, 'cap-reload');
    const next = createTestFaultContext({ type: 'concurrency', id: 'cap-reload' });

    expect(after.before?.(next)).toMatchObject({ kind: 'throttle' });
    await running.finish();
    await next.finish();
    expect(concurrencyInFlight('experiment-under-test', 'cap-reload')).toBe(0);
  });

  it('rejects a negative or fractional maxInFlight', () => {
    expect(attributeIssues(concurrencyFault, { maxInFlight: -1 })[0]?.path).toBe('maxInFlight');
    expect(attributeIssues(concurrencyFault, { maxInFlight: 1.5 })[0]?.message).toContain('whole number');
    expect(attributeIssues(concurrencyFault, {})[0]).toMatchObject({
      path: 'maxInFlight',
      message: 'is required',
    });
  });

  it('carries retryAfterSeconds to the throttle outcome only when it is set', async () => {
    const timed = createEffect(concurrencyFault, { maxInFlight: 0, retryAfterSeconds: 30 }, 'cap-timed');
    const plain = createEffect(concurrencyFault, { maxInFlight: 0 }, 'cap-plain');
    const first = createTestFaultContext({ type: 'concurrency', id: 'cap-timed' });
    const second = createTestFaultContext({ type: 'concurrency', id: 'cap-plain' });

    expect(timed.before?.(first)).toMatchObject({ kind: 'throttle', retryAfterSeconds: 30 });
    expect(plain.before?.(second)).toEqual({ kind: 'throttle', reason: expect.any(String) });
    expect(attributeIssues(concurrencyFault, { maxInFlight: 1, retryAfterSeconds: 1.5 })[0]?.path).toBe(
      'retryAfterSeconds',
    );
    await first.finish();
    await second.finish();
  });
});

describe('throttledResponse', () => {
  it('is one 429 JSON shape, with retry-after only when configured', () => {
    const body = JSON.stringify({ error: 'TooManyRequests', message: 'Too Many Requests', reason: 'full' });
    expect(throttledResponse('full')).toEqual({
      status: 429,
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(throttledResponse('full', 0)).toEqual({
      status: 429,
      headers: { 'content-type': 'application/json', 'retry-after': '0' },
      body,
    });
  });
});
