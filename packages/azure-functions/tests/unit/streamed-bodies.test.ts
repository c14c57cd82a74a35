import { HttpRequest, HttpResponse, type HttpResponseInit, InvocationContext } from '@azure/functions';
import { createFaultEngine, createInlineSource } from '@faultline/core';
import { createMemorySink, immediateSleep } from '@faultline/core/testing';
import { describe, expect, it } from 'vitest';
import { maxBodyReadMs } from '../../src/http-body.js';
import { maxMaterializedBodyBytes } from '../../src/http-response.js';
import { withFaults } from '../../src/index.js';

/*
 * Issue 13, item 3: a sampled fault made the wrapper read a streamed `HttpResponse` body to the end, whatever the
 * fault (an endless stream never returned; a bounded one was buffered whole, without a cap). Now a body is read
 * only when an `after` fault looks at it, and then at most `maxMaterializedBodyBytes` within `maxBodyReadMs`;
 * otherwise the stream passes through as it was.
 */

function engineFor(faults: Record<string, unknown>[]) {
  const sink = createMemorySink();
  const engine = createFaultEngine({
    source: createInlineSource({
      schemaVersion: 1,
      id: 'streams',
      faults: faults.map((fault) => ({ probability: 1, ...fault })),
    }),
    onEvent: sink,
    logLevel: 'debug',
    sleep: immediateSleep,
    environment: {},
  });
  return { engine, sink };
}

const request = () => new HttpRequest({ method: 'GET', url: 'http://127.0.0.1:7071/api/feed' });
const context = () =>
  new InvocationContext({
    functionName: 'feed',
    invocationId: `inv-${Math.random().toString(36).slice(2)}`,
    options: { trigger: { name: 'trigger', type: 'httpTrigger' } },
  });

/** A stream that sends one chunk and then never ends (a live feed without a streaming content type). */
function endlessStream(first = 'data: first\n'): { stream: ReadableStream<Uint8Array>; pulls: () => number } {
  let pulls = 0;
  let sent = false;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulls++;
      if (!sent) {
        sent = true;
        controller.enqueue(new TextEncoder().encode(first));
        return;
      }
      return new Promise(() => {});
    },
  });
  return { stream, pulls: () => pulls };
}

