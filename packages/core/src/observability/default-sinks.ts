import type { EventSink } from '../events/events.js';
import { createJsonLineSink } from '../events/json-line-sink.js';
import { createCloudLoggingSink } from './cloud-logging-sink.js';
import { createEmfSink } from './emf-sink.js';
import { createInvocationLogSink } from './invocation-log-sink.js';
import { createLambdaLogSink } from './lambda-log-sink.js';

/**
 * Where the engine writes events when no `onEvent` is given: `json-lines` (one JSON line per event on the console),
 * `aws-lambda` ({@link createLambdaLogSink}: Lambda's log levels and JSON log format), `google-cloud`
 * ({@link createCloudLoggingSink}: Cloud Logging structured entries) or `azure-functions`
 * ({@link createInvocationLogSink}: through the invocation's `context` logger). Each adapter picks its platform's.
 */
export const logFormats = ['json-lines', 'aws-lambda', 'google-cloud', 'azure-functions'] as const;
/**
 * @example
 * ```ts
 * const format: LogFormat = 'aws-lambda';
 * ```
 */
export type LogFormat = (typeof logFormats)[number];

/**
 * The event sink of a log format. The engine filters events by its own level first, so these write every event
 * they get.
 *
 * @example
 * ```ts
 * const onEvent = createLogFormatSink('google-cloud', process.env);
 * ```
 */
export function createLogFormatSink(
  format: LogFormat,
  environment: Readonly<Record<string, string | undefined>>,
): EventSink {
  switch (format) {
    case 'aws-lambda':
      return createLambdaLogSink({ level: 'debug', environment });
    case 'google-cloud':
      return createCloudLoggingSink({ level: 'debug', environment });
    case 'azure-functions':
      return createInvocationLogSink({ level: 'debug', environment });
    default:
      return createJsonLineSink({ level: 'debug' });
  }
}

/**
 * The metrics sink an engine uses when its `metrics` option is not given: CloudWatch EMF lines
 * ({@link createEmfSink}) when the log format is `aws-lambda` and the function runs in Lambda
 * (`AWS_LAMBDA_FUNCTION_NAME` is set), in the namespace `FAULTLINE_METRICS_NAMESPACE` (default `faultline`);
 * none elsewhere, and none when `FAULTLINE_METRICS` is `off` (or `0`, `false`, `no`).
 *
 * @example
 * ```ts
 * defaultMetricsSink('aws-lambda', { AWS_LAMBDA_FUNCTION_NAME: 'orders' }); // an EMF sink
 * defaultMetricsSink('google-cloud', process.env); // undefined
 * ```
 */
export function defaultMetricsSink(
  format: LogFormat,
  environment: Readonly<Record<string, string | undefined>>,
): EventSink | undefined {
  if (format !== 'aws-lambda') return undefined;
  const functionName = environment.AWS_LAMBDA_FUNCTION_NAME;
  if (functionName === undefined || functionName === '') return undefined;
  const switchedOff = ['off', '0', 'false', 'no'].includes(
    environment.FAULTLINE_METRICS?.trim().toLowerCase() ?? '',
  );
  if (switchedOff) return undefined;
  const namespace = environment.FAULTLINE_METRICS_NAMESPACE?.trim();
  try {
    return createEmfSink(namespace === undefined || namespace === '' ? {} : { namespace });
  } catch {
    // A namespace EMF does not accept: the default one rather than no metrics.
    return createEmfSink();
  }
}
