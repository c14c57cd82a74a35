import type { HttpRequest, InvocationContext } from '@azure/functions';
import type { FieldValue, MatchFieldKind, NativeFieldReader } from '@faultline/core/adapter-kit';
import type { FunctionIdentity } from './invocation.js';

// Loaded with the engine's runtime, off the import path: the wrapper decides from this until an invocation is built.

/**
 * Reads match fields from the trigger input and `InvocationContext` as {@link toAzureInvocation} sets them, without
 * building the invocation. The trigger type is lower-cased once per distinct value, a path is cut from its URL once
 * per distinct URL; the event fields of non-HTTP triggers are left to the invocation.
 */
export class AzureFieldReader implements NativeFieldReader<unknown, InvocationContext> {
  private input: unknown;
  private context: InvocationContext | undefined;
  private lastRawType: unknown;
  private lastTriggerType = '';
  private lastUrl: string | undefined;
  private lastPath = '/';

  constructor(
    private readonly identity: FunctionIdentity,
    // The invocation's own helpers, handed over rather than imported, so this module loads as one small chunk.
    private readonly readTriggerType: typeof import('./invocation.js').readTriggerType,
    /** `http.path` of a URL as the invocation reads it (route prefix left out). */
    private readonly readPath: (url: string) => string,
    private readonly triggerKinds: typeof import('./invocation.js').triggerKinds,
  ) {}

  begin(input: unknown, context: InvocationContext): void {
    this.input = input;
    this.context = context;
  }

  end(): void {
    this.input = undefined;
    this.context = undefined;
  }

  read(field: MatchFieldKind, name: string): FieldValue | null {
    const context = this.context as InvocationContext;
    switch (field) {
      case 'cloud':
        return 'azure';
      case 'function':
        return scalarText(context.functionName);
      case 'requestId':
        return scalarText(context.invocationId);
      case 'stage':
        return this.identity.stage;
      case 'region':
        return this.identity.region;
      case 'trigger':
        return this.triggerKinds[this.triggerType(context)] ?? 'other';
      default:
        return this.triggerKinds[this.triggerType(context)] === 'http'
          ? this.readHttp(field, name)
          : field === 'event.type' || field === 'event.source'
            ? null
            : undefinedOrNull(field);
    }
  }

  private readHttp(field: MatchFieldKind, name: string): FieldValue | null {
    const request = this.input as HttpRequest;
    switch (field) {
      case 'http.method': {
        const method: unknown = request.method;
        return typeof method === 'string' ? upperCase(method) : null;
      }
      case 'http.path':
        return this.path(request.url);
      case 'http.header':
        // Iterating Headers yields each set-cookie on its own (the invocation keeps the last): left to it.
        if (name === 'set-cookie') return null;
        return request.headers.get(name) ?? undefined;
      case 'http.query':
        // The invocation keeps a repeated parameter's first value, which is what get() returns.
        return request.query.get(name) ?? undefined;
      case 'event.type':
      case 'event.source':
        return undefined;
      default:
        return null;
    }
  }

  /** `context.options.trigger.type`, lower-cased as {@link readTriggerType} does, once per distinct value. */
  private triggerType(context: InvocationContext): string {
    const type = (context.options as { trigger?: { type?: unknown } } | undefined)?.trigger?.type;
    if (type !== this.lastRawType) {
      this.lastTriggerType = this.readTriggerType(context);
      this.lastRawType = type;
    }
    return this.lastTriggerType;
  }

  private path(url: unknown): string | null {
    if (typeof url !== 'string') return null;
    if (url !== this.lastUrl) {
      this.lastPath = this.readPath(url);
      this.lastUrl = url;
    }
    return this.lastPath;
  }
}

/** HTTP fields of a non-HTTP invocation are absent; anything else (`raw`) is left to the invocation. */
function undefinedOrNull(field: MatchFieldKind): undefined | null {
  return field === 'http.method' || field === 'http.path' || field === 'http.header' || field === 'http.query'
    ? undefined
    : null;
}

function scalarText(value: unknown): FieldValue {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : undefined;
    default:
      return undefined;
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