/** Rejects when `promise` takes longer than `ms`: the defect these tests guard against is waiting forever. */
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise,
    new Promise<T>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`still waiting after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

async function firstChunk(body: unknown): Promise<string> {
  const reader = new HttpResponse({ body: body as HttpResponseInit['body'] }).body?.getReader();
  const chunk = await within(reader?.read() ?? Promise.resolve({ done: true, value: undefined }), 2_000);
  return new TextDecoder().decode(chunk.value);
}

describe('streamed HttpResponse bodies under sampled faults', () => {
  it('a fault that does not change responses never touches the body: the same HttpResponse comes back at once', async () => {
    // Prepare
    const { engine } = engineFor([{ id: 'slow', type: 'latency', delayMs: 5 }]);
    const { stream, pulls } = endlessStream();
    const original = new HttpResponse({ body: stream });
    const wrapped = withFaults(async () => original, { engine, stage: 'test', environment: {} });

    // Act
    const result = await within(wrapped(request(), context()), 2_000);

    // Assess
    expect(result).toBe(original);
    expect(original.bodyUsed).toBe(false);
    expect(pulls()).toBeLessThanOrEqual(1);
  });

  it('a headers-only fault (cors) changes the headers and passes the stream through unread', async () => {
    const { engine } = engineFor([{ id: 'no-cors', type: 'cors', mode: 'remove' }]);
    const { stream } = endlessStream('data: live\n');
    const original = new HttpResponse({ body: stream, headers: { 'access-control-allow-origin': '*' } });
    const wrapped = withFaults(async () => original, { engine, stage: 'test', environment: {} });

    const result = (await within(wrapped(request(), context()), 2_000)) as HttpResponseInit;

    expect(original.bodyUsed).toBe(false);
    expect(new HttpResponse(result).headers.get('access-control-allow-origin')).toBeNull();
    expect(await firstChunk(result.body)).toBe('data: live\n');
  });

  it(`corrupt on an endless stream waits at most ${maxBodyReadMs} ms, then passes every byte through and says so`, async () => {
    // Prepare
    const { engine, sink } = engineFor([{ id: 'cut', type: 'corrupt', mode: 'truncate' }]);
    const { stream } = endlessStream('data: kept whole\n');
    const wrapped = withFaults(async () => new HttpResponse({ body: stream }), {
      engine,
      stage: 'test',
      environment: {},
    });

    // Act
    const startedAt = performance.now();
    const result = (await within(wrapped(request(), context()), maxBodyReadMs + 3_000)) as HttpResponseInit;
    const elapsedMs = performance.now() - startedAt;

    // Assess
    expect(elapsedMs).toBeGreaterThanOrEqual(maxBodyReadMs - 50);
    expect(await firstChunk(result.body)).toBe('data: kept whole\n');
    expect(sink.ofType('fault-detail').map((event) => event.message)).toEqual([
      expect.stringContaining('corrupt fault cut left the body alone'),
    ]);
  });

  it(`corrupt on a stream longer than ${maxMaterializedBodyBytes} bytes stops buffering at the cap and delivers it unchanged`, async () => {
    // Prepare: 2 MiB in 64 KiB chunks, no content-length to warn about it
    const chunk = new Uint8Array(64 * 1024).fill(0x61);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent === 32) controller.close();
        else {
          sent++;
          controller.enqueue(chunk);
        }
      },
    });
    const { engine } = engineFor([{ id: 'garble', type: 'corrupt', mode: 'mangle' }]);
    const wrapped = withFaults(async () => new HttpResponse({ body: stream }), {
      engine,
      stage: 'test',
      environment: {},
    });

    // Act
    const result = (await wrapped(request(), context())) as HttpResponseInit;
    const sentWhenAnswered = sent;
    const served = new Uint8Array(await new HttpResponse(result).arrayBuffer());

    // Assess: at most the cap (and one chunk more) was read before answering, and every byte arrives unchanged
    expect(sentWhenAnswered * chunk.byteLength).toBeLessThanOrEqual(
      maxMaterializedBodyBytes + 2 * chunk.byteLength,
    );
    expect(served.byteLength).toBe(32 * chunk.byteLength);
    expect(served.every((byte) => byte === 0x61)).toBe(true);
  });

  it('corrupt still changes a short streamed body, read once within the bounds', async () => {
    const { engine } = engineFor([{ id: 'cut', type: 'corrupt', mode: 'truncate' }]);
    const body = JSON.stringify({ id: 7, items: ['a', 'b', 'c'] });
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(body));
        controller.close();
      },
    });
    const wrapped = withFaults(async () => ({ status: 200, body: stream }), {
      engine,
      stage: 'test',
      environment: {},
    });

    const result = (await wrapped(request(), context())) as HttpResponseInit;
    const text = await new HttpResponse(result).text();

    expect(text).toBe(body.slice(0, Math.floor(body.length / 2)));
  });

  it('corrupt replacing the body never reads the stream: it is cancelled and the new body served at once', async () => {
    const { engine } = engineFor([{ id: 'swap', type: 'corrupt', mode: 'replace', body: 'replaced' }]);
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>({
      pull: () => new Promise(() => {}),
      cancel: () => {
        cancelled = true;
      },
    });
    const wrapped = withFaults(async () => new HttpResponse({ body: stream }), {
      engine,
      stage: 'test',
      environment: {},
    });

    const result = (await within(wrapped(request(), context()), 2_000)) as HttpResponseInit;

    expect(await new HttpResponse(result).text()).toBe('replaced');
    expect(cancelled).toBe(true);
  });
});
