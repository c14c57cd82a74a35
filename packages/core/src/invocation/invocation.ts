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
}
