import type { Invocation, InvocationHttp } from '../invocation/invocation.js';

/**
 * Overrides for {@link createTestInvocation}; `http` may be partial.
 *
 * @example
 * ```ts
 * createTestInvocation({ trigger: 'queue', http: undefined, event: { type: 'aws:sqs', source: 'orders-queue' } });
 * ```
 */
export type TestInvocationOverrides = Partial<Omit<Invocation, 'http'>> & {
  readonly http?: Partial<InvocationHttp> | undefined;
};

/**
 * A normalized HTTP invocation with sensible test values (`local` cloud, function `orders`, `GET /orders/1`),
 * overridable field by field.
 *
 * @example
 * ```ts
 * import { createTestInvocation } from '@faultline/core/testing';
 * const invocation = createTestInvocation({ stage: 'prod', http: { path: '/admin' } });
 * ```
 */
export function createTestInvocation(overrides: TestInvocationOverrides = {}): Invocation {
  const { http, ...rest } = overrides;
  const baseHttp: InvocationHttp = { method: 'GET', path: '/orders/1', headers: {}, query: {} };
  return {
    cloud: 'local',
    function: 'orders',
    stage: 'dev',
    region: undefined,
    trigger: 'http',
    requestId: 'request-1',
    deadlineMs: undefined,
    event: undefined,
    raw: undefined,
    ...rest,
    http: http === undefined && 'http' in overrides ? undefined : { ...baseHttp, ...http },
  };
}
