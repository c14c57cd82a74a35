import { HttpRequest, InvocationContext } from '@azure/functions';
import { createFakeClock } from '@faultline/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  parseTimeSpanMs,
  readUrlPath,
  resolveFunctionIdentity,
  routePrefixVariable,
  toAzureInvocation,
  withoutRoutePrefix,
} from '../../src/invocation.js';

const clock = createFakeClock(1_000_000);
const identity = resolveFunctionIdentity({}, { FAULTLINE_STAGE: 'dev', REGION_NAME: 'West Europe' }, clock);

function context(trigger: Record<string, unknown> & { type: string }, functionName = 'fn') {
  return new InvocationContext({
    functionName,
    invocationId: 'inv-1',
    options: { trigger: { name: 't', ...trigger } },
  });
}

describe('normalizing Azure invocations', () => {
  it('describes an HTTP request with lower-case headers, first query values and the path without /api', () => {
    // Prepare
    const request = new HttpRequest({
      method: 'post',
      url: 'http://127.0.0.1:7071/api/orders/7?x=1&x=2&y=3',
      headers: { 'X-Tenant': 'blue' },
      body: { string: '{}' },
    });

    // Act
    const invocation = toAzureInvocation(request, context({ type: 'httpTrigger' }, 'orders'), identity);

    // Assess
    expect(invocation).toMatchObject({
      cloud: 'azure',
      function: 'orders',
      stage: 'dev',
      region: 'West Europe',
      trigger: 'http',
      requestId: 'inv-1',
      deadlineMs: undefined,
      http: { method: 'POST', path: '/orders/7', query: { x: '1', y: '3' } },
      event: undefined,
    });
    expect(invocation.http?.headers['x-tenant']).toBe('blue');
    expect(invocation.raw).toBe(request);
  });

  it.each([
    ['the default prefix', {}, {}, 'http://h/api/orders/7', '/orders/7'],
    ['the default prefix, route at the root', {}, {}, 'http://h/api?x=1', '/'],
    ['the default prefix, any case', {}, {}, 'http://h/API/orders/7', '/orders/7'],
    ['a path outside the prefix', {}, {}, 'http://h/apiary/7', '/apiary/7'],
    ['a custom prefix option', { routePrefix: '/v1/edge/' }, {}, 'http://h/v1/edge/orders/7', '/orders/7'],
    ['no prefix (option)', { routePrefix: '' }, {}, 'http://h/api/orders/7', '/api/orders/7'],
    ['the app setting', {}, { [routePrefixVariable]: 'shop' }, 'http://h/shop/orders/7', '/orders/7'],
    ['no prefix (app setting)', {}, { [routePrefixVariable]: '' }, 'http://h/orders/7', '/orders/7'],
    [
      'the option over the app setting',
      { routePrefix: 'a' },
      { [routePrefixVariable]: 'b' },
      'http://h/a/x',
      '/x',
    ],
  ])('cuts the route prefix from http.path: %s', (_title, options, environment, url, path) => {
    // Prepare
    const withPrefix = resolveFunctionIdentity(options, environment, clock);
    const request = new HttpRequest({ method: 'get', url });

    // Act
    const invocation = toAzureInvocation(request, context({ type: 'httpTrigger' }), withPrefix);

    // Assess
    expect(invocation.http).toMatchObject({ method: 'GET', path });
  });

  it('keeps a path whole when it does not start with the prefix segment', () => {
    expect(withoutRoutePrefix('/ap', 'api')).toBe('/ap');
    expect(withoutRoutePrefix('/api/', 'api')).toBe('/');
    expect(withoutRoutePrefix('/x/api/1', 'api')).toBe('/x/api/1');
    expect(withoutRoutePrefix('/orders', '')).toBe('/orders');
  });

  it.each([
    [{ type: 'queueTrigger', queueName: 'orders' }, 'queue', 'azure:storage-queue', 'orders'],
    [{ type: 'serviceBusTrigger', queueName: 'payments' }, 'queue', 'azure:service-bus', 'payments'],
    [
      { type: 'serviceBusTrigger', topicName: 'events', subscriptionName: 'audit' },
      'queue',
      'azure:service-bus',
      'events/audit',
    ],
    [{ type: 'eventHubTrigger', eventHubName: 'telemetry' }, 'queue', 'azure:event-hubs', 'telemetry'],
    [{ type: 'kafkaTrigger', topic: 'orders' }, 'queue', 'azure:kafka', 'orders'],
    [{ type: 'rabbitMQTrigger', queueName: 'orders' }, 'queue', 'azure:rabbitmq', 'orders'],
    [{ type: 'blobTrigger', path: 'invoices/{name}' }, 'event', 'azure:storage-blob', 'invoices/{name}'],
    [{ type: 'timerTrigger', schedule: '0 */5 * * * *' }, 'schedule', 'azure:timer', '0 */5 * * * *'],
    [{ type: 'cosmosDBTrigger', containerName: 'items' }, 'event', 'azure:cosmos-db', 'items'],
    [{ type: 'warmupTrigger' }, 'other', 'warmuptrigger', undefined],
  ])('maps a %o binding to trigger %s, event type %s and source %s', (binding, trigger, type, source) => {
    // Act
    const invocation = toAzureInvocation({ any: 'input' }, context(binding), identity);

    // Assess
    expect(invocation.trigger).toBe(trigger);
    expect(invocation.event).toEqual({ type, source });
    expect(invocation.http).toBeUndefined();
  });

  it('takes an Event Grid event’s own type and topic', () => {
    // Act
    const invocation = toAzureInvocation(
      { eventType: 'Microsoft.Storage.BlobCreated', topic: '/subscriptions/x/storage' },
      context({ type: 'eventGridTrigger' }),
      identity,
    );

    // Assess
    expect(invocation.event).toEqual({
      type: 'Microsoft.Storage.BlobCreated',
      source: '/subscriptions/x/storage',
    });
  });

  it('derives the deadline from the functionTimeout app setting, read once', () => {
    // Prepare
    const timed = resolveFunctionIdentity({}, { AzureFunctionsJobHost__functionTimeout: '00:05:00' }, clock);

    // Act
    const invocation = toAzureInvocation({}, context({ type: 'queueTrigger' }), timed);

    // Assess
    expect(timed.timeoutMs).toBe(300_000);
    expect(invocation.deadlineMs).toBe(clock.now() + 300_000);
  });

  it('prefers options over the environment', () => {
    // Act
    const explicit = resolveFunctionIdentity(
      { stage: 'prod', region: 'eastus', timeoutMs: 1000 },
      {
        FAULTLINE_STAGE: 'dev',
        REGION_NAME: 'West Europe',
        AzureFunctionsJobHost__functionTimeout: '00:10:00',
      },
      clock,
    );

    // Assess
    expect(explicit).toMatchObject({ stage: 'prod', region: 'eastus', timeoutMs: 1000 });
  });
});

