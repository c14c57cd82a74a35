/**
 * @faultline/aws-lambda/powertools — faultline with Powertools for AWS Lambda: event and metrics sinks for its
 * `Logger` and `Metrics`, and a config source over any of its Parameters providers (SSM, AppConfig, Secrets Manager,
 * DynamoDB). Powertools is an optional peer: you create the instances, faultline only calls them.
 * @packageDocumentation
 */

export {
  createPowertoolsLoggerSink,
  createPowertoolsMetricsSink,
  type PowertoolsLoggerLike,
  type PowertoolsMetricsLike,
  powertoolsMetricNames,
} from './powertools-sinks.js';
export {
  fromPowertoolsProvider,
  type PowertoolsProviderLike,
  PowertoolsSourceError,
  type PowertoolsSourceOptions,
} from './powertools-source.js';
