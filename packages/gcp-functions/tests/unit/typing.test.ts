import * as functions from '@google-cloud/functions-framework';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { withCloudEventFaults, withFaults } from '../../src/index.js';

describe('the wrappers in TypeScript', () => {
  it('infer Express request and response types from functions.http, so handlers need no annotations', () => {
    const name = `typing${Date.now()}`;

    functions.http(
      name,
      withFaults(
        async (request, response) => {
          expectTypeOf(request).toEqualTypeOf<functions.Request>();
          response.status(200).json({ id: request.query.id });
        },
        { environment: { FAULTLINE_DISABLED: '1' } },
      ),
    );

    expect(typeof withFaults).toBe('function');
  });

  it('keep the CloudEvent data type of the handler', () => {
    const handler = async (cloudEvent: functions.CloudEvent<{ orderId: string }>) => cloudEvent.data?.orderId;

    const wrapped = withCloudEventFaults(handler, { environment: {} });

    expectTypeOf(wrapped).parameter(0).toEqualTypeOf<functions.CloudEvent<{ orderId: string }>>();
    expect(wrapped.length).toBe(1);
  });
});
