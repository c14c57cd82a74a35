import type { IncomingMessage } from 'node:http';
import { compileFieldReader } from '@faultline/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatFirestoreVersion } from '../../src/firestore/index.js';
import {
  readRequestId,
  resolveFunctionIdentity,
  toCloudEventInvocation,
  toHttpInvocation,
} from '../../src/invocation.js';

const clock = { now: () => 1_000 };

function request(url: string, headers: IncomingMessage['headers'] = {}, method = 'get'): IncomingMessage {
  return { url, headers, method } as IncomingMessage;
}

describe('the normalized invocation of a Cloud Function', () => {
  it('reads the function name from K_SERVICE, then FUNCTION_TARGET, then FUNCTION_NAME, and lets the option win', () => {
    expect(resolveFunctionIdentity({}, { K_SERVICE: 'svc', FUNCTION_TARGET: 'target' }, clock).function).toBe(
      'svc',
    );
    expect(resolveFunctionIdentity({}, { FUNCTION_TARGET: 'target' }, clock).function).toBe('target');
    expect(resolveFunctionIdentity({}, { FUNCTION_NAME: 'gen1' }, clock).function).toBe('gen1');
    expect(resolveFunctionIdentity({ functionName: 'mine' }, { K_SERVICE: 'svc' }, clock).function).toBe(
      'mine',
    );
    expect(resolveFunctionIdentity({}, {}, clock).function).toBe('unknown');
  });

  it('gives HTTP fields the shape match conditions read: upper-case method, path without query, first query value', () => {
    const identity = resolveFunctionIdentity({ timeoutMs: 500 }, { FUNCTION_REGION: 'us-central1' }, clock);

    const invocation = toHttpInvocation(
      request('/orders/7?tenant=acme&tenant=other&empty=', {
        'x-tenant': 'acme',
        accept: 'a',
        'set-cookie': ['a=1', 'b=2'],
      }),
      identity,
    );

    expect(invocation).toMatchObject({
      cloud: 'gcp',
      trigger: 'http',
      region: 'us-central1',
      deadlineMs: 1_500,
    });
    expect(invocation.http?.method).toBe('GET');
    expect(invocation.http?.path).toBe('/orders/7');
    expect(invocation.http?.query).toEqual({ tenant: 'acme', empty: '' });
    expect(invocation.http?.headers['set-cookie']).toBe('a=1, b=2');
    expect(compileFieldReader('http.header.X-Tenant')(invocation)).toBe('acme');
    expect(compileFieldReader('http.query.tenant')(invocation)).toBe('acme');
    expect(JSON.parse(JSON.stringify(invocation.http))).toMatchObject({ path: '/orders/7', method: 'GET' });
  });

  it('has no deadline without the timeoutMs option (Cloud Functions sends none)', () => {
    const invocation = toHttpInvocation(request('/'), resolveFunctionIdentity({}, {}, clock));

    expect(invocation.deadlineMs).toBeUndefined();
  });

  it('uses the CloudEvent id as request id and its type and source as event fields', () => {
    const invocation = toCloudEventInvocation(
      { id: 'evt-9', type: 'google.cloud.storage.object.v1.finalized', source: '//storage/b' },
      resolveFunctionIdentity({}, {}, clock),
    );

    expect(invocation).toMatchObject({
      trigger: 'event',
      requestId: 'evt-9',
      http: undefined,
      event: { type: 'google.cloud.storage.object.v1.finalized', source: '//storage/b' },
    });
  });

  it('reads a Pub/Sub message as a queue invocation, with the topic as event source', () => {
    const invocation = toCloudEventInvocation(
      {
        id: 'msg-1',
        type: 'google.cloud.pubsub.topic.v1.messagePublished',
        source: '//pubsub.googleapis.com/projects/shop/topics/orders',
      },
      resolveFunctionIdentity({}, {}, clock),
    );

    expect(invocation).toMatchObject({
      trigger: 'queue',
      requestId: 'msg-1',
      event: {
        type: 'google.cloud.pubsub.topic.v1.messagePublished',
        source: '//pubsub.googleapis.com/projects/shop/topics/orders',
      },
    });
  });

  it('reads a Cloud Scheduler job’s request as a schedule invocation that keeps its HTTP fields', () => {
    const scheduled = request('/tick');
    scheduled.headers['x-cloudscheduler'] = 'true';
    scheduled.headers['x-cloudscheduler-jobname'] = 'nightly-report';

    const invocation = toHttpInvocation(scheduled, resolveFunctionIdentity({}, {}, clock));

    expect(invocation).toMatchObject({
      trigger: 'schedule',
      event: { type: 'gcp:cloud-scheduler', source: 'nightly-report' },
      http: { method: 'GET', path: '/tick' },
    });
    expect(toHttpInvocation(request('/tick'), resolveFunctionIdentity({}, {}, clock))).toMatchObject({
      trigger: 'http',
      event: undefined,
    });
  });

  it('never throws on arbitrary trace headers and always yields a non-empty request id', () => {
    fc.assert(
      fc.property(
        fc.option(fc.string(), { nil: undefined }),
        fc.option(fc.string(), { nil: undefined }),
        fc.option(fc.string(), { nil: undefined }),
        (cloudTrace, traceparent, executionId) => {
          const headers: IncomingMessage['headers'] = {};
          if (cloudTrace !== undefined) headers['x-cloud-trace-context'] = cloudTrace;
          if (traceparent !== undefined) headers.traceparent = traceparent;
          if (executionId !== undefined) headers['function-execution-id'] = executionId;
          const requestId = readRequestId(headers);
          expect(typeof requestId).toBe('string');
          expect(requestId.length).toBeGreaterThan(0);
        },
      ),
    );
  });
});

describe('formatFirestoreVersion', () => {
  it('orders versions like their update times, to the nanosecond', () => {
    fc.assert(
      fc.property(
        fc.tuple(fc.integer({ min: 0, max: 4_000_000_000 }), fc.integer({ min: 0, max: 999_999_999 })),
        fc.tuple(fc.integer({ min: 0, max: 4_000_000_000 }), fc.integer({ min: 0, max: 999_999_999 })),
        ([secondsA, nanosA], [secondsB, nanosB]) => {
          const a = formatFirestoreVersion({ seconds: secondsA, nanoseconds: nanosA });
          const b = formatFirestoreVersion({ seconds: secondsB, nanoseconds: nanosB });
          const order = secondsA === secondsB ? Math.sign(nanosA - nanosB) : Math.sign(secondsA - secondsB);
          expect(Math.sign(a.localeCompare(b, 'en'))).toBe(order);
        },
      ),
    );
  });
});
