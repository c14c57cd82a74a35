/**
 * @faultline/cli — the `faultline` command line as a library: run the commands programmatically, talk to the
 * config stores with optimistic concurrency, and run experiments (steady state → inject → observe with stop
 * conditions → verdict → rollback) from your own scripts or CI.
 * @packageDocumentation
 */
export { parseArguments, parseAssignments, UsageError } from './arguments.js';
export { cliVersion, commands, type RunCliOptions, runCli } from './cli.js';
export type { Command, CommandContext } from './command.js';
export { exitCodeForRun, printVerdictTable, writeRunArtifacts } from './commands/run.js';
export { type ExitCode, exitCodes } from './exit-codes.js';
export {
  type LoadedExperiment,
  loadExperimentFile,
  RunSectionError,
  resolveRunSecrets,
  resolveRunSection,
  toRuntimeDocument,
} from './experiment-file.js';
export {
  type GlobConversion,
  ImportError,
  type ImportOptions,
  type ImportResult,
  importChaosLambda,
  importFailureLambda,
  type RegexToGlobOptions,
  regexToGlob,
} from './importers/index.js';
export {
  type CommandOutput,
  createMemoryOutput,
  createOutput,
  type OutputOptions,
  type Style,
} from './output.js';
export { resolvePlaceholders, UnsetPlaceholderError } from './run-placeholders.js';
export { renderHtmlReport } from './runner/html-report.js';
export type {
  ExactInjectionCheck,
  FaultInjectionCount,
  FaultInjectionStatus,
  InjectionMismatch,
  InjectionProof,
  InjectionProofStatus,
} from './runner/injection-counts.js';
export type {
  JournalStep,
  MetricSignalJournal,
  RunJournal,
  SignalWindowJournal,
  StopBreach,
  TargetJournal,
  ToleranceCheck,
} from './runner/journal.js';
export {
  type LoadGenerator,
  type LoadOptions,
  type ProbeRequest,
  probeIdHeader,
  sendProbe,
  startLoad,
} from './runner/load.js';
export {
  percentile,
  type Sample,
  type SampleSummary,
  summarize,
  type TimelineBucket,
  toTimeline,
} from './runner/metrics.js';
export {
  createRunRedactor,
  defaultSecretNames,
  isSecretName,
  type RunRedactor,
} from './runner/redact.js';
export type { ReadBack, ReadBackState, RollbackRecord } from './runner/rollback.js';
export {
  describeStopCondition,
  evaluateTolerances,
  type RunExperimentOptions,
  runExperiment,
} from './runner/run-experiment.js';
export type { AlarmReader, AlarmState } from './runner/signals/cloudwatch.js';
export type { MetricPoint, SignalSummary, SignalTimelinePoint } from './runner/signals/metric-points.js';
export {
  MetricProbeError,
  type MetricReader,
  type MetricReadResult,
  type MetricRole,
} from './runner/signals/metric-reader.js';
export { defaultSeenVersionsPath, loadSeenVersions, type SeenVersions } from './seen-versions.js';
export {
  type AppConfigExperimentStore,
  type AppConfigStoreOptions,
  compactJsonSchema,
  createAppConfigStore,
} from './stores/aws-appconfig.js';
export { createSsmStore, type SsmStoreOptions } from './stores/aws-ssm.js';
export {
  type AppConfigurationStoreOptions,
  createAppConfigurationStore,
} from './stores/azure-app-configuration.js';
export { createFileStore, type FileStoreOptions } from './stores/file.js';
export { createFirestoreStore, type FirestoreStoreOptions } from './stores/gcp-firestore.js';
export {
  createStore,
  defaultConnectionStringVariable,
  describeCoordinates,
  parseStoreCoordinates,
  type StoreCoordinates,
} from './stores/index.js';
export {
  defaultStoreOperationTimeoutMs,
  type ExperimentStore,
  maxDocumentBytes,
  type SetEnabledResult,
  StoreAccessError,
  StoreConflictError,
  type StoredExperiment,
  type StoreKind,
  StoreLostUpdateError,
  storeKinds,
  type WriteOptions,
  type WriteResult,
} from './stores/store.js';
export { type DocumentChange, diffDocuments, formatChanges } from './structural-diff.js';
