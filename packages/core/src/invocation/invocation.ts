/** The clouds faultline adapts to. `local` is for tests and local runs. */
export const clouds = ['aws', 'gcp', 'azure', 'local'] as const;
export type Cloud = (typeof clouds)[number];

/** How an invocation was triggered, normalized across clouds. */
export const triggers = ['http', 'event', 'queue', 'schedule', 'other'] as const;
export type Trigger = (typeof triggers)[number];

/** The HTTP part of an invocation, when the trigger is HTTP. */
export interface InvocationHttp {
  /** Upper-case method, e.g. `GET`. */
  readonly method: string;
  /** Path without the query string, e.g. `/orders/42`. */
  readonly path: string;
  /** Header names are lower-case; repeated headers are joined with `, `. */
  readonly headers: Readonly<Record<string, string>>;
  /** Query parameters; a repeated parameter keeps its first value. */
  readonly query: Readonly<Record<string, string>>;
}

/** The event part of an invocation (queue message, CloudEvent, EventBridge event, …). */
export interface InvocationEvent {
  /** e.g. CloudEvent `type`, EventBridge `detail-type`, `aws:sqs`. */
  readonly type: string | undefined;
  /** e.g. CloudEvent `source`, EventBridge `source`, the queue ARN. */
  readonly source: string | undefined;
}

/**
 * One invocation, normalized so a single experiment file addresses AWS Lambda, Cloud Functions and Azure Functions
 * the same way. Adapters build it only when some fault could fire; the idle path never allocates one.
 *
 * Experiment `match`/`sampleBy` fields address it as `cloud`, `function`, `stage`, `region`, `trigger`,
 * `requestId`, `http.method`, `http.path`, `http.header.<name>`, `http.query.<name>`, `event.type`,
 * `event.source` and `raw.<dot.path>` (into the native event).
 */
export interface Invocation {
  readonly cloud: Cloud;
  /** Function name, e.g. the Lambda function name, `K_SERVICE`, the Azure function name. */
  readonly function: string;
  /** Deployment stage (`dev`, `staging`, `prod`, …) when known. */
  readonly stage: string | undefined;
  readonly region: string | undefined;
  readonly trigger: Trigger;
  /** The platform's request or invocation id. */
  readonly requestId: string;
  /** Epoch milliseconds at which the platform stops the invocation, when known. */
  readonly deadlineMs: number | undefined;
  readonly http: InvocationHttp | undefined;
  readonly event: InvocationEvent | undefined;
  /** The native event or request, for `raw.<dot.path>` fields. */
  readonly raw: unknown;
  /**
   * The trace headers the platform handed over with the invocation, so events carry its `traceId`. Adapters define
   * it as a getter: it is read (and parsed by the engine) only when an event about the invocation is written, never
   * on the idle path. Absent when the platform hands over no trace.
   */
  readonly traceHeaders?: TraceHeaders | undefined;
  /**
   * The platform's own logger for this invocation, where it has one (Azure's `InvocationContext`): events about the
   * invocation are written through it, so the platform correlates them with the invocation (Application Insights'
   * `operation_Id`). Absent where the process's stdout is the platform's log.
   */
  readonly platformLog?: InvocationLogger | undefined;
}

/**
 * The raw trace headers of an invocation. The engine reads the first that parses, in this order: `xray`,
 * `cloudTrace`, `traceparent`.
 *
 * @example
 * ```ts
 * const headers: TraceHeaders = { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' };
 * ```
 */
export interface TraceHeaders {
  /** X-Ray: `Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1`. */
  readonly xray?: string | undefined;
  /** Google Cloud's `X-Cloud-Trace-Context`: `TRACE_ID/SPAN_ID;o=1`. */
  readonly cloudTrace?: string | undefined;
  /** W3C `traceparent`: `00-<trace id>-<parent id>-<flags>`. */
  readonly traceparent?: string | undefined;
}

/**
 * Writes one line to a platform's per-invocation log at a level.
 *
 * @example
 * ```ts
 * const log: InvocationLogger = (level, line) => context[level](line);
 * ```
 */
export type InvocationLogger = (level: 'debug' | 'info' | 'warn' | 'error', line: string) => void;
