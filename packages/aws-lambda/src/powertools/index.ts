/**
 * @faultline/aws-lambda/powertools — event and metrics sinks for Powertools for AWS Lambda's `Logger` and `Metrics`.
 * They take your instances and import nothing from Powertools.
 * @packageDocumentation
 */
export {
  createPowertoolsLoggerSink,
  createPowertoolsMetricsSink,
  type PowertoolsLoggerLike,
  type PowertoolsMetricsLike,
  powertoolsMetricNames,
} from './powertools-sinks.js';
