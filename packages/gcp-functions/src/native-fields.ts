import type { FieldValue, MatchFieldKind, NativeFieldReader } from '@faultline/core/adapter-kit';
import type { CloudEventLike, FunctionIdentity, FunctionRequest } from './invocation.js';

// Loaded with the engine's runtime, off the import path: the wrapper decides from these until an invocation is built.

/**
 * Reads match fields from the request as {@link toHttpInvocation} sets them, without building the invocation (so
 * an invocation no fault matches costs a few property reads). The request id and query parameters are left to the
 * invocation; a path with a query string is cut once per distinct URL; whether Cloud Scheduler sent the request is
 * looked up once per invocation, on the first read that needs it.
 */
export class HttpFieldReader implements NativeFieldReader<FunctionRequest, unknown> {
  private request: FunctionRequest | undefined;
  /** This invocation's {@link HttpFieldReader.scheduled} answer; `undefined` until a read needs it. */
  private scheduledRequest: boolean | null | undefined;
  private lastUrl: string | undefined;
  private lastPath = '/';
  private lastRawMethod: string | undefined;
  private lastMethod = 'GET';

  constructor(private readonly identity: FunctionIdentity) {}

  begin(request: FunctionRequest): void {
    this.request = request;
    this.scheduledRequest = undefined;
  }

  end(): void {
    this.request = undefined;
  }

  read(field: MatchFieldKind, name: string): FieldValue | null {
    // The fields armed invocations read most (the production guard's stage, the method, the path) first, in a body
    // small enough for V8 to inline this method where the engine calls it; the rest in a method of their own.
    if (field === 'stage') return this.identity.stage;
    if (field === 'http.method') return this.httpMethod();
    if (field === 'http.path') return this.path((this.request as FunctionRequest).url ?? '/');
    return this.readOther(field, name);
  }

  private httpMethod(): string | null {
    const method = (this.request as FunctionRequest).method;
    if (method === undefined) return 'GET';
    return typeof method === 'string' ? this.upperCased(method) : null;
  }

  private readOther(field: MatchFieldKind, name: string): FieldValue | null {
    switch (field) {
      case 'http.header': {
        const headers = (this.request as FunctionRequest).headers;
        if (headers == null) return null;
        const value = Object.hasOwn(headers, name) ? headers[name] : undefined;
        // Repeated headers arrive as arrays, which the invocation joins: left to it.
        return value === undefined || typeof value === 'string' ? value : null;
      }
      case 'trigger': {
        const scheduled = this.scheduled();
        return scheduled === null ? null : scheduled ? 'schedule' : 'http';
      }
      case 'event.type': {
        const scheduled = this.scheduled();
        return scheduled === null ? null : scheduled ? cloudSchedulerEventType : undefined;
      }
      case 'event.source': {
        const scheduled = this.scheduled();
        if (scheduled !== true) return scheduled === null ? null : undefined;
        // The job's name, as the invocation takes it: the header's first value.
        const jobName = firstValue((this.request as FunctionRequest).headers['x-cloudscheduler-jobname']);
        return jobName === undefined || typeof jobName === 'string' ? jobName : null;
      }
      default:
        return identityField(this.identity, field);
    }
  }

  /** Whether Cloud Scheduler sent the request (`x-cloudscheduler: true`), as the invocation tells; `null`: unknown. */
  private scheduled(): boolean | null {
    if (this.scheduledRequest !== undefined) return this.scheduledRequest;
    const headers = (this.request as FunctionRequest).headers;
    this.scheduledRequest = headers == null ? null : firstValue(headers['x-cloudscheduler']) === 'true';
    return this.scheduledRequest;
  }

  /**
   * `method` upper-cased as the invocation has it. An instance sees few distinct methods, so the last one is kept:
   * a repeated method costs one string comparison instead of a scan (the result depends on the text alone).
   */
  private upperCased(method: string): string {
    if (method !== this.lastRawMethod) {
      this.lastMethod = upperCase(method);
      this.lastRawMethod = method;
    }
    return this.lastMethod;
  }

  private path(url: string): string | null {
    if (typeof url !== 'string') return null;
    if (url !== this.lastUrl) {
      const queryStart = url.indexOf('?');
      this.lastPath = queryStart === -1 ? url : url.slice(0, queryStart);
      this.lastUrl = url;
    }
    return this.lastPath;
  }
}

/** Reads match fields from a CloudEvent as {@link toCloudEventInvocation} sets them (the id is left to it). */
export class CloudEventFieldReader implements NativeFieldReader<CloudEventLike, unknown> {
  private cloudEvent: CloudEventLike | undefined;

  constructor(private readonly identity: FunctionIdentity) {}

  begin(cloudEvent: CloudEventLike): void {
    this.cloudEvent = cloudEvent;
  }

  end(): void {
    this.cloudEvent = undefined;
  }

  read(field: MatchFieldKind): FieldValue | null {
    switch (field) {
      case 'trigger':
        // A Pub/Sub message is a queue invocation (see toCloudEventInvocation).
        return this.cloudEvent?.type === 'google.cloud.pubsub.topic.v1.messagePublished' ? 'queue' : 'event';
      case 'http.method':
      case 'http.path':
      case 'http.header':
      case 'http.query':
        return undefined;
      case 'event.type': {
        const type = this.cloudEvent?.type;
        return typeof type === 'string' ? type : undefined;
      }
      case 'event.source': {
        const source = this.cloudEvent?.source;
        return typeof source === 'string' ? source : undefined;
      }
      default:
        return identityField(this.identity, field);
    }
  }
}

/** `event.type` of a Cloud Scheduler job's request, as {@link toHttpInvocation} sets it. */
const cloudSchedulerEventType = 'gcp:cloud-scheduler';

/** A header's value as the invocation reads it: the first of a repeated header. */
function firstValue(value: unknown): unknown {
  return Array.isArray(value) ? value[0] : value;
}

/** The fields both kinds of invocation copy from the function's identity; `null` for the others. */
function identityField(identity: FunctionIdentity, field: MatchFieldKind): FieldValue | null {
  switch (field) {
    case 'cloud':
      return 'gcp';
    case 'function':
      return identity.function;
    case 'stage':
      return identity.stage;
    case 'region':
      return identity.region;
    default:
      return null;
  }
}

/** `toUpperCase()`'s result, without a new string when there is no lower-case letter to change. */
function upperCase(text: string): string {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if ((code >= 97 && code <= 122) || code > 127) return text.toUpperCase();
  }
  return text;
}
