import type { IncomingMessage } from 'node:http';
import { createFakeClock } from '@faultline/core/testing';
import { nativeFieldMismatches } from '@faultline/testkit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CloudEventLike,
  resolveFunctionIdentity,
  toCloudEventInvocation,
  toHttpInvocation,
} from '../../src/invocation.js';
import { CloudEventFieldReader, HttpFieldReader } from '../../src/native-fields.js';

const clock = createFakeClock(1_000_000);
const names = {
  headers: ['x-tenant', 'accept', 'set-cookie', 'x-cloudscheduler', 'missing'],
  query: ['x', 'missing'],
};
const value = fc.oneof(
  fc.constantFrom('blue', '', 'a=1', 'true', 'false'),
  fc.array(fc.constantFrom('a', 'b', 'true'), { maxLength: 2 }),
  fc.constant(undefined),
);
const request = fc.record(
  {
    method: fc.constantFrom('GET', 'get', 'Delete', 'POST', 'ß'),
    url: fc.constantFrom('/orders/42', '/orders/42?x=1', '/', '', '?x=2', '/admin/users?x=1&x=2', '/a%20b'),
    headers: fc.dictionary(
      fc.constantFrom(
        'x-tenant',
        'accept',
        'set-cookie',
        'function-execution-id',
        'x-cloudscheduler',
        'x-cloudscheduler-jobname',
      ),
      value,
      { maxKeys: 5 },
    ),
  },
  { requiredKeys: ['headers'] },
);
const identityOptions = fc.record(
  {
    FAULTLINE_STAGE: fc.constantFrom('dev', 'prod', ' '),
    FUNCTION_REGION: fc.constantFrom('europe-west1', ''),
    K_SERVICE: fc.constantFrom('orders', ''),
  },
  { requiredKeys: [] },
);
const cloudEvent = fc.oneof(
  fc.record(
    {
      id: fc.constantFrom('e-1', ''),
      type: fc.oneof(fc.constantFrom('google.cloud.pubsub.topic.v1.messagePublished', ''), fc.integer()),
      source: fc.oneof(fc.constantFrom('//pubsub.googleapis.com/projects/p/topics/t'), fc.constant(null)),
    },
    { requiredKeys: [] },
  ),
  fc.constant(undefined),
);

describe('the Cloud Functions native field readers', () => {
  it('HTTP: reads every field it answers exactly as the invocation holds it (property, generated requests)', () => {
    fc.assert(
      fc.property(
        fc.array(request, { minLength: 1, maxLength: 3 }),
        identityOptions,
        (samples, variables) => {
          const identity = resolveFunctionIdentity({}, variables, clock);
          const reader = new HttpFieldReader(identity);
          // One reader for requests one after the other, each twice: what it keeps per invocation (Cloud Scheduler or
          // not) and across them (the path of the last URL, the last method upper-cased) must not change an answer.
          for (const sample of [...samples, ...samples]) {
            const native = sample as unknown as IncomingMessage;
            const invocation = toHttpInvocation(native, identity);
            expect(nativeFieldMismatches(reader, invocation, native, undefined, names)).toEqual([]);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('CloudEvent: reads every field it answers exactly as the invocation holds it (property)', () => {
    fc.assert(
      fc.property(cloudEvent, identityOptions, (sample, variables) => {
        const identity = resolveFunctionIdentity({}, variables, clock);
        const reader = new CloudEventFieldReader(identity);
        const event = sample as unknown as CloudEventLike;
        const invocation = toCloudEventInvocation(event, identity);
        expect(nativeFieldMismatches(reader, invocation, event, undefined, names)).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });
});
