import { createModuleLoader } from '../engine/module-loader.js';

/*
 * OpenTelemetry, without depending on it: `@opentelemetry/api` is an optional peer, imported once, in the
 * background, when the first fault fires (so a function where nothing fires never loads it, the idle path never
 * touches it, and no config load or invocation waits for it). Until the import settles, the active span is read
 * through the API's process-wide registry, which any registered SDK fills. The
 * `import()` sits in a `try` block, which bundlers read as "may be missing": bundling faultline without OpenTelemetry
 * installed still works. Only the API is used, so spans go wherever the user's SDK sends them.
 */

/** The part of an OpenTelemetry `Span` faultline writes to. */
export interface TraceSpan {
  addEvent(name: string, attributes?: Record<string, string | number | boolean>): unknown;
  setAttribute(key: string, value: string | number | boolean): unknown;
  isRecording?(): boolean;
}

/** How faultline reaches the active span. */
export interface TraceAccess {
  /** The span active in the calling async context, or `undefined`. Never throws. */
  activeSpan(): TraceSpan | undefined;
}

interface OpenTelemetryApi {
  readonly trace: { getActiveSpan(): TraceSpan | undefined };
}

const openTelemetryApi = createModuleLoader<OpenTelemetryApi | undefined>(async () => {
  try {
    return (await import('@opentelemetry/api')) as unknown as OpenTelemetryApi;
  } catch {
    // Not installed (or not resolvable from here, as in a bundled layer): see the global registry below.
    return undefined;
  }
});

/**
 * The API keeps its state in one process-wide slot shared by every copy of the package of the same major version
 * (`Symbol.for('opentelemetry.js.api.1')`), and the active span under a `Symbol.for` context key. Reading them lets
 * faultline see the user's spans when its own `import()` cannot reach the user's copy of the API (faultline bundled
 * into a layer, the API bundled into the function).
 */
const globalApiKey = Symbol.for('opentelemetry.js.api.1');
const spanContextKey = Symbol.for('OpenTelemetry Context Key SPAN');

interface GlobalApiRegistry {
  readonly context?: { active(): { getValue(key: symbol): unknown } | undefined };
}

function activeSpanFromGlobalRegistry(): TraceSpan | undefined {
  const registry = (globalThis as Record<symbol, GlobalApiRegistry | undefined>)[globalApiKey];
  const span = registry?.context?.active()?.getValue(spanContextKey) as TraceSpan | undefined;
  return typeof span?.addEvent === 'function' && typeof span.setAttribute === 'function' ? span : undefined;
}

const viaModule = (api: OpenTelemetryApi): TraceAccess => ({
  activeSpan() {
    try {
      const span = api.trace.getActiveSpan();
      return span === undefined || span.isRecording?.() === false ? undefined : span;
    } catch {
      return undefined;
    }
  },
});

const viaGlobalRegistry: TraceAccess = {
  activeSpan() {
    try {
      const span = activeSpanFromGlobalRegistry();
      return span === undefined || span.isRecording?.() === false ? undefined : span;
    } catch {
      return undefined;
    }
  },
};

let moduleAccess: TraceAccess | undefined;
let loadRequested = false;

/**
 * Loads `@opentelemetry/api` if it is installed (once per process). Never rejects.
 *
 * @example
 * ```ts
 * await loadTraceAccess();
 * traceAccess().activeSpan()?.setAttribute('faultline.injected', true);
 * ```
 */
export async function loadTraceAccess(): Promise<void> {
  try {
    const api = await openTelemetryApi.load();
    if (api !== undefined && typeof api.trace?.getActiveSpan === 'function') moduleAccess ??= viaModule(api);
  } catch {
    // stays on the global registry
  }
}

/**
 * The trace access in force: through `@opentelemetry/api` once {@link loadTraceAccess} found it, else through the
 * API's process-wide registry (which is empty, so every span `undefined`, when OpenTelemetry is not set up). The
 * first call starts loading the API in the background; call it only when a fault fires.
 *
 * @example
 * ```ts
 * const span = traceAccess().activeSpan();
 * ```
 */
export function traceAccess(): TraceAccess {
  if (moduleAccess !== undefined) return moduleAccess;
  if (!loadRequested) {
    loadRequested = true;
    void loadTraceAccess();
  }
  return viaGlobalRegistry;
}

/** What the span attributes name: the fault of an injection. */
export interface TracedFault {
  readonly experimentId: string;
  readonly faultId: string;
  readonly faultType: string;
  readonly configVersion: string | undefined;
}

/**
 * The attributes faultline puts on span events: `faultline.experiment.id`, `faultline.fault.id`,
 * `faultline.fault.type`, `faultline.config.version`, `faultline.dry_run`.
 *
 * @example
 * ```ts
 * span.addEvent('faultline.inject', faultAttributes(fault, false));
 * ```
 */
export function faultAttributes(
  fault: TracedFault,
  dryRun: boolean,
): Record<string, string | number | boolean> {
  const attributes: Record<string, string | number | boolean> = {
    'faultline.experiment.id': fault.experimentId,
    'faultline.fault.id': fault.faultId,
    'faultline.fault.type': fault.faultType,
    'faultline.dry_run': dryRun,
  };
  if (fault.configVersion !== undefined) attributes['faultline.config.version'] = fault.configVersion;
  return attributes;
}

/**
 * Marks `span` injected (`faultline.injected=true`) with one `faultline.inject` event per fault, or adds
 * `faultline.would_inject` events in dry-run. Never throws.
 *
 * @example
 * ```ts
 * annotateInjections(traceAccess().activeSpan(), [fault], false);
 * ```
 */
export function annotateInjections(
  span: TraceSpan | undefined,
  faults: readonly TracedFault[],
  dryRun: boolean,
): void {
  if (span === undefined || faults.length === 0) return;
  try {
    for (const fault of faults) {
      span.addEvent(dryRun ? 'faultline.would_inject' : 'faultline.inject', faultAttributes(fault, dryRun));
    }
    if (!dryRun) span.setAttribute('faultline.injected', true);
  } catch {
    // Tracing must never break the function.
  }
}

/**
 * Records an injected error on `span` the way OpenTelemetry records exceptions (an `exception` event with
 * `exception.type`, `exception.message`, `exception.stacktrace`), marked `faultline.injected=true` with the fault's
 * attributes, so a drill's failures are told apart from real ones. Never throws.
 *
 * @example
 * ```ts
 * recordInjectedException(traceAccess().activeSpan(), error, fault);
 * ```
 */
export function recordInjectedException(
  span: TraceSpan | undefined,
  error: unknown,
  fault: TracedFault,
): void {
  if (span === undefined) return;
  try {
    const attributes = faultAttributes(fault, false);
    attributes['faultline.injected'] = true;
    if (error instanceof Error) {
      attributes['exception.type'] = error.name;
      attributes['exception.message'] = error.message;
      if (typeof error.stack === 'string') attributes['exception.stacktrace'] = error.stack;
    } else {
      attributes['exception.message'] = String(error);
    }
    span.addEvent('exception', attributes);
    span.setAttribute('faultline.injected', true);
  } catch {
    // as above
  }
}
