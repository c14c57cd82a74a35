import type { HttpHandler, HttpResponseInit, StorageQueueHandler, TimerHandler } from '@azure/functions';
import { describe, expectTypeOf, it } from 'vitest';
import { withFaults } from '../../src/index.js';

// Compile-time checks (tsc runs over tests): wrapped handlers drop into the v4 registration options unchanged.
describe('withFaults typing', () => {
  it('infers HTTP request and context types from app.http-style options', () => {
    const options: { handler: HttpHandler } = {
      handler: withFaults(async (request, context) => {
        expectTypeOf(request.params.id).toEqualTypeOf<string | undefined>();
        expectTypeOf(context.invocationId).toEqualTypeOf<string>();
        return { jsonBody: { id: request.params.id } } satisfies HttpResponseInit;
      }),
    };
    expectTypeOf(options.handler).toBeFunction();
  });

  it('fits queue and timer handler types', () => {
    const queue: StorageQueueHandler = withFaults(async (message: unknown, context) => {
      context.log(String(message));
    });
    const timer: TimerHandler = withFaults(async (timerInfo, context) => {
      context.log(String(timerInfo.isPastDue));
    });
    expectTypeOf(queue).toBeFunction();
    expectTypeOf(timer).toBeFunction();
  });
});
