/** The clouds faultline adapts to. `local` is for tests and local runs. */
export const clouds = ['aws', 'gcp', 'azure', 'local'] as const;
export type Cloud = (typeof clouds)[number];

/**
 * How an invocation was triggered, normalized across clouds. Each value means the same on every cloud, so one
 * `match: [{ field: trigger, … }]` selects the same kind of invocation everywhere:
 *
 * - `http`: an HTTP request whose response goes back to the caller (API Gateway, Function URLs, ALB, Cloud
 *   Functions HTTP, Azure HTTP triggers).
 * - `queue`: a message or record a broker delivers to the function and redelivers or retries when the invocation
 *   fails: SQS, Kinesis, DynamoDB Streams, MSK and self-managed Kafka, Amazon MQ; Azure Storage Queues, Service
 *   Bus, Event Hubs, Kafka, RabbitMQ; Google Cloud Pub/Sub (its CloudEvent, `google.cloud.pubsub.topic.v1.messagePublished`).
 * - `event`: a notification that something happened: EventBridge, SNS, S3; Azure Event Grid, Blob, Cosmos DB
 *   change feed; Cloud Storage, Firestore and other Eventarc CloudEvents than Pub/Sub.
 * - `schedule`: a timer: an EventBridge scheduled event, an Azure timer trigger, a Cloud Scheduler job calling an
 *   HTTP function (detected by its `X-CloudScheduler: true` header; a job that publishes to Pub/Sub is a `queue`
 *   message).
 * - `other`: anything the adapter cannot tell (a direct invoke, an unknown binding).
 */
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

/**
 * The event part of an invocation (queue message, CloudEvent, EventBridge event, timer tick, …). On `queue` triggers
 * `type` names the broker and `source` the queue, stream or topic; on `event` triggers `type` is the kind of
 * notification and `source` what emitted it.
 */
export interface InvocationEvent {
  /** e.g. `aws:sqs`, `azure:event-hubs`, a CloudEvent `type`, an EventBridge `detail-type`. */
  readonly type: string | undefined;
  /** e.g. the queue ARN, the event hub, the Pub/Sub topic (CloudEvent `source`), an EventBridge `source`. */
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
