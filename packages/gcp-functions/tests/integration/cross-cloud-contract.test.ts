import { type CrossCloudOutcome, crossCloudOkResponse, describeCrossCloudContract } from '@faultline/testkit';
import type { Request, Response } from '@google-cloud/functions-framework';
import { withCloudEventFaults, withFaults } from '../../src/index.js';
import { postBinaryCloudEvent, type ServedFunction, serveFunction } from '../support/framework-server.js';

/**
 * A failed CloudEvent or Cloud Scheduler delivery is a 500 from the Functions Framework (the platform then retries);
 * any 2xx completed it.
 */
function deliveryOutcome(response: globalThis.Response): CrossCloudOutcome {
  if (response.ok) return { kind: 'done' };
  return { kind: 'error', error: `the Functions Framework answered ${response.status}` };
}

/**
 * The logical requests on the real Functions Framework: the HTTP request, a Pub/Sub message as a binary CloudEvent
 * (`google.cloud.pubsub.topic.v1.messagePublished`), and a Cloud Scheduler job's request to the HTTP function.
 */
describeCrossCloudContract({
  cloud: 'gcp',
  functionName: 'orders',
  region: 'europe-west1',
  platformEnvironment: { K_SERVICE: 'orders', FUNCTION_REGION: 'europe-west1' },
  wrap(options, onHandler) {
    const http = withFaults((_request: Request, response: Response) => {
      onHandler();
      response
        .status(crossCloudOkResponse.status)
        .set({ ...crossCloudOkResponse.headers })
        .send(crossCloudOkResponse.body);
    }, options);
    const events = withCloudEventFaults(async () => {
      onHandler();
    }, options);
    const served: ServedFunction[] = [];
    const serve = async (kind: 'http' | 'cloudEvent') => {
      const fn = await serveFunction(kind, kind === 'http' ? http : events);
      served.push(fn);
      return fn;
    };
    return {
      async invoke(kind): Promise<CrossCloudOutcome> {
        if (kind === 'queue') {
          const { url } = await serve('cloudEvent');
          const attributes = {
            id: 'pubsub-message-1',
            type: 'google.cloud.pubsub.topic.v1.messagePublished',
            source: '//pubsub.googleapis.com/projects/shop/topics/orders',
          };
          const message = { data: Buffer.from(JSON.stringify({ orderId: '42' })).toString('base64') };
          return deliveryOutcome(await postBinaryCloudEvent(url, attributes, { message }));
        }
        const { url } = await serve('http');
        if (kind === 'schedule') {
          const response = await fetch(`${url}/`, {
            method: 'POST',
            headers: {
              'x-cloudscheduler': 'true',
              'x-cloudscheduler-jobname': 'nightly-report',
              'x-cloudscheduler-scheduletime': '2026-11-29T03:00:00Z',
            },
          });
          return deliveryOutcome(response);
        }
        const response = await fetch(`${url}/orders/42?expand=items`, { headers: { 'X-Tenant': 'acme' } });
        return {
          kind: 'response',
          status: response.status,
          headers: Object.fromEntries(response.headers),
          body: await response.text(),
        };
      },
      async close() {
        await Promise.all(served.map((fn) => fn.close()));
      },
    };
  },
});
