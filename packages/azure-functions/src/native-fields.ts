import type { HttpRequest, InvocationContext } from '@azure/functions';
import type { Trigger } from '@faultline/core';
import {
  type FieldValue,
  type MatchFieldKind,
  type NativeFieldReader,
  scalarFieldValue,
} from '@faultline/core/adapter-kit';
import type { FunctionIdentity } from './invocation.js';

// Loaded with the engine's runtime, off the import path: the wrapper decides from this until an invocation is built.

/**
 * Reads match fields from the trigger input and `InvocationContext` as {@link toAzureInvocation} sets them, without
 * building the invocation. What a read needs is computed once per invocation, on the first read that needs it: the
 * trigger kind (kept across invocations for the same binding type, so the type is lower-cased once), the method and
 * the path (cut from its URL once per distinct URL) — `HttpRequest`'s getters go through a private-field map and
 * undici's `Request` on every call. The event fields of non-HTTP triggers are left to the invocation.
 */
export class AzureFieldReader implements NativeFieldReader<unknown, InvocationContext> {
  private input: unknown;
  private context: InvocationContext | undefined;
  /** This invocation's trigger kind, method and path; `undefined` until a read needs them (reset by `begin`). */
  private trigger: Trigger | undefined;
  private method: string | null | undefined;
  private currentPath: string | null | undefined;
  private lastRawType: unknown;
  private lastTrigger: Trigger = 'other';
  private lastUrl: string | undefined;
  private lastPath = '/';
  private lastRawMethod: string | undefined;
  private lastMethod = 'GET';

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
    this.trigger = undefined;
    this.method = undefined;
    this.currentPath = undefined;
  }

  end(): void {
    this.input = undefined;
    this.context = undefined;
  }

  read(field: MatchFieldKind, name: string): FieldValue | null {
    // The fields armed invocations read most (the production guard's stage, the method, the path) first, in a body
    // small enough for V8 to inline this method where the engine calls it; the rest in a method of their own.
    if (field === 'stage') return this.identity.stage;
    if (field === 'http.method') return this.httpMethod();
    if (field === 'http.path') return this.httpPath();
    return this.readOther(field, name);
  }

  private httpMethod(): string | null | undefined {
    if (this.triggerKind() !== 'http') return undefined;
    if (this.method === undefined) this.method = this.readMethod();
    return this.method;
  }

  private httpPath(): string | null | undefined {
    if (this.triggerKind() !== 'http') return undefined;
    if (this.currentPath === undefined) this.currentPath = this.path((this.input as HttpRequest).url);
    return this.currentPath;
  }

  private readOther(field: MatchFieldKind, name: string): FieldValue | null {
    switch (field) {
      case 'cloud':
        return 'azure';
      case 'function':
        return scalarFieldValue((this.context as InvocationContext).functionName);
      case 'requestId':
        return scalarFieldValue((this.context as InvocationContext).invocationId);
      case 'region':
        return this.identity.region;
      case 'trigger':
        return this.triggerKind();
      case 'http.header':
        if (this.triggerKind() !== 'http') return undefined;
        // Iterating Headers yields each set-cookie on its own (the invocation keeps the last): left to it.
        if (name === 'set-cookie') return null;
        return (this.input as HttpRequest).headers.get(name) ?? undefined;
      case 'http.query':
        if (this.triggerKind() !== 'http') return undefined;
        // The invocation keeps a repeated parameter's first value, which is what get() returns.
        return (this.input as HttpRequest).query.get(name) ?? undefined;
      case 'event.type':
      case 'event.source':
        // An HTTP invocation has no event; the event of another trigger is left to the invocation.
        return this.triggerKind() === 'http' ? undefined : null;
      default:
        return null;
    }
  }

  /** The invocation's trigger kind, as {@link toAzureInvocation} maps `context.options.trigger.type`. */
  private triggerKind(): Trigger {
    if (this.trigger !== undefined) return this.trigger;
    const context = this.context as InvocationContext;
    const type = (context.options as { trigger?: { type?: unknown } } | undefined)?.trigger?.type;
    if (type !== this.lastRawType) {
      this.lastTrigger = this.triggerKinds[this.readTriggerType(context)] ?? 'other';
      this.lastRawType = type;
    }
    this.trigger = this.lastTrigger;
    return this.trigger;
  }

  private readMethod(): string | null {
    const method: unknown = (this.input as HttpRequest).method;
    if (typeof method !== 'string') return null;
    // An instance sees few distinct methods: a repeated one costs one string comparison instead of a scan.
    if (method !== this.lastRawMethod) {
      this.lastMethod = upperCase(method);
      this.lastRawMethod = method;
    }
    return this.lastMethod;
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

/** `toUpperCase()`'s result, without a new string when there is no lower-case letter to change. */
function upperCase(text: string): string {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if ((code >= 97 && code <= 122) || code > 127) return text.toUpperCase();
  }
  return text;
}
