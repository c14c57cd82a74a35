import { HttpResponse, type HttpResponseInit } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { prepareHttpResult } from '../../src/http-body.js';
import {
  maxMaterializedBodyBytes,
  readNeutralResponse,
  toHttpResponseInit,
  writeNeutralResponse,
} from '../../src/http-response.js';

describe('translating Azure HTTP results to and from the neutral response', () => {
  it('reads an HttpResponse instance once into bytes and keeps them exactly when only the status changes', async () => {
    // Prepare
    const bytes = new Uint8Array([0xff, 0xfe, 0x00, 0x01, 0x80]);
    const original = new HttpResponse({
      body: bytes,
      headers: { 'content-type': 'application/octet-stream' },
    });

    // Act
    const materialized = await prepareHttpResult(original, { readBody: true });
    const neutral = readNeutralResponse(materialized);
    const written = writeNeutralResponse(materialized, { ...neutral!, status: 502 });
    const served = new Uint8Array(await new HttpResponse(written).arrayBuffer());

    // Assess
    expect(original.bodyUsed).toBe(true);
    expect(written.status).toBe(502);
    expect([...served]).toEqual([...bytes]);
  });

  it('reads jsonBody as JSON text with a JSON content type, and drops it when the body is replaced', () => {
    // Prepare
    const original: HttpResponseInit = { jsonBody: { id: 7 }, headers: { 'x-id': '7' } };

    // Act
    const neutral = readNeutralResponse(original);
    const written = writeNeutralResponse(original, { ...neutral!, body: 'broken' });

    // Assess
    expect(neutral).toEqual({
      status: 200,
      headers: { 'x-id': '7', 'content-type': 'application/json' },
      body: '{"id":7}',
    });
    expect(written.jsonBody).toBeUndefined();
    expect(written.body).toBe('broken');
  });

  it('keeps jsonBody when only headers change', () => {
    // Prepare
    const original: HttpResponseInit = {
      jsonBody: { id: 7 },
      headers: new Headers({ 'access-control-allow-origin': '*' }),
    };

    // Act
    const neutral = readNeutralResponse(original)!;
    const { 'access-control-allow-origin': _removed, ...headers } = neutral.headers;
    const written = writeNeutralResponse(original, { ...neutral, headers });

    // Assess
    expect(written.jsonBody).toEqual({ id: 7 });
    expect(written.headers).toEqual({ 'content-type': 'application/json' });
  });

  it('materializes finite URLSearchParams and Blob bodies of plain results', async () => {
    // Act
    const fromForm = await prepareHttpResult({ body: new URLSearchParams({ a: '1' }) }, { readBody: true });
    const fromBlob = await prepareHttpResult({ body: new Blob(['blob text']) }, { readBody: true });

    // Assess
    expect(readNeutralResponse(fromForm)).toMatchObject({
      body: 'a=1',
      headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' },
    });
    expect(readNeutralResponse(fromBlob)?.body).toBe('blob text');
  });

  it('never buffers streaming content types or declared oversized bodies: their streams pass through untouched', async () => {
    // Prepare
    const events = new HttpResponse({
      body: 'data: 1\n\n',
      headers: { 'content-type': 'text/event-stream' },
    });
    const huge = new HttpResponse({
      body: 'x',
      headers: { 'content-length': String(maxMaterializedBodyBytes + 1) },
    });

    // Act
    const results = (await Promise.all(
      [events, huge].map((result) => prepareHttpResult(result, { readBody: true })),
    )) as HttpResponseInit[];

    // Assess: the same streams, unread, and no body for faults to change
    expect(events.bodyUsed).toBe(false);
    expect(huge.bodyUsed).toBe(false);
    expect(results[0]?.body).toBe(events.body);
    expect(readNeutralResponse(results[0])?.body).toBeUndefined();
    expect(await new HttpResponse(results[0]).text()).toBe('data: 1\n\n');
  });

  it('keeps the body untouched when no fault reads it', async () => {
    const original = new HttpResponse({ body: 'kept', headers: { 'x-a': '1' } });

    const prepared = (await prepareHttpResult(original, { readBody: false })) as HttpResponseInit;

    expect(original.bodyUsed).toBe(false);
    expect(prepared.headers).toEqual({ 'x-a': '1', 'content-type': 'text/plain;charset=UTF-8' });
    expect(await new HttpResponse(prepared).text()).toBe('kept');
  });

  it('treats non-object results as no HTTP response and leaves them alone', async () => {
    // Act / Assess
    expect(readNeutralResponse(undefined)).toBeUndefined();
    expect(readNeutralResponse('text')).toBeUndefined();
    expect(await prepareHttpResult(undefined, { readBody: true })).toBeUndefined();
  });

  it('never puts a body on an injected 204', () => {
    // Act
    const init = toHttpResponseInit({ status: 204, headers: {}, body: 'ignored' });

    // Assess
    expect(init).toEqual({ status: 204, headers: {} });
    expect(() => new HttpResponse(init)).not.toThrow();
  });
});
