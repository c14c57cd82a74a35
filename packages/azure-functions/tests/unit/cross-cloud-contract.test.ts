import { HttpRequest, type HttpResponseInit, InvocationContext } from '@azure/functions';
import { type CrossCloudOutcome, crossCloudOkResponse, describeCrossCloudContract } from '@faultline/testkit';
import { headersToRecord } from '../../src/http-response.js';
import { withFaults } from '../../src/index.js';

/**
 * The logical requests as the Node worker hands them over, with the library's real `HttpRequest` and
 * `InvocationContext`: the HTTP request under the host's default `/api` route prefix, an Event Hubs message, a timer
 * tick.
 */
function nativeCall(kind: 'http' | 'queue' | 'schedule'): [unknown, InvocationContext] {
  const bindings = {
    http: { type: 'httpTrigger' },
    queue: { type: 'eventHubTrigger', eventHubName: 'orders', cardinality: 'one' },
    schedule: { type: 'timerTrigger', schedule: '0 0 3 * * *' },
  } as const;
  const context = new InvocationContext({
    functionName: 'orders',
    invocationId: `azure-${kind}-${Math.random().toString(36).slice(2)}`,
    options: { trigger: { name: 'trigger', ...bindings[kind] } },
  });
  if (kind === 'http') {
    const request = new HttpRequest({
      method: 'GET',
      url: 'http://127.0.0.1:7071/api/orders/42?expand=items',
      headers: { 'X-Tenant': 'acme' },
    });
    return [request, context];
  }
  if (kind === 'queue') return [{ orderId: '42' }, context];
  return [{ schedule: { adjustForDST: true }, isPastDue: false }, context];
}

describeCrossCloudContract({
  cloud: 'azure',
  functionName: 'orders',
  region: 'West Europe',
  platformEnvironment: { REGION_NAME: 'West Europe' },
  wrap(options, onHandler) {
    const user = async (
      _input: unknown,
      context: InvocationContext,
    ): Promise<HttpResponseInit | undefined> => {
      onHandler();
      if (context.options.trigger.type !== 'httpTrigger') return undefined;
      return {
        status: crossCloudOkResponse.status,
        headers: { ...crossCloudOkResponse.headers },
        body: crossCloudOkResponse.body,
      };
    };
    const wrapped = withFaults(user, options);
    return {
      async invoke(kind): Promise<CrossCloudOutcome> {
        try {
          const result = await wrapped(...nativeCall(kind));
          if (kind !== 'http') return { kind: 'done' };
          const response = result as HttpResponseInit;
          return {
            kind: 'response',
            status: response.status ?? 200,
            headers: headersToRecord(response.headers),
            body: typeof response.body === 'string' ? response.body : undefined,
          };
        } catch (error) {
          return { kind: 'error', error };
        }
      },
    };
  },
});
