import {
  builtinFaultRegistry,
  createFaultEngine,
  createInlineSource,
  type FaultContext,
  type FaultEffect,
  type FaultType,
  isInjectedFault,
  type ValidationIssue,
} from '@faultline/core';
import { createFaultWrapper } from '@faultline/core/adapter-kit';
import {
  createFakeClock,
  createInMemoryAdapter,
  createMemorySink,
  createRecordingSleep,
  createSeededRandom,
  createTestInvocation,
  type FakeClock,
} from '@faultline/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { corruptFault, mangleBody } from '../../src/faults/types/corrupt.js';
import { exceptionFault } from '../../src/faults/types/exception.js';
import { latencyFault } from '../../src/faults/types/latency.js';
import { statusFault } from '../../src/faults/types/status.js';
import { timeoutFault } from '../../src/faults/types/timeout.js';

function validate(faultType: FaultType, attributes: object) {
  const issues: ValidationIssue[] = [];
  const value = faultType.attributes.validate(attributes, 'faults[0]', issues);
  return { value, issues };
}

function effectOf(faultType: FaultType, attributes: object): FaultEffect {
  const { value, issues } = validate(faultType, attributes);
  if (issues.length > 0) throw new Error(JSON.stringify(issues));
  return faultType.create(value as never, { id: 'f', type: faultType.type, enabled: true, probability: 1 });
}

function context(clock: FakeClock, overrides: Partial<FaultContext> = {}) {
  const sleep = createRecordingSleep(clock);
  const reports: string[] = [];
  const value: FaultContext = {
    invocation: createTestInvocation(),
    experimentId: 'e',
    fault: { id: 'f', type: 't', enabled: true, probability: 1 },
    clock,
    random: createSeededRandom(9),
    sleep,
    signal: new AbortController().signal,
    defer: () => {},
    capabilities: {},
    report: (_level, message) => reports.push(message),
    ...overrides,
  };
  return { context: value, sleep, reports };
}

describe('built-in registry', () => {
  it('registers the five base fault types with their phases', () => {
    const phases = Object.fromEntries(
      ['latency', 'exception', 'status', 'timeout', 'corrupt'].map((type) => [
        type,
        builtinFaultRegistry.get(type)?.phase,
      ]),
    );
    expect(phases).toEqual({
      latency: 'before',
      exception: 'before',
      status: 'before',
      timeout: 'before',
      corrupt: 'after',
    });
  });
});

describe('latency', () => {
  it('accepts a fixed delay, a range, or a delay with jitter', () => {
    expect(validate(latencyFault, { delayMs: 100 }).issues).toEqual([]);
    expect(validate(latencyFault, { minDelayMs: 100, maxDelayMs: 200 }).issues).toEqual([]);
    expect(validate(latencyFault, { delayMs: 100, jitterMs: 20 }).issues).toEqual([]);
  });

  it.each([
    [{}, 'faults[0].delayMs', 'is required'],
    [{ delayMs: 1, minDelayMs: 1, maxDelayMs: 2 }, 'faults[0].delayMs', 'cannot be combined'],
    [{ minDelayMs: 5 }, 'faults[0].maxDelayMs', 'is required when minDelayMs'],
    [{ minDelayMs: 500, maxDelayMs: 100 }, 'faults[0].minDelayMs', 'must not exceed maxDelayMs'],
    [{ minDelayMs: 1, maxDelayMs: 2, jitterMs: 1 }, 'faults[0].jitterMs', 'needs delayMs'],
    [{ delayMs: 900_001 }, 'faults[0].delayMs', 'between 0 and 900000 ms'],
  ])('rejects %j with an issue at %s', (attributes, path, message) => {
    const { issues } = validate(latencyFault, attributes);
    expect(issues[0]?.path).toBe(path);
    expect(issues[0]?.message).toContain(message);
  });

  it('sleeps the fixed delay', async () => {
    const { context: ctx, sleep } = context(createFakeClock());
    await effectOf(latencyFault, { delayMs: 300 }).before?.(ctx);
    expect(sleep.calls).toEqual([300]);
  });

  it('keeps range and jitter delays within their bounds', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer(),
        async (a, b, seed) => {
          const [low, high] = a <= b ? [a, b] : [b, a];
          const { context: ctx, sleep } = context(createFakeClock(), { random: createSeededRandom(seed) });
          await effectOf(latencyFault, { minDelayMs: low, maxDelayMs: high }).before?.(ctx);
          await effectOf(latencyFault, { delayMs: low, jitterMs: high }).before?.(ctx);
          const [ranged = -1, jittered = -1] = sleep.calls;
          return ranged >= low && ranged <= high && jittered >= 0 && jittered <= low + high;
        },
      ),
    );
  });
});

describe('exception', () => {
  it('defaults the message and name', () => {
    expect(validate(exceptionFault, {}).value).toEqual({
      message: 'Injected fault',
      errorName: 'InjectedFaultError',
    });
  });

  it('throws a fresh InjectedFaultError each time', async () => {
    const effect = effectOf(exceptionFault, { message: 'boom', errorName: 'DatabaseError' });
    const { context: ctx } = context(createFakeClock());
    const first = await effect.before?.(ctx);
    const second = await effect.before?.(ctx);
    expect(first).toMatchObject({ kind: 'throw' });
    const error = (first as { error: Error }).error;
    expect(isInjectedFault(error)).toBe(true);
    expect(error).toMatchObject({
      name: 'DatabaseError',
      message: 'boom',
      experimentId: 'e',
      faultId: 'f',
      faultType: 'exception',
    });
    expect((second as { error: Error }).error).not.toBe(error);
  });

  it('rejects an error name that is not an identifier', () => {
    expect(validate(exceptionFault, { errorName: 'not a name' }).issues[0]?.path).toBe('faults[0].errorName');
  });
});

