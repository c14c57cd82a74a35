import { HttpRequest, InvocationContext } from '@azure/functions';
import { createFakeClock } from '@faultline/core/testing';
import { nativeFieldMismatches } from '@faultline/testkit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  readTriggerType,
  readUrlPath,
  resolveFunctionIdentity,
  toAzureInvocation,
  triggerKinds,
  withoutRoutePrefix,
} from '../../src/invocation.js';
import { AzureFieldReader } from '../../src/native-fields.js';

const clock = createFakeClock(1_000_000);
const names = {
  headers: ['x-tenant', 'accept', 'set-cookie', 'cookie', 'missing'],
  query: ['x', 'y', 'missing'],
};

const method = fc.constantFrom('GET', 'get', 'Delete', 'POST', 'patch', 'options');
const url = fc.constantFrom(
  'http://127.0.0.1:7071/api/orders/7?x=1&x=2&y=3',
  'http://localhost/api/orders',
  'http://localhost',
  'http://localhost?x=1',
  'http://localhost/#frag',
  'https://app.azurewebsites.net/api/admin/users?y=%20z',
  'http://localhost/api/ß/x?x=',
);
const headers = fc.dictionary(
  fc.constantFrom('X-Tenant', 'x-tenant', 'Accept', 'Set-Cookie', 'Cookie'),
  fc.constantFrom('blue', 'a=1', 'text/html', ''),
  { maxKeys: 4 },
);
const triggerType = fc.constantFrom(
  'httpTrigger',
  'HTTPTRIGGER',
  'queueTrigger',
  'serviceBusTrigger',
  'timerTrigger',
  'eventGridTrigger',
  'somethingElse',
  '',
);
const identityOptions = fc.record(
  {
    FAULTLINE_STAGE: fc.constantFrom('dev', 'prod', ' '),
    REGION_NAME: fc.constantFrom('West Europe', ''),
    AzureFunctionsJobHost__extensions__http__routePrefix: fc.constantFrom('', 'api', 'v1'),
  },
  { requiredKeys: [] },
);

function sampleContext(type: string, functionName: string): InvocationContext {
  return new InvocationContext({
    functionName,
    invocationId: 'inv-1',
    options: { trigger: { name: 't', type, queueName: 'orders' } },
  });
}

/** A generated invocation's native arguments: an `HttpRequest` for HTTP triggers, a message for the others. */
const invocationSample = fc
  .tuple(method, url, headers, triggerType, fc.constantFrom('orders', 'billing'))
  .map(([sampleMethod, sampleUrl, sampleHeaders, type, functionName]) => ({
    context: sampleContext(type, functionName),
    input:
      type.toLowerCase() === 'httptrigger'
        ? new HttpRequest({ method: sampleMethod, url: sampleUrl, headers: sampleHeaders })
        : { message: 'queued' },
  }));

describe('the Azure native field reader', () => {
  it('reads every field it answers exactly as the invocation holds it (property, generated requests and triggers)', () => {
    fc.assert(
      fc.property(
        fc.array(invocationSample, { minLength: 1, maxLength: 3 }),
        identityOptions,
        (samples, variables) => {
          const identity = resolveFunctionIdentity({}, variables, clock);
          const reader = new AzureFieldReader(
            identity,
            readTriggerType,
            (path) => withoutRoutePrefix(readUrlPath(path), identity.routePrefix),
            triggerKinds,
          );
          // One reader for invocations one after the other, each twice: what it keeps per invocation (trigger,
          // method, path) and across them (trigger type, URL, the last method upper-cased) must not change an answer.
          for (const { input, context } of [...samples, ...samples]) {
            const invocation = toAzureInvocation(input, context, identity);
            expect(nativeFieldMismatches(reader, invocation, input, context, names)).toEqual([]);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
