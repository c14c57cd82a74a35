import {
  createFaultWrapper,
  type FaultAdapter,
  type InvocationDriver,
  markFaultWrapped,
  systemClock,
} from '@faultline/core/adapter-kit';
import {
  type CloudEventLike,
  type FunctionIdentity,
  keepInvocationShapes,
  resolveFunctionIdentity,
  toCloudEventInvocation,
} from '../invocation.js';
import { type GcpFaultlineOptions, gcpMissingSourceHint, resolveGcpDefaultSource } from '../options.js';

/**
 * A CloudEvent function as the Functions Framework calls it: one argument, the event; a promise for async work.
 *
 * @example
 * ```ts
 * import type { CloudEvent } from '@google-cloud/functions-framework';
 * const handler: CloudEventHandler<CloudEvent<{ orderId: string }>> = async (event) => record(event.data?.orderId);
 * ```
 */
export type CloudEventHandler<Event> = (cloudEvent: Event) => unknown;

function createCloudEventAdapter(
  identity: FunctionIdentity,
): FaultAdapter<CloudEventLike, undefined, unknown> {
  return {
    cloud: 'gcp',
    toInvocation: (cloudEvent) => toCloudEventInvocation(cloudEvent, identity),
    // Decides "no fault matches" from the event itself once loaded (next to the engine's runtime, off the import).
    loadNativeFields: () =>
      import('../native-fields.js').then((module) => new module.CloudEventFieldReader(identity)),
    createDriver(cloudEvent, second, _invocation, handler): InvocationDriver<unknown> {
      return {
        // May run more than once: `duplicate` redelivers the same event.
        callHandler: () => handler(cloudEvent, second),
        // CloudEvents have no response to shape: the engine throws an InjectedFaultError, the framework answers
        // 500 and the platform's retry policy applies, as for a real failure.
        respond: () => undefined,
        throttled: () => undefined,
        readResponse: () => undefined,
        writeResponse: (original) => original,
      };
    },
  };
}

/**
 * Wraps a CloudEvent Cloud Function (Pub/Sub, Storage, Firestore, Eventarc triggers) with faultline. Injected
 * errors (`exception`, `status`, `timeout`, throttling) reject the returned promise, so the Functions Framework
 * reports the failure and the platform retries the event when retries are enabled; `duplicate` delivers the event
 * to the handler several times; `latency` delays it. The invocation's request id is the event `id`, its
 * `event.type` / `event.source` the CloudEvent's. With `FAULTLINE_DISABLED=1` the handler itself is returned.
 *
 * The wrapped function takes exactly one argument, so the Functions Framework treats it as promise-based: wrap
 * `async` handlers (callback-style handlers are not supported).
 *
 * @example
 * ```ts
 * import * as functions from '@google-cloud/functions-framework';
 * import { withCloudEventFaults } from '@faultline/gcp-functions';
 *
 * functions.cloudEvent(
 *   'orderCreated',
 *   withCloudEventFaults(async (cloudEvent: functions.CloudEvent<{ orderId: string }>) => {
 *     await recordOrder(cloudEvent.data?.orderId);
 *   }),
 * );
 * ```
 */
export function withCloudEventFaults<Event extends CloudEventLike>(
  handler: CloudEventHandler<Event>,
  options: GcpFaultlineOptions = {},
): CloudEventHandler<Event> {
  const environment = options.environment ?? process.env;
  const identity = resolveFunctionIdentity(options, environment, options.clock ?? systemClock);
  keepInvocationShapes(identity);
  const run = createFaultWrapper(
    createCloudEventAdapter(identity),
    handler as unknown as (cloudEvent: CloudEventLike, second: undefined) => Promise<unknown>,
    {
      ...options,
      defaultSource: options.defaultSource ?? (() => resolveGcpDefaultSource(environment)),
      missingSourceHint: options.missingSourceHint ?? gcpMissingSourceHint,
      logFormat: options.logFormat ?? 'google-cloud',
    },
  );
  // Under the kill switch the wrapper is the handler itself.
  if (run === (handler as unknown)) return handler;
  // Exactly one parameter: the framework switches to callback style for functions declaring two.
  return markFaultWrapped(function faultlineCloudEventFunction(cloudEvent: Event): unknown {
    return run(cloudEvent, undefined);
  });
}
