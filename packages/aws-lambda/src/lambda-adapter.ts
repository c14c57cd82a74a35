import type { AdapterCapabilities, Clock } from '@faultline/core';
import {
  batchCapability,
  type FaultAdapter,
  type InvocationDriver,
  type NativeFieldReader,
} from '@faultline/core/adapter-kit';
import { createBatchItemFailures } from './faults/batch-item-failures.js';
import { detectTrigger } from './invocation/detect-trigger.js';
import type { LambdaContext } from './invocation/lambda-context.js';
import { createLambdaInvocationMapper } from './invocation/to-invocation.js';
import { readNativeResponse, toNativeResponse, writeNativeResponse } from './response/http-response.js';

/**
 * Options of {@link createLambdaAdapter}; both are read once, at creation.
 *
 * @example
 * ```ts
 * const adapter = createLambdaAdapter({ environment: { FAULTLINE_STAGE: 'staging', AWS_REGION: 'eu-west-1' } });
 * ```
 */
export interface LambdaAdapterOptions {
  /** For invocation deadlines. Default: the system clock. */
  readonly clock?: Clock;
  /** Source of `AWS_REGION` and `FAULTLINE_STAGE`. Default `process.env`. */
  readonly environment?: Readonly<Record<string, string | undefined>>;
  /** The stage given in code: wins over `FAULTLINE_STAGE`, the API Gateway stage and the ARN's alias. */
  readonly stage?: string | undefined;
  /** The region given in code: wins over the invoked ARN's region and `AWS_REGION`. */
  readonly region?: string | undefined;
}

const noCapabilities: AdapterCapabilities = Object.freeze({});

/**
 * The Lambda side of the engine seam: maps `(event, context)` to an invocation and shapes results natively for the
 * trigger (API Gateway v1/v2, ALB, Function URL; batch failures for SQS/Kinesis/DynamoDB streams). `withFaults` and
 * the Middy middleware use it; build one yourself only to drive `createFaultWrapper` directly.
 *
 * @example
 * ```ts
 * import { createFaultWrapper } from '@faultline/core/adapter-kit';
 * const adapter = createLambdaAdapter<MyEvent, MyResult>();
 * export const handler = createFaultWrapper(adapter, baseHandler, { source });
 * ```
 */
export function createLambdaAdapter<Event, Result, Context extends LambdaContext = LambdaContext>(
  options: LambdaAdapterOptions = {},
): FaultAdapter<Event, Context, Result> {
  const toInvocation = createLambdaInvocationMapper(options);
  return {
    cloud: 'aws',
    toInvocation: (event, context) => toInvocation(event, context),
    // Decides "no fault matches" from the event itself, before building the invocation; loaded with the runtime.
    loadNativeFields: () =>
      import('./invocation/native-fields.js').then(
        (module) => module.createLambdaFieldReader(options) as NativeFieldReader<Event, Context>,
      ),
    createDriver(event, context, _invocation, handler): InvocationDriver<Result> {
      const trigger = detectTrigger(event);
      const batch = createBatchItemFailures(trigger, event);
      return {
        callHandler: () => handler(event, context),
        // The native shapes are the handler's own result type on HTTP triggers, where a Result is such a response.
        respond: (response) => toNativeResponse(trigger, event, response) as Result | undefined,
        throttled: (_reason, response) => toNativeResponse(trigger, event, response) as Result | undefined,
        readResponse: (result) => readNativeResponse(trigger, result),
        writeResponse: (original, response) => writeNativeResponse(trigger, event, original, response),
        capabilities: batch === undefined ? noCapabilities : { [batchCapability]: batch },
      };
    },
  };
}
