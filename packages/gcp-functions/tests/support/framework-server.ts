import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import * as functions from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';

/** A function served by the real Functions Framework on loopback. */
export interface ServedFunction {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Registers `handler` with the Functions Framework under a unique name (the registry is process-wide) and serves
 * it with the framework's own Express server on 127.0.0.1.
 */
export async function serveFunction(
  kind: 'http' | 'cloudEvent',
  handler: functions.HttpFunction | functions.CloudEventFunction,
): Promise<ServedFunction> {
  const name = `fn${randomUUID().replaceAll('-', '')}`;
  if (kind === 'http') functions.http(name, handler as functions.HttpFunction);
  else functions.cloudEvent(name, handler as functions.CloudEventFunction);
  const server = getTestServer(name);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Posts a CloudEvent in binary content mode (attributes as `ce-*` headers, data as the body). */
export function postBinaryCloudEvent(
  url: string,
  attributes: { id: string; type: string; source: string },
  data: unknown,
): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'ce-specversion': '1.0',
      'ce-id': attributes.id,
      'ce-type': attributes.type,
      'ce-source': attributes.source,
    },
    body: JSON.stringify(data),
  });
}

/** Posts a CloudEvent in structured content mode (the whole event as `application/cloudevents+json`). */
export function postStructuredCloudEvent(
  url: string,
  attributes: { id: string; type: string; source: string },
  data: unknown,
): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/cloudevents+json' },
    body: JSON.stringify({ specversion: '1.0', ...attributes, datacontenttype: 'application/json', data }),
  });
}
