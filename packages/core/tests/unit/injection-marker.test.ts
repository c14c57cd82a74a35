import {
  createFaultEngine,
  createInlineSource,
  type FaultEngine,
  injectedFaultsHeader,
  type NeutralResponse,
  runTokenHeader,
  validateExperiment,
} from '@faultline/core';
import type { NativeAnswers, NativeResponses } from '@faultline/core/adapter-kit';
import { createMemorySink, createTestInvocation } from '@faultline/core/testing';
import { afterEach, describe, expect, it } from 'vitest';

// The run token and the response marker `faultline run` counts injections by (issue 17). The adapter contract
// (testkit) checks the marker through every adapter; this covers the schema field and the engine's own paths.

const runToken = 'core-run-token-0123456789abcdef';
const engines: FaultEngine[] = [];

afterEach(() => {
  for (const engine of engines.splice(0)) engine.close();
});

async function engineWith(faults: object[], extra: object = { runToken }): Promise<FaultEngine> {
  const engine = createFaultEngine({
    source: createInlineSource({ schemaVersion: 1, id: 'marker', ...extra, faults }),
    onEvent: createMemorySink(),
    environment: {},
  });
  engines.push(engine);
  await engine.ready();
  return engine;
}

const tokenHeaders = { [runTokenHeader]: runToken };

describe('runToken in the experiment', () => {
  const document = (value: unknown) => ({
    schemaVersion: 1,
    id: 'marker',
    runToken: value,
    faults: [{ id: 'slow', type: 'latency', probability: 1, delayMs: 1 }],
  });

  it('accepts 16 to 128 base64url characters', () => {
    expect(validateExperiment(document('A'.repeat(16))).ok).toBe(true);
    expect(validateExperiment(document(`${'a-_9'.repeat(32)}`)).ok).toBe(true);
  });

  it('refuses other values without quoting them back (the token is a secret of the run)', () => {
    for (const value of [
      'short',
      'x'.repeat(129),
      'has spaces in it, sixteen+',
      'ünïcode-token-value-xx',
      42,
    ]) {
      const result = validateExperiment(document(value));
      expect(result.ok).toBe(false);
      const issue = result.issues.find((candidate) => candidate.path === 'runToken');
      expect(issue?.hint).toContain('faultline run sets it');
      if (typeof value === 'string') expect(`${issue?.message} ${issue?.hint}`).not.toContain(value);
    }
  });
});

describe('FaultRun.injectionMarker', () => {
  it('lists the acting faults of an HTTP invocation that carries the token, once before() ran', async () => {
    const engine = await engineWith([
      { id: 'slow', type: 'latency', probability: 1, delayMs: 1 },
      { id: 'cors', type: 'cors', probability: 1, mode: 'remove' },
    ]);
    const run = engine.plan(createTestInvocation({ http: { headers: tokenHeaders } }));
    expect(run).toBeDefined();
    await run?.before();
    expect(run?.injectionMarker).toEqual({ name: injectedFaultsHeader, value: 'slow,cors' });
    await run?.finish();
  });

  it('is absent for non-HTTP triggers, other tokens, and experiments without a token', async () => {
    const withToken = await engineWith([{ id: 'slow', type: 'latency', probability: 1, delayMs: 1 }]);
    const withoutToken = await engineWith([{ id: 'slow', type: 'latency', probability: 1, delayMs: 1 }], {});
    const cases = [
      {
        engine: withToken,
        invocation: createTestInvocation({ trigger: 'queue', http: { headers: tokenHeaders } }),
      },
      {
        engine: withToken,
        invocation: createTestInvocation({ http: { headers: { [runTokenHeader]: `${runToken}x` } } }),
      },
      { engine: withToken, invocation: createTestInvocation() },
      { engine: withoutToken, invocation: createTestInvocation({ http: { headers: tokenHeaders } }) },
    ];
    for (const { engine, invocation } of cases) {
      const run = engine.plan(invocation);
      await run?.before();
      expect(run).toBeDefined();
      expect(run?.injectionMarker).toBeUndefined();
      await run?.finish();
    }
  });

  it('leaves out a fault that cannot act here (skipped), and is absent when none acts', async () => {
    // A timeout needs a deadline; the test invocation has none, so the fault is skipped.
    const engine = await engineWith([
      { id: 'hang', type: 'timeout', probability: 1 },
      { id: 'slow', type: 'latency', probability: 1, delayMs: 1 },
    ]);
    const run = engine.plan(createTestInvocation({ http: { headers: tokenHeaders } }));
    await run?.before();
    expect(run?.injectionMarker?.value).toBe('slow');
    await run?.finish();

    const onlyTimeout = await engineWith([{ id: 'hang', type: 'timeout', probability: 1 }]);
    const skipped = onlyTimeout.plan(createTestInvocation({ http: { headers: tokenHeaders } }));
    await skipped?.before();
    expect(skipped?.injectionMarker).toBeUndefined();
    await skipped?.finish();
  });
});

