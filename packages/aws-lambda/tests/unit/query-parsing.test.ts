import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLambdaInvocationMapper } from '../../src/invocation/to-invocation.js';
import { httpApiEvent, lambdaContext } from '../fixtures/events.js';

const toInvocation = createLambdaInvocationMapper({ environment: {} });

/** What a WHATWG URL parser makes of the same query: the first value of each name. */
function reference(rawQuery: string): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(rawQuery))
    if (query[name] === undefined) query[name] = value;
  return query;
}

describe('HTTP API query parsing', () => {
  it('agrees with URLSearchParams on the first value of every name, for any well-formed query', () => {
    const component = fc.string({ maxLength: 8 }).map((text) => encodeURIComponent(text));
    const pairs = fc.array(fc.tuple(component, fc.option(component, { nil: undefined })), { maxLength: 6 });
    fc.assert(
      fc.property(pairs, (entries) => {
        const rawQuery = entries
          .map(([name, value]) => (value === undefined ? name : `${name}=${value}`))
          .join('&');
        // API Gateway omits queryStringParameters when the query is empty.
        const { queryStringParameters: _omitted, ...base } = httpApiEvent();
        const event = { ...base, rawQueryString: rawQuery };

        const query = toInvocation(event, lambdaContext()).http?.query;

        expect({ ...query }).toEqual(reference(rawQuery));
      }),
    );
  });

  it('keeps malformed percent-encoding as sent instead of failing', () => {
    const event = { ...httpApiEvent(), rawQueryString: 'q=%E0%A4%A&ok=1' };

    expect(toInvocation(event, lambdaContext()).http?.query).toEqual({ q: '%E0%A4%A', ok: '1' });
  });
});
