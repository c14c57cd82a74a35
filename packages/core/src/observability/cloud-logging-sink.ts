import type { EventLevel, EventSink, FaultlineEvent } from '../events/events.js';
import { isLevelEnabled } from '../events/json-line-sink.js';
import { readSinkLogLevel } from './log-level.js';
import { toW3cTraceId } from './trace-context.js';

/**
 * Options of {@link createCloudLoggingSink}.
 *
 * @example
 * ```ts
 * const options: CloudLoggingSinkOptions = { projectId: 'orders-prod', level: 'warn' };
 * ```
 */
export interface CloudLoggingSinkOptions {
  /**
   * The Google Cloud project, for `logging.googleapis.com/trace` (`projects/PROJECT/traces/TRACE`). Default:
   * `GOOGLE_CLOUD_PROJECT`, else `GCLOUD_PROJECT`, else `GCP_PROJECT`. Without one, entries keep `traceId` but are not
   * linked to Cloud Trace.
   */
  readonly projectId?: string;
  /** Lowest level written. Default: `FAULTLINE_LOG_LEVEL`, else `info`. */
  readonly level?: EventLevel;
  /** Where the variables are read from, once. Default `process.env`. */
  readonly environment?: Readonly<Record<string, string | undefined>>;
  /** Receives each entry as one line. Default `console.log` (the runtime's agent parses stdout JSON lines). */
  readonly write?: (line: string) => void;
}

const severities: Readonly<Record<Exclude<EventLevel, 'silent'>, string>> = {
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARNING',
  error: 'ERROR',
};

/**
 * The event sink for Google Cloud Logging: each event becomes one structured log entry (a JSON line on stdout, which
 * Cloud Functions and Cloud Run turn into an entry) with Cloud Logging's special fields — `severity` from the level,
 * `message`, `logging.googleapis.com/trace` and `…/spanId` from the invocation's trace (so the entry shows under its
 * request in Cloud Trace and the request log), `…/trace_sampled`, and `logging.googleapis.com/labels`
 * (`faultline_type`, `faultline_experiment`, `faultline_fault`) for cheap filters and log-based metrics. The event's
 * own fields stay in the entry's `jsonPayload`.
 *
 * The Cloud Functions adapter uses it by default.
 *
 * @example
 * ```ts
 * import { createCloudLoggingSink } from '@faultline/core';
 * import { withFaults } from '@faultline/gcp-functions';
 *
 * export const orders = withFaults(handler, { onEvent: createCloudLoggingSink({ projectId: 'orders-prod' }) });
 * // {"severity":"INFO","message":"injecting latency fault slow","logging.googleapis.com/trace":"projects/orders-prod/traces/4bf9…",…}
 * ```
 */
export function createCloudLoggingSink(options: CloudLoggingSinkOptions = {}): EventSink {
  const environment = options.environment ?? process.env;
  const threshold = options.level ?? readSinkLogLevel(environment);
  const projectId =
    nonEmpty(options.projectId) ??
    nonEmpty(environment.GOOGLE_CLOUD_PROJECT) ??
    nonEmpty(environment.GCLOUD_PROJECT) ??
    nonEmpty(environment.GCP_PROJECT);
  const write = options.write ?? ((line: string) => console.log(line));
  return (event) => {
    if (!isLevelEnabled(event.level, threshold)) return;
    try {
      write(JSON.stringify(toCloudLoggingEntry(event, projectId)));
    } catch {
      // Logging must never break the function it observes.
    }
  };
}

/**
 * One event as a Cloud Logging structured entry (see {@link createCloudLoggingSink}).
 *
 * @example
 * ```ts
 * toCloudLoggingEntry(event, 'orders-prod').severity; // 'INFO'
 * ```
 */
export function toCloudLoggingEntry(
  event: FaultlineEvent,
  projectId: string | undefined,
): Record<string, unknown> {
  const labels: Record<string, string> = { faultline_type: event.type };
  if (event.experimentId !== undefined) labels.faultline_experiment = event.experimentId;
  if (event.faultId !== undefined) labels.faultline_fault = event.faultId;
  const entry: Record<string, unknown> = {
    severity: severities[event.level],
    message: event.message,
  };
  const traceId = event.traceId === undefined ? undefined : toW3cTraceId(event.traceId);
  if (traceId !== undefined && projectId !== undefined) {
    entry['logging.googleapis.com/trace'] = `projects/${projectId}/traces/${traceId}`;
    const spanId = cloudLoggingSpanId(event.spanId);
    if (spanId !== undefined) entry['logging.googleapis.com/spanId'] = spanId;
  }
  entry['logging.googleapis.com/labels'] = labels;
  const { message: _message, ...payload } = event;
  try {
    JSON.stringify(payload.details);
    Object.assign(entry, payload);
  } catch {
    Object.assign(entry, payload, { details: { unserializable: true } });
  }
  return entry;
}

/**
 * Cloud Logging wants 16 hex digits: W3C and X-Ray span ids already are; Cloud Trace's header writes them in decimal.
 */
function cloudLoggingSpanId(spanId: string | undefined): string | undefined {
  if (spanId === undefined) return undefined;
  if (/^[0-9a-f]{16}$/.test(spanId)) return spanId;
  if (!/^\d{1,20}$/.test(spanId)) return undefined;
  const value = BigInt(spanId);
  if (value === 0n || value >= 2n ** 64n) return undefined;
  return value.toString(16).padStart(16, '0');
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