describe('status', () => {
  it('responds with status, headers and a JSON body for an object', async () => {
    const effect = effectOf(statusFault, {
      status: 429,
      headers: { 'Retry-After': '2' },
      body: { message: 'slow down' },
    });
    const outcome = await effect.before?.(context(createFakeClock()).context);
    expect(outcome).toEqual({
      kind: 'respond',
      response: {
        status: 429,
        headers: { 'Retry-After': '2', 'content-type': 'application/json' },
        body: '{"message":"slow down"}',
      },
    });
  });

  it('keeps a string body and an explicit content type as given', async () => {
    const effect = effectOf(statusFault, {
      status: 503,
      headers: { 'Content-Type': 'text/plain' },
      body: 'down',
    });
    const outcome = await effect.before?.(context(createFakeClock()).context);
    expect(outcome).toMatchObject({ response: { headers: { 'Content-Type': 'text/plain' }, body: 'down' } });
  });

  it.each([[99], [600], [200.5]])('rejects status %s', (status) => {
    expect(validate(statusFault, { status }).issues[0]?.path).toBe('faults[0].status');
  });
});

describe('timeout', () => {
  it('sleeps until the deadline minus the buffer, then fails with a TimeoutError', async () => {
    const clock = createFakeClock(1_000_000);
    const { context: ctx, sleep } = context(clock, {
      invocation: createTestInvocation({ deadlineMs: 1_003_000 }),
    });
    const outcome = await effectOf(timeoutFault, { bufferMs: 100 }).before?.(ctx);
    expect(sleep.calls).toEqual([2_900]);
    expect(outcome).toMatchObject({ kind: 'throw', error: { name: 'TimeoutError', faultline: true } });
  });

  it('lets the handler run with the time left when afterWait is continue', async () => {
    const clock = createFakeClock(1_000_000);
    const { context: ctx, sleep } = context(clock, {
      invocation: createTestInvocation({ deadlineMs: 1_001_000 }),
    });
    expect(await effectOf(timeoutFault, { afterWait: 'continue' }).before?.(ctx)).toBeUndefined();
    expect(sleep.calls).toEqual([950]);
  });

  it('says it cannot act when the platform gives no deadline, and never sleeps then', async () => {
    const { context: ctx, sleep } = context(createFakeClock());
    const effect = effectOf(timeoutFault, {});
    expect(effect.cannotAct?.(ctx)).toContain('no deadline');
    expect(await effect.before?.(ctx)).toBeUndefined();
    expect(sleep.calls).toEqual([]);
    const withDeadline = context(createFakeClock(), {
      invocation: createTestInvocation({ deadlineMs: 5_000 }),
    });
    expect(effect.cannotAct?.(withDeadline.context)).toBeUndefined();
  });

  it('is reported as skipped, not injected, through the wrapper when no deadline is known', async () => {
    const sink = createMemorySink();
    const engine = createFaultEngine({
      source: createInlineSource({
        schemaVersion: 1,
        id: 'e',
        faults: [{ id: 't', type: 'timeout', probability: 1 }],
      }),
      onEvent: sink,
      logLevel: 'debug',
      environment: {},
    });
    let calls = 0;
    const wrapped = createFaultWrapper(createInMemoryAdapter(), async () => ({ status: 200 + calls++ }), {
      engine,
      environment: {},
    });
    await expect(wrapped({ requestId: 'r-1' }, {})).resolves.toMatchObject({ status: 200 });
    expect(sink.ofType('skipped')).toEqual([
      expect.objectContaining({
        level: 'info',
        faultId: 't',
        requestId: 'r-1',
        message: expect.stringContaining('no deadline'),
        details: { reason: 'the platform reported no deadline for this invocation' },
      }),
    ]);
    expect(sink.ofType('inject')).toEqual([]);
  });
});

describe('corrupt', () => {
  const response = {
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: '{"id":"42","price":12.5}',
  };

  it('replaces the body (default empty) and optionally the status', async () => {
    const { context: ctx } = context(createFakeClock());
    expect(await effectOf(corruptFault, {}).after?.(ctx, response)).toEqual({ ...response, body: '' });
    expect(await effectOf(corruptFault, { body: 'x', status: 502 }).after?.(ctx, response)).toEqual({
      ...response,
      status: 502,
      body: 'x',
    });
  });

  it('truncates the body to its first half', async () => {
    const { context: ctx } = context(createFakeClock());
    const result = await effectOf(corruptFault, { mode: 'truncate' }).after?.(ctx, response);
    expect(result?.body).toBe(response.body.slice(0, 12));
  });

  it('mangles any JSON document into text JSON.parse rejects, deterministically and length-preserving', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify(value);
        const mangled = mangleBody(text);
        expect(mangleBody(text)).toBe(mangled);
        expect(mangled.length - text.length).toBeLessThanOrEqual(1);
        expect(() => JSON.parse(mangled)).toThrow();
      }),
    );
  });
});
