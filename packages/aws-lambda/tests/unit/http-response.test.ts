import { loadFaultRuntime } from '@faultline/core/adapter-kit';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  readNativeResponse,
  toNativeResponse,
  writeNativeResponse,
} from '../../src/response/http-response.js';
import { albEvent, httpApiEvent, restApiEvent, sqsEvent } from '../fixtures/events.js';

const unavailable = { status: 503, headers: { 'content-type': 'text/plain' }, body: 'down' };

// ALB status descriptions come from the engine's runtime, which a wrapper has always loaded by the time a fault
// makes or changes a response.
beforeAll(async () => {
  await loadFaultRuntime();
});

describe('toNativeResponse', () => {
  it('answers HTTP API and Function URL events in the payload 2.0 shape', () => {
    expect(toNativeResponse('api-gateway-http', httpApiEvent(), unavailable)).toEqual({
      statusCode: 503,
      headers: { 'content-type': 'text/plain' },
      body: 'down',
      isBase64Encoded: false,
    });
  });

  it('answers REST API events with multi-value headers, since their events carry them', () => {
    expect(toNativeResponse('api-gateway-rest', restApiEvent(), unavailable)).toEqual({
      statusCode: 503,
      multiValueHeaders: { 'content-type': ['text/plain'] },
      body: 'down',
      isBase64Encoded: false,
    });
  });

  it('adds the status description ALB requires, and multi-value headers only in multi-value mode', () => {
    expect(toNativeResponse('alb', albEvent(), unavailable)).toEqual({
      statusCode: 503,
      statusDescription: '503 Service Unavailable',
      headers: { 'content-type': 'text/plain' },
      body: 'down',
      isBase64Encoded: false,
    });
    expect(toNativeResponse('alb', albEvent({ multiValue: true }), unavailable)).toMatchObject({
      multiValueHeaders: { 'content-type': ['text/plain'] },
    });
  });

  it('has no response for non-HTTP triggers, so the engine throws instead', () => {
    expect(toNativeResponse('sqs', sqsEvent(), unavailable)).toBeUndefined();
  });
});

describe('readNativeResponse and writeNativeResponse', () => {
  it('reads a bare payload 2.0 value as a 200 JSON response and writes back the full shape', () => {
    const neutral = readNativeResponse('api-gateway-http', { price: 10 });

    expect(neutral).toEqual({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: '{"price":10}',
    });
    expect(
      writeNativeResponse('api-gateway-http', httpApiEvent(), { price: 10 }, { ...neutral!, body: '{}' }),
    ).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      body: '{}',
      isBase64Encoded: false,
    });
  });

  it('decodes base64 bodies and keeps the original encoding when the body is unchanged', () => {
    const original = {
      statusCode: 200,
      headers: { 'Access-Control-Allow-Origin': '*' },
      body: Buffer.from('hello').toString('base64'),
      isBase64Encoded: true,
    };
    const neutral = readNativeResponse('api-gateway-http', original)!;

    expect(neutral.body).toBe('hello');
    expect(
      writeNativeResponse('api-gateway-http', httpApiEvent(), original, { ...neutral, headers: {} }),
    ).toEqual({
      ...original,
      headers: {},
    });
    expect(
      writeNativeResponse('api-gateway-http', httpApiEvent(), original, { ...neutral, body: 'mangled' }),
    ).toMatchObject({ body: 'mangled', isBase64Encoded: false });
  });

  it('keeps repeated multi-value headers intact through an unchanged round trip', () => {
    const original = {
      statusCode: 200,
      statusDescription: '200 OK',
      multiValueHeaders: { 'Set-Cookie': ['a=1', 'b=2'], 'Access-Control-Allow-Origin': ['*'] },
      body: 'ok',
    };
    const neutral = readNativeResponse('alb', original)!;
    const { 'Access-Control-Allow-Origin': _removed, ...kept } = neutral.headers;

    const written = writeNativeResponse('alb', albEvent({ multiValue: true }), original, {
      ...neutral,
      status: 500,
      headers: kept,
    });

    expect(written).toEqual({
      statusCode: 500,
      statusDescription: '500 Internal Server Error',
      multiValueHeaders: { 'Set-Cookie': ['a=1', 'b=2'] },
      body: 'ok',
    });
  });

  it('does not read non-HTTP results', () => {
    expect(readNativeResponse('sqs', { batchItemFailures: [] })).toBeUndefined();
    expect(readNativeResponse('api-gateway-rest', 'text')).toBeUndefined();
  });
});
