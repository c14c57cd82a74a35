import { InjectedFaultError } from '@faultline/core/adapter-kit';
import { type DependencyFaultMatch, findDependencyFault } from '@faultline/core/interception';

/**
 * The AWS SDK v3 middleware behind `dependency` faults with a `service`. Structural types only: neither this
 * package nor core imports an AWS SDK package, so any v3 client (and any SDK version) can be passed.
 */

/** The parts of the SDK's HTTP request the middleware reads. */
interface HttpRequestLike {
  readonly hostname?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** The SDK's handler execution context, as far as the middleware reads it. */
export interface SdkHandlerContextLike {
  readonly clientName?: string;
  readonly commandName?: string;
  readonly __smithy_context?: { readonly operation?: string };
  readonly [key: string]: unknown;
}

/** Arguments a `deserialize`-step middleware receives. */
export interface SdkMiddlewareArgsLike {
  readonly request?: unknown;
  readonly input?: unknown;
}

/** What the next handler resolves to. */
export interface SdkHandlerOutputLike {
  readonly response: unknown;
  readonly output?: unknown;
}

export type SdkHandlerLike = (args: SdkMiddlewareArgsLike) => Promise<SdkHandlerOutputLike>;

/** An AWS SDK v3 middleware, structurally. */
export type SdkMiddlewareLike = (next: SdkHandlerLike, context: SdkHandlerContextLike) => SdkHandlerLike;

/** Where the middleware goes in the stack. */
interface MiddlewareOptionsLike {
  readonly step: 'deserialize';
  readonly priority: 'low' | 'high';
  readonly name: string;
  readonly tags: readonly string[];
  readonly override: boolean;
}

/**
 * The middleware stack of a v3 client, structurally. Its `add` is heavily overloaded and generic over each client's
 * input types; accepting any `add` keeps every client (and SDK version) assignable without importing SDK types.
 */
export interface SdkMiddlewareStackLike {
  add(...args: never[]): void;
}

interface CallableMiddlewareStack {
  add(middleware: SdkMiddlewareLike, options: MiddlewareOptionsLike): void;
}

/** An AWS SDK v3 client, structurally: `new DynamoDBClient({})`, `new S3Client({})`, … */
export interface SdkClientLike {
  readonly middlewareStack: SdkMiddlewareStackLike;
  readonly config?: { readonly serviceId?: string };
}

/** Options for {@link createDependencyFaultMiddleware}. */
export interface DependencyFaultMiddlewareOptions {
  /**
   * The client's service id (`client.config.serviceId`, e.g. `DynamoDB`). Default: derived from the client class
   * name (`DynamoDBClient` → `DynamoDB`).
   */
  readonly serviceId?: string;
}

/** Name of the middleware in the client's stack (adding it twice replaces it). */
export const dependencyFaultMiddlewareName = 'faultlineDependencyFaults';

/**
 * An error the middleware injects for `throttle` and `access-denied` effects on clients whose protocol is not
 * JSON. Shaped like the SDK's own service exceptions (`name`, `$fault`, `$metadata.httpStatusCode`, `$retryable`),
 * so the client's retry strategy classifies it as the real one; marked `faultline: true` like every injected error.
 */
export class InjectedServiceError extends InjectedFaultError {
  readonly $fault: 'client' | 'server';
  readonly $metadata: {
    httpStatusCode: number;
    requestId: string;
    attempts?: number;
    totalRetryDelay?: number;
  };
  readonly $retryable: { readonly throttling: boolean } | undefined;
  readonly Code: string;