describe('parsing host.json time spans', () => {
  it.each([
    ['00:05:00', 300_000],
    ['1.00:00:00', 86_400_000],
    ['00:00:01.5', 1_500],
    ['-1', undefined],
    ['00:00:00', undefined],
    ['five minutes', undefined],
  ])('reads %s as %s ms', (text, expected) => {
    expect(parseTimeSpanMs(text)).toBe(expected);
  });

  it('round-trips any hh:mm:ss time span', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 23 }),
        fc.integer({ min: 0, max: 59 }),
        fc.integer({ min: 1, max: 59 }),
        (h, m, sec) => {
          const text = `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}`;
          return parseTimeSpanMs(text) === ((h * 60 + m) * 60 + sec) * 1000;
        },
      ),
    );
  });
});

describe('reading the URL path without parsing the URL', () => {
  it('agrees with the WHATWG URL parser on web URLs with queries and fragments', () => {
    fc.assert(
      fc.property(fc.webUrl({ withQueryParameters: true, withFragments: true }), (url) => {
        const parsed = new URL(url);
        // The parser normalizes dot segments; the platform hands over already-normalized URLs.
        fc.pre(!/\/\.\.?(\/|$|\?|#)/.test(url.slice(parsed.origin.length)));
        expect(readUrlPath(url)).toBe(parsed.pathname);
      }),
      { numRuns: 500 },
    );
  });

  it.each([
    ['http://127.0.0.1:7071', '/'],
    ['http://127.0.0.1:7071?x=1', '/'],
    ['http://h/a/b#frag?not-query', '/a/b'],
  ])('reads %s as %s', (url, path) => {
    expect(readUrlPath(url)).toBe(path);
  });
});
