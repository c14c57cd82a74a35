import type { FaultAdapter, InvocationDriver } from '../adapter/adapter.js';
import type { MatchFieldKind, NativeFieldReader } from '../engine/native-fields.js';
import type { NeutralResponse } from '../faults/fault-type.js';
import type { FieldValue } from '../invocation/fields.js';
import type { Cloud, Invocation, Trigger } from '../invocation/invocation.js';
import { scalarFieldValue } from '../invocation/read-value.js';
import { traceHeadersOf } from '../observability/trace-context.js';

/**
 * The native request of the {@link createInMemoryAdapter} "platform": a plain HTTP-like object or an event.
 *
 * @example
 * ```ts
 * await wrapped({ requestId: 'r-1', method: 'POST', path: '/orders', headers: { 'X-Tenant': 'acme' } }, {});
 * ```
 */
export interface InMemoryRequest {
  readonly requestId: string;
  /** Default `http`. Non-HTTP triggers have no response to shape: a `status` fault then throws. */
  readonly trigger?: Trigger;
  readonly method?: string;
  readonly path?: string;
  /**
   * Header names in any case; they are lower-cased for the invocation. `traceparent`, `x-cloud-trace-context` and
   * `x-amzn-trace-id` give the invocation its trace.
   */
  readonly headers?: Readonly<Record<string, string>>;
  readonly query?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly deadlineMs?: number;
  /** For event triggers. */
  readonly eventType?: string;
  readonly eventSource?: string;
}

/**
 * The native response of the in-memory platform (also what event handlers may return).
 *
 * @example
 * ```ts
 * const handler = async (): Promise<InMemoryResponse> => ({ status: 200, body: 'ok' });
 * ```
 */
export interface InMemoryResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

/**
 * Per-function facts of the in-memory platform, like a Lambda context's function name.
 *
 * @example
 * ```ts
 * await wrapped(request, { functionName: 'orders-api', stage: 'staging' });
 * ```
 */
export interface InMemoryContext {
  readonly functionName?: string;
  readonly stage?: string;
  readonly region?: string;
}

/**
 * Options of {@link createInMemoryAdapter}.
 *
 * @example
 * ```ts
 * const adapter = createInMemoryAdapter({ cloud: 'aws', functionName: 'orders', stage: 'dev' });
 * ```
 */
export interface InMemoryAdapterOptions {
  /** Default `local`. */
  readonly cloud?: Cloud;
  /** Function name when the context does not give one. Default `orders`. */
  readonly functionName?: string;
  /** Stage when the context does not give one. Default `dev`. */
  readonly stage?: string;
}

const noValues: Readonly<Record<string, string>> = Object.freeze({});

function lowerCaseKeys(
  record: Readonly<Record<string, string>> | undefined,
): Readonly<Record<string, string>> {
  if (record === undefined) return noValues;
  let lowerCase = true;
  for (const key in record) {
    if (key !== key.toLowerCase()) {
      lowerCase = false;
      break;
    }
  }
  // Like a real adapter: copy only when the platform's header names need normalizing.
  if (lowerCase) return record;
  const result: Record<string, string> = {};
  for (const key of Object.keys(record)) result[key.toLowerCase()] = record[key] as string;
  return result;
}

/**
 * A complete, tiny adapter for an imaginary platform whose handlers take `(request, context)` and return
 * `{ status, headers, body }`. It shows what a real adapter must do and lets you test fault logic, custom fault
 * types and the adapter contract without a cloud.
 *
 * @example
 * ```ts
 * import { createInlineSource } from '@faultline/core';
 * import { createFaultWrapper } from '@faultline/core/adapter-kit';
 * import { createInMemoryAdapter } from '@faultline/core/testing';
 *
 * const wrapped = createFaultWrapper(createInMemoryAdapter(), async () => ({ status: 200, body: 'ok' }), {
 *   source: createInlineSource(experiment),
 * });
 * await wrapped({ requestId: 'r-1', path: '/orders/1' }, {});
 * ```
 */
export function createInMemoryAdapter(
  options: InMemoryAdapterOptions = {},
): FaultAdapter<InMemoryRequest, InMemoryContext, InMemoryResponse | undefined> {
  const cloud = options.cloud ?? 'local';
  return {
    cloud,
    loadNativeFields: () => new InMemoryFieldReader(cloud, options),
    toInvocation(request, context): Invocation {
      return new InMemoryInvocation(cloud, options, request, context);
    },
    createDriver(request, context, invocation, handler): InvocationDriver<InMemoryResponse | undefined> {
      const isHttp = invocation.trigger === 'http';
      return {
        callHandler: () => handler(request, context),
        respond: (response) => (isHttp ? toNative(response) : undefined),
        throttled: (_reason, response) => (isHttp ? toNative(response) : undefined),
        readResponse: (result) =>
          result === undefined || !isHttp
            ? undefined
            : { status: result.status, headers: { ...result.headers }, body: result.body },
        writeResponse: (_original, response) => toNative(response),
      };
    },
  };
}

