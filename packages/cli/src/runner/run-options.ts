import type { AlarmStopCondition, MetricProbe, RunSection } from '@faultline/core';
import type { ExperimentStore, StoreCoordinates } from '../stores/index.js';
import type { RunProgress } from './progress.js';
import type { AlarmReader } from './signals/cloudwatch.js';
import type { MetricReader } from './signals/metric-reader.js';

/** Options of `runExperiment`. */
export interface RunExperimentOptions {
  /** The experiment document pushed to the stores (no `run` section); its `faults` get the ramp probabilities. */
  readonly document: Record<string, unknown>;
  /** The resolved run section (placeholders already replaced). */
  readonly run: RunSection;
  /** Shown in the journal. */
  readonly file?: string;
  /** Aborting rolls back and ends the run with status `interrupted`. */
  readonly signal?: AbortSignal;
  /** Progress for people: the phase and its length (a live line on a terminal, timestamped lines otherwise). */
  readonly progress?: RunProgress;
  /** Progress as plain lines; used when `progress` is not given. */
  readonly onProgress?: (message: string) => void;
  /** Store factory (tests inject one); default `createStore` with `environment`. */
  readonly openStore?: (coordinates: StoreCoordinates) => ExperimentStore;
  readonly environment?: Readonly<Record<string, string | undefined>>;
  /** Chart resolution. Default: about ten requests per bucket, between 500 ms and 5 s. */
  readonly bucketMs?: number;
  /**
   * Values to mask wherever they would appear in the journal and the progress output (the values of secret
   * placeholders; see `resolveRunSecrets`). URL credentials and secret query parameters (`run.redact` and the
   * defaults) are masked in any case.
   */
  readonly secrets?: readonly string[];
  /**
   * Longest the rollback waits for a store's in-flight writes (also ones past their time bound) before it reads
   * the store back; a write still unsettled then makes that store's rollback "not ok". Default 25 000 ms.
   */
  readonly fenceTimeoutMs?: number;
  /** Metric probe reader factory (tests inject one); default: by the probe's kind, with the cloud's SDK. */
  readonly openMetricReader?: (probe: MetricProbe) => MetricReader;
  /** CloudWatch alarm reader factory (tests inject one); default: DescribeAlarms with the AWS SDK. */
  readonly openAlarmReader?: (condition: AlarmStopCondition) => AlarmReader;
}
