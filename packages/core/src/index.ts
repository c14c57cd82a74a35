/**
 * @faultline/core — the provider-agnostic chaos engine. No cloud SDK is imported here, ever.
 *
 * The root entry is what users of faultline work with: the experiment format and its validation, custom fault
 * types and config sources, events, and the engine options. What adapters need to wrap a platform's handlers is
 * on `@faultline/core/adapter-kit`, dependency faults at a client library's layer on
 * `@faultline/core/interception`, and test helpers on `@faultline/core/testing`. Every name is listed on purpose
 * (`api-report.md` shows them all); the rest of the code is internal. Grouped by folder: the engine options and
 * ports, config sources, the error base, events, the experiment format (with the run section and the JSON
 * Schema), fault types, the normalized invocation, the schema language.
 * @packageDocumentation
 */

export type { FaultlineOptions } from './adapter/resolve-engine.js';
export { type CachedConfigOptions, defaultCachedConfigOptions } from './config/cache-options.js';
export {
  type CachedConfig,
  type CachedValue,
  type CreateCachedConfigOptions,
  createCachedConfig,
} from './config/cached-config.js';
export {
  ConfigDocumentError,
  ConfigFetchTimeoutError,
  ConfigTooLargeError,
  InvalidConfigOptionError,
} from './config/config-errors.js';
export type { ConfigLoadRequest, ConfigLoadResult, ConfigSource } from './config/config-source.js';
export { contentVersion } from './config/content-version.js';
export {
  type ConfigDocumentFormat,
  configDocumentFormats,
  decodeConfigDocument,
  formatFromFileName,
} from './config/document-format.js';
export { createEnvironmentSource, type EnvironmentSourceOptions } from './config/environment-source.js';
export { createFileSource, type FileSourceOptions } from './config/file-source.js';
export { createInlineSource } from './config/inline-source.js';
export { createFaultEngine, type FaultEngine, type FaultEngineOptions } from './engine/fault-engine.js';
export type { Clock, RandomSource, Sleep } from './engine/ports.js';
export { type StickySampleOptions, stickySampleFires } from './engine/sampling.js';
export { resetSharedFaultEngines } from './engine/shared-engines.js';
export { FaultlineError, isFaultlineError } from './errors/faultline-error.js';
export {
  type EventContext,
  type EventLevel,
  type EventSink,
  eventLevels,
  eventTypes,
  type FaultlineEvent,
  type FaultlineEventType,
} from './events/events.js';
export { createJsonLineSink, type JsonLineSinkOptions } from './events/json-line-sink.js';
export { documentLimits } from './experiment/document-limits.js';
export type { ValidatedExperiment } from './experiment/document-schema.js';
export { experimentSchemaVersion, validateFaultEntry } from './experiment/experiment-schema.js';
export {
  experimentJsonSchemaId,
  generateExperimentJsonSchema,
  renderExperimentJsonSchema,
} from './experiment/json-schema.js';
export {
  type AlarmStopCondition,
  type MetricProbe,
  type MetricProbeKind,
  metricProbeKinds,
  metricProbeMeasures,
} from './experiment/metric-probes.js';
export { defaultMaxConfigSizeBytes, type ParseExperimentTextResult } from './experiment/parse-json.js';
export {
  type ExperimentTextFormat,
  type ParseExperimentTextOptions,
  parseExperimentText,
  validateExperimentText,
} from './experiment/parse-text.js';
export {
  createPlaceholderPattern,
  isThresholdStopCondition,
  type LoadDriver,
  type RunSection,
  type RunStore,
  type RunStoreKind,
  type RunTarget,
  runStoreKinds,
  type StopCondition,
  type StopMetric,
  type StopOperator,
  splitCommandLine,
  type ThresholdStopCondition,
  validateRunSection,
  validateRunStore,
} from './experiment/run-section.js';
export type {
  ExperimentDefinition,
  ExperimentGuard,
  ExperimentMode,
  ExperimentTarget,
  ExperimentWindow,
  FaultCommon,
  FaultDefinition,
  MatchCondition,
  MatchOperator,
  MatchValue,
} from './experiment/types.js';
export {
  formatValidationIssue,
  formatValidationIssues,
  type ValidateExperimentOptions,
} from './experiment/validate.js';
export { type ExperimentValidationResult, validateExperiment } from './experiment/validate-experiment.js';
export { type BatchCapability, getBatchCapability } from './faults/batch-capability.js';
export { builtinFaultRegistry, builtinFaultTypes } from './faults/builtin.js';
export { coreFaultTypes } from './faults/core-fault-types.js';
export {
  type AdapterCapabilities,
  defineFaultType,
  type FaultContext,
  type FaultEffect,
  type FaultOutcome,
  type FaultPhase,
  type FaultReach,
  type FaultType,
  type NeutralResponse,
} from './faults/fault-type.js';
export {
  type InjectedFaultDetails,
  InjectedFaultError,
  isInjectedFault,
} from './faults/injected-fault-error.js';
export { createFaultRegistry, type FaultRegistry } from './faults/registry.js';
export {
  type FieldPath,
  type FieldPathResult,
  type KnownField,
  knownFields,
  parseFieldPath,
} from './invocation/fields.js';
export type {
  Cloud,
  Invocation,
  InvocationEvent,
  InvocationHttp,
  InvocationLogger,
  TraceHeaders,
  Trigger,
} from './invocation/invocation.js';
export { maxGlobLength } from './matching/glob.js';
export { type CloudLoggingSinkOptions, createCloudLoggingSink } from './observability/cloud-logging-sink.js';
export { combineEventSinks } from './observability/combine-sinks.js';
export { type LogFormat, logFormats } from './observability/default-sinks.js';
export {
  createEmfSink,
  defaultMetricNamespace,
  type EmfSinkOptions,
  faultlineMetricNames,
  type MetricDimension,
  metricDimensions,
} from './observability/emf-sink.js';
export {
  type InjectionMarker,
  injectedFaultsHeader,
  runTokenHeader,
} from './observability/injection-marker.js';
export {
  createInvocationLogSink,
  type InvocationLogSinkOptions,
} from './observability/invocation-log-sink.js';
export { createLambdaLogSink, type LambdaLogSinkOptions } from './observability/lambda-log-sink.js';
export {
  parseCloudTraceContext,
  parseTraceHeaders,
  parseTraceparent,
  parseXRayTraceHeader,
  type TraceContext,
  type TraceFormat,
  toW3cTraceId,
  traceFormats,
} from './observability/trace-context.js';
export type {
  Infer,
  InferProperties,
  JsonSchema,
  ObjectSchema,
  Properties,
  Schema,
  ValidationIssue,
} from './schema/schema.js';
export { closestName, describeValue, invalid, isPlainObject, joinPath } from './schema/schema.js';
export * as s from './schema/schema-builders.js';