/**
 * The invocation {@link createInMemoryAdapter} builds. A class, like a real adapter's: an object literal with a getter
 * is built on V8's slow path (about 2 µs each), which would make every benchmark of the engine measure that.
 */
class InMemoryInvocation implements Invocation {
  readonly cloud: Invocation['cloud'];
  readonly function: string;
  readonly stage: string | undefined;
  readonly region: string | undefined;
  readonly trigger: Invocation['trigger'];
  readonly requestId: string;
  readonly deadlineMs: number | undefined;
  readonly http: Invocation['http'];
  readonly event: Invocation['event'];
  readonly raw: InMemoryRequest;

  constructor(
    cloud: Invocation['cloud'],
    options: InMemoryAdapterOptions,
    request: InMemoryRequest,
    context: InMemoryContext | undefined,
  ) {
    const trigger = request.trigger ?? 'http';
    this.cloud = cloud;
    this.function = context?.functionName ?? options.functionName ?? 'orders';
    this.stage = context?.stage ?? options.stage ?? 'dev';
    this.region = context?.region;
    this.trigger = trigger;
    this.requestId = request.requestId;
    this.deadlineMs = request.deadlineMs;
    this.http =
      trigger === 'http'
        ? {
            method: (request.method ?? 'GET').toUpperCase(),
            path: request.path ?? '/',
            headers: lowerCaseKeys(request.headers),
            query: request.query ?? noValues,
          }
        : undefined;
    this.event = trigger === 'http' ? undefined : { type: request.eventType, source: request.eventSource };
    this.raw = request;
  }

  /** Like a real adapter: read only when an event is written. */
  get traceHeaders(): Invocation['traceHeaders'] {
    return traceHeadersOf(lowerCaseKeys(this.raw.headers));
  }
}

function toNative(response: NeutralResponse): InMemoryResponse {
  return response.body === undefined
    ? { status: response.status, headers: { ...response.headers } }
    : { status: response.status, headers: { ...response.headers }, body: response.body };
}

/**
 * Reads match fields from the request and context as {@link createInMemoryAdapter}'s `toInvocation` would, without
 * building the invocation (like a real adapter's reader, so the engine's native decision is tested through it).
 */
class InMemoryFieldReader implements NativeFieldReader<InMemoryRequest, InMemoryContext> {
  private request: InMemoryRequest | undefined;
  private context: InMemoryContext | undefined;
  private lastRawMethod: string | undefined;
  private lastMethod = 'GET';

  constructor(
    private readonly cloud: Cloud,
    private readonly options: InMemoryAdapterOptions,
  ) {}

  /** `method` upper-cased; the last one is kept, as the real adapters' readers do. */
  private upperCased(method: string): string {
    if (method !== this.lastRawMethod) {
      this.lastMethod = upperCase(method);
      this.lastRawMethod = method;
    }
    return this.lastMethod;
  }

  begin(request: InMemoryRequest, context: InMemoryContext): void {
    this.request = request;
    this.context = context;
  }

  end(): void {
    this.request = undefined;
    this.context = undefined;
  }

  read(field: MatchFieldKind, name: string): FieldValue | null {
    const request = this.request as InMemoryRequest;
    const context = this.context;
    const isHttp = (request.trigger ?? 'http') === 'http';
    switch (field) {
      case 'cloud':
        return this.cloud;
      case 'function':
        return scalarFieldValue(context?.functionName ?? this.options.functionName ?? 'orders');
      case 'stage':
        return scalarFieldValue(context?.stage ?? this.options.stage ?? 'dev');
      case 'region':
        return scalarFieldValue(context?.region);
      case 'trigger':
        return scalarFieldValue(request.trigger ?? 'http');
      case 'requestId':
        return scalarFieldValue(request.requestId);
      case 'http.method':
        return isHttp ? this.upperCased(request.method ?? 'GET') : undefined;
      case 'http.path':
        return isHttp ? scalarFieldValue(request.path ?? '/') : undefined;
      case 'http.header': {
        if (!isHttp) return undefined;
        const headers = request.headers;
        if (headers === undefined) return undefined;
        // Names that need lower-casing make toInvocation copy the headers: leave those to it.
        for (const key in headers) if (key !== key.toLowerCase()) return null;
        return Object.hasOwn(headers, name) ? scalarFieldValue(headers[name]) : undefined;
      }
      case 'http.query': {
        if (!isHttp) return undefined;
        const query = request.query ?? noValues;
        return Object.hasOwn(query, name) ? scalarFieldValue(query[name]) : undefined;
      }
      case 'event.type':
        return isHttp ? undefined : scalarFieldValue(request.eventType);
      case 'event.source':
        return isHttp ? undefined : scalarFieldValue(request.eventSource);
      default:
        return null;
    }
  }
}

/** `toUpperCase()`'s result, without a new string when there is no lower-case ASCII letter. */
function upperCase(text: string): string {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code >= 97 && code <= 122) return text.toUpperCase();
    if (code > 127) return text.toUpperCase();
  }
  return text;
}