describe('cost when nothing fires', () => {
  it('never reads the run token header for invocations no fault fires for', async () => {
    const engine = await engineWith([
      {
        id: 'admin',
        type: 'latency',
        probability: 1,
        delayMs: 1,
        match: [{ field: 'http.path', op: 'prefix', value: '/admin' }],
      },
    ]);
    let tokenReads = 0;
    const headers = new Proxy(tokenHeaders, {
      get(target, name, receiver) {
        if (name === runTokenHeader) tokenReads++;
        return Reflect.get(target, name, receiver);
      },
    });
    expect(engine.plan(createTestInvocation({ http: { path: '/orders/1', headers } }))).toBeUndefined();
    expect(tokenReads).toBe(0);
    // Once a fault fires, it is read: once per run.
    const run = engine.plan(createTestInvocation({ http: { path: '/admin/1', headers } }));
    await run?.before();
    expect(tokenReads).toBe(1);
    await run?.finish();
  });
});

interface NativeResult {
  readonly code: number;
  readonly headers: Record<string, string>;
  readonly text: string;
}

/** A host's translation between its native results and neutral responses. */
const driver: NativeAnswers<NativeResult> & NativeResponses<NativeResult> = {
  respond: (response) => ({
    code: response.status,
    headers: { ...response.headers },
    text: response.body ?? '',
  }),
  throttled: (reason, response) => ({
    code: response.status,
    headers: { ...response.headers },
    text: reason,
  }),
  readResponse: (result): NeutralResponse => ({
    status: result.code,
    headers: result.headers,
    body: result.text,
  }),
  writeResponse: (_original, response) => ({
    code: response.status,
    headers: { ...response.headers },
    text: response.body ?? '',
  }),
};

describe('the marker on native results', () => {
  it('is added to an injected status answer without changing the shared configured response', async () => {
    const engine = await engineWith([
      { id: 'down', type: 'status', probability: 1, status: 503, headers: { 'retry-after': '2' } },
    ]);
    const first = engine.plan(createTestInvocation({ http: { headers: tokenHeaders } }));
    const shortCircuit = await first?.before();
    expect(shortCircuit).toBeDefined();
    if (first === undefined || shortCircuit === undefined) return;
    expect(first.answer(shortCircuit, driver)?.result.headers).toEqual({
      'retry-after': '2',
      [injectedFaultsHeader]: 'down',
    });
    await first.finish();

    const second = engine.plan(createTestInvocation());
    const again = await second?.before();
    if (second === undefined || again === undefined) throw new Error('the status fault must fire again');
    expect(second.answer(again, driver)?.result.headers).toEqual({ 'retry-after': '2' });
    await second.finish();
  });

  it('is added to the 429 a throttling fault answers with', async () => {
    const engine = await engineWith([{ id: 'cap', type: 'concurrency', probability: 1, maxInFlight: 1 }]);
    const holding = engine.plan(createTestInvocation({ requestId: 'a', http: { headers: tokenHeaders } }));
    await holding?.before();
    const throttled = engine.plan(createTestInvocation({ requestId: 'b', http: { headers: tokenHeaders } }));
    const shortCircuit = await throttled?.before();
    expect(shortCircuit?.outcome.kind).toBe('throttle');
    if (throttled === undefined || shortCircuit === undefined) return;
    const answer = throttled.answer(shortCircuit, driver);
    expect(answer?.result).toMatchObject({ code: 429, headers: { [injectedFaultsHeader]: 'cap' } });
    await throttled.finish();
    await holding?.finish();
  });

  it("is added by changeResponse to the handler's result even when no fault changes responses", async () => {
    const engine = await engineWith([{ id: 'slow', type: 'latency', probability: 1, delayMs: 1 }]);
    const run = engine.plan(createTestInvocation({ http: { headers: tokenHeaders } }));
    if (run === undefined) throw new Error('the latency fault must fire');
    await run.before();
    expect(run.changesResponse).toBe(false);
    const original: NativeResult = { code: 201, headers: { 'x-handler': 'yes' }, text: 'created' };
    const result = await run.changeResponse(original, driver);
    expect(result).toEqual({
      code: 201,
      headers: { 'x-handler': 'yes', [injectedFaultsHeader]: 'slow' },
      text: 'created',
    });
    await run.finish();
  });
});