  constructor(
    code: string,
    message: string,
    details: {
      experimentId: string;
      faultId: string;
      faultType: string;
      httpStatusCode: number;
      throttling: boolean;
    },
  ) {
    super(message, {
      experimentId: details.experimentId,
      faultId: details.faultId,
      faultType: details.faultType,
      status: details.httpStatusCode,
      name: code,
    });
    this.Code = code;
    this.$fault = details.httpStatusCode >= 500 ? 'server' : 'client';
    this.$metadata = { httpStatusCode: details.httpStatusCode, requestId: `faultline-${details.faultId}` };
    this.$retryable = details.throttling ? { throttling: true } : undefined;
  }
}

const textEncoder = new TextEncoder();

/**
 * Creates the middleware that applies active `dependency` faults (those with a `service`) to the client's calls.
 * It sits in the `deserialize` step below the deserializer, so it runs once per attempt inside the SDK's retry
 * loop: the retry strategy sees every injected error and retries exactly as it would for a real one.
 *
 * - `latency`: waits `delayMs` (cut short when the invocation ends), then sends the request.
 * - `throttle` / `access-denied` / `status`: on JSON protocols (DynamoDB, SSM, SQS, Lambda, …) a synthetic HTTP
 *   response is handed to the SDK's own deserializer, so users get the SDK's modeled error classes
 *   (`ProvisionedThroughputExceededException` is `instanceof` it); on other protocols an {@link InjectedServiceError}
 *   with the same name, status and `$fault`. `status` always goes through the deserializer.
 * - `reset`: an `ECONNRESET` error, which the SDK treats as transient and retries.
 *
 * When no fault is active this costs one number comparison per request.
 *
 * @example
 * ```ts
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
 * import { createDependencyFaultMiddleware, dependencyFaultMiddlewareName } from '@faultline/aws-lambda/aws-sdk';
 *
 * const client = new DynamoDBClient({});
 * client.middlewareStack.add(createDependencyFaultMiddleware({ serviceId: 'DynamoDB' }), {
 *   step: 'deserialize', priority: 'low', name: dependencyFaultMiddlewareName, tags: ['FAULTLINE'], override: true,
 * });
 * ```
 */
export function createDependencyFaultMiddleware(
  options: DependencyFaultMiddlewareOptions = {},
): SdkMiddlewareLike {
  return (next, context) => {
    const service = options.serviceId ?? context.clientName?.replace(/Client$/, '') ?? '';
    const operation =
      context.__smithy_context?.operation ?? context.commandName?.replace(/Command$/, '') ?? '';
    return async (args) => {
      const request = args.request as HttpRequestLike | undefined;
      const match = findDependencyFault({ service, operation, host: request?.hostname });
      if (match === undefined) return next(args);
      return applyDependencyFault(match, request, next, args);
    };
  };
}

async function applyDependencyFault(
  match: DependencyFaultMatch,
  request: HttpRequestLike | undefined,
  next: SdkHandlerLike,
  args: SdkMiddlewareArgsLike,
): Promise<SdkHandlerOutputLike> {
  const { fault, experimentId } = match;
  const marker: FaultMarker = { experimentId, faultId: fault.faultId, faultType: fault.faultType };
  switch (fault.effect) {
    case 'latency':
      await match.sleep(fault.delayMs);
      return next(args);
    case 'reset':
      // deliberately not a FaultlineError: shaped like Node's own reset error, so callers handle it like a real one.
      throw Object.assign(new Error('socket hang up'), {
        code: 'ECONNRESET',
        faultline: true as const,
        ...marker,
      });
    case 'status':
      return { response: syntheticResponse(marker, fault.status ?? 503, {}, '') };
    default: {
      const throttling = fault.effect === 'throttle';
      const code = fault.errorCode ?? (throttling ? 'ThrottlingException' : 'AccessDeniedException');
      // AWS answers throttling with 400 (DynamoDB, SSM) or 429 (API Gateway–style services); 400 is what the SDK's
      // own models expect for these names.
      const httpStatusCode = fault.status ?? (throttling ? 400 : 403);
      const message = throttling
        ? 'Rate exceeded (injected by faultline)'
        : 'Access denied (injected by faultline)';
      const contentType = request?.headers?.['content-type'] ?? request?.headers?.['Content-Type'] ?? '';
      if (contentType.includes('json')) {
        const body = JSON.stringify({ __type: code, message });
        return {
          response: syntheticResponse(
            marker,
            httpStatusCode,
            {
              'content-type': contentType,
              'x-amzn-errortype': code,
              'x-amzn-requestid': `faultline-${fault.faultId}`,
            },
            body,
          ),
        };
      }
      throw new InjectedServiceError(code, message, { ...marker, httpStatusCode, throttling });
    }
  }
}

interface FaultMarker {
  readonly experimentId: string;
  readonly faultId: string;
  readonly faultType: string;
}

const faultIdHeader = 'x-faultline-fault';
const experimentIdHeader = 'x-faultline-experiment';

function syntheticResponse(
  marker: FaultMarker,
  statusCode: number,
  headers: Record<string, string>,
  body: string,
) {
  return {
    statusCode,
    reason: undefined,
    headers: { [faultIdHeader]: marker.faultId, [experimentIdHeader]: marker.experimentId, ...headers },
    body: textEncoder.encode(body),
  };
}

/**
 * Sits above the deserializer: errors the SDK built from a synthetic response (its own modeled classes) get the
 * injected-fault marker, so `isInjectedFault(error)` tells them apart from real ones.
 */
const markInjectedErrors: SdkMiddlewareLike = (next) => async (args) => {
  try {
    return await next(args);
  } catch (error) {
    const headers = (error as { $response?: { headers?: Record<string, string> } } | null)?.$response
      ?.headers;
    const faultId = headers?.[faultIdHeader];
    if (typeof error === 'object' && error !== null && typeof faultId === 'string') {
      Object.assign(error, {
        faultline: true,
        faultId,
        faultType: 'dependency',
        experimentId: headers?.[experimentIdHeader] ?? '',
      });
    }
    throw error;
  }
};

/**
 * Adds the dependency-fault middleware to an AWS SDK v3 client, so `dependency` faults naming its service apply to
 * its calls during sampled invocations. Idempotent: attaching twice replaces the middleware, nothing stacks up.
 * Returns the client for chaining.
 *
 * @example
 * ```ts
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
 * import { attachDependencyFaults } from '@faultline/aws-lambda/aws-sdk';
 *
 * const dynamodb = attachDependencyFaults(new DynamoDBClient({}));
 * ```
 */
export function attachDependencyFaults<Client extends SdkClientLike>(client: Client): Client {
  const serviceId = client.config?.serviceId;
  (client.middlewareStack as unknown as CallableMiddlewareStack).add(
    createDependencyFaultMiddleware(serviceId === undefined ? {} : { serviceId }),
    {
      step: 'deserialize',
      priority: 'low',
      name: dependencyFaultMiddlewareName,
      tags: ['FAULTLINE'],
      override: true,
    },
  );
  (client.middlewareStack as unknown as CallableMiddlewareStack).add(markInjectedErrors, {
    step: 'deserialize',
    priority: 'high',
    name: `${dependencyFaultMiddlewareName}Marker`,
    tags: ['FAULTLINE'],
    override: true,
  });
  return client;
}
