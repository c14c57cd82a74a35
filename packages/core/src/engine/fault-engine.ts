import type { CachedConfigOptions } from '../config/cache-options.js';
import { type CachedConfig, createCachedConfig } from '../config/cached-config.js';
import type { ConfigSource } from '../config/config-source.js';
import { readEnvironmentSettings } from '../config/environment-settings.js';
import { renamedVariables } from '../config/renamed-variables.js';
import { type DeferringSink, deferBackgroundEvents } from '../events/background-events.js';
import type { EventLevel, EventSink, FaultlineEventType } from '../events/events.js';
import { isoTime } from '../events/iso-time.js';
import type { FaultRegistry } from '../faults/registry.js';
import type { Invocation } from '../invocation/invocation.js';
import { createLogFormatSink, defaultMetricsSink, type LogFormat } from '../observability/default-sinks.js';
import { readPlatformLogLevel } from '../observability/log-level.js';
import { annotateInjections, traceAccess } from '../observability/open-telemetry.js';
import type { CompiledExperiment } from './compile.js';
import { type DecideOptions, type DecisionPlan, decide } from './decide.js';
import { createEventEmitter, type EventFields } from './event-emitter.js';
import { createFaultRun, type FaultRun, type FaultRunEngine } from './fault-run.js';
import { createModuleLoader } from './module-loader.js';
import {
  type Clock,
  type RandomSource,
  type Sleep,
  systemClock,
  systemRandom,
  systemSleep,
} from './ports.js';
import { activeProcessWideFaultCount, reportProcessWideNeighbours } from './process-wide-faults.js';
import { withGetters } from './with-getters.js';

/**
 * Options of {@link createFaultEngine}. Option > environment variable > default.
 *
 * @example
 * ```ts
 * import { createFaultEngine, createFileSource } from '@faultline/core';
 * const options: FaultEngineOptions = { source: createFileSource('./faultline.yaml'), logLevel: 'debug', cache: { ttlMs: 10_000 } };
 * const engine = createFaultEngine(options);
 * ```
 */
export interface FaultEngineOptions {
  /** Where the experiment comes from. Without one the engine never injects (and says so once). */
  readonly source?: ConfigSource;
  /** Fault types the experiment may use. Default: every built-in type. */
  readonly registry?: FaultRegistry;
  /**
   * Receives structured events (filtered by `logLevel`). Default: the sink of `logFormat` — one JSON line per event
   * on the console, or the platform's own log shape an adapter asks for.
   */
  readonly onEvent?: EventSink;
  /**
   * Where events go when `onEvent` is not given: `json-lines` (default), `aws-lambda`, `google-cloud` or
   * `azure-functions` (see `createLogFormatSink`). Each adapter passes its platform's.
   */
  readonly logFormat?: LogFormat;
  /**
   * Receives the events faultline counts (`inject`, `would-inject`, `skipped`, `budget-exhausted`, `config-error`)
   * whatever `logLevel` says, and a `flush` per invocation: CloudWatch EMF (`createEmfSink`), Powertools Metrics.
   * Default: EMF lines when `logFormat` is `aws-lambda` and the code runs in Lambda (`FAULTLINE_METRICS=off` turns
   * them off, `FAULTLINE_METRICS_NAMESPACE` names the namespace), none elsewhere. `false`: none.
   */
  readonly metrics?: EventSink | false;
  /**
   * Whether injections are written to the active OpenTelemetry span when `@opentelemetry/api` is installed (loaded
   * once, with the first experiment): a `faultline.inject` event per fault (`faultline.would_inject` in dry-run),
   * `faultline.injected=true`, injected errors recorded as exceptions, and the client spans of calls a `dependency` or
   * `blackhole` fault acts on annotated. Default `true`; costs nothing when nothing fires.
   */
  readonly openTelemetry?: boolean;
  /**
   * Lowest event level delivered. Default: `FAULTLINE_LOG_LEVEL`, else the platform's (`AWS_LAMBDA_LOG_LEVEL`, then
   * `POWERTOOLS_LOG_LEVEL`), else `info`.
   */
  readonly logLevel?: EventLevel;
  /**
   * Cache tuning. Each field falls back to its variable (`FAULTLINE_CONFIG_TTL_MS`, `…_FETCH_BUDGET_MS`,
   * `…_MAX_STALE_MS`, `…_MAX_SIZE_BYTES`), then to the cached config's default (TTL 30 000 ms).
   */
  readonly cache?: CachedConfigOptions;
  readonly clock?: Clock;
  readonly random?: RandomSource;
  /** Used by fault effects (latency, timeout). Tests pass `immediateSleep` from `@faultline/core/testing`. */
  readonly sleep?: Sleep;
  /** Where `FAULTLINE_*` variables are read from, once, at creation. Default: `process.env`. */
  readonly environment?: Readonly<Record<string, string | undefined>>;
  /**
   * How to configure a source, for the one `config-missing` event an engine without a source emits: adapters name
   * their own store variables (e.g. `set FAULTLINE_SSM_PARAMETER, …`). Default: `set FAULTLINE_CONFIG_FILE or
   * FAULTLINE_CONFIG, or pass \`source\``.
   */
  readonly missingSourceHint?: string;
}

/**
 * What the wrapper reads per invocation: `idle` when nothing can fire (the common case), `loading` before the
 * first config load finished, or the compiled experiment when some fault may fire (then build the invocation and
 * ask {@link FaultEngine.plan}).
 *
 * @example
 * ```ts
 * const state = engine.current();
 * if (state !== 'idle' && state !== 'loading') console.log('armed:', state.experimentId);
 * ```
 */
export type EngineState = CompiledExperiment | 'idle' | 'loading';

/**
 * A running engine: one cached config, compiled per version, and the decision bookkeeping of this instance.
 *
 * @example
 * ```ts
 * const engine = createFaultEngine({ source });
 * await engine.ready();
 * if (engine.current() !== 'idle') {
 *   const run = engine.plan(invocation);
 *   console.log(run?.faults.map((fault) => fault.id) ?? 'nothing fires');
 * }
 * engine.close();
 * ```
 */
export interface FaultEngine {
  /** The config source's name (for events), `undefined` without a source. */
  readonly sourceName: string | undefined;
  /**
   * The fault types experiments are compiled against: `options.registry`, else the built-in registry once the first
   * config document was compiled (it is loaded lazily, with the validator), `undefined` before that.
   */
  readonly registry: FaultRegistry | undefined;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly sleep: Sleep;
  /**
   * The per-invocation check: synchronous, allocation-free and never throws. Starts a background refresh when one
   * is due. Reports `expired` once when the experiment window has ended.
   */
  current(): EngineState;
  /** Waits for the first config load (bounded by the fetch budget). Never rejects. */
  ready(): Promise<void>;
  /**
   * Decides for one invocation against the experiment in force: books the injection budget, emits the dry-run
   * `would-inject` events and the once-per-version guard events, and returns the run of the faults that fire, or
   * `undefined` when none does (idle, loading, not sampled, not matched, dry-run). Synchronous; call it only after
   * {@link FaultEngine.current} said something may fire, so the idle path never builds an invocation.
   */
  plan(invocation: Invocation): FaultRun | undefined;
  /** Emits an event through the engine's sink (filtered by its level; `level` overrides the type's default). */
  emit(
    type: FaultlineEventType,
    message: string,
    fields?: EventFields,
    level?: Exclude<EventLevel, 'silent'>,
  ): void;
  /** Whether events at `level` are delivered (to skip building detail objects that would be dropped). */
  isLevelEnabled(level: Exclude<EventLevel, 'silent'>): boolean;
  /** Reads the store now. Never rejects. */
  refresh(): Promise<void>;
  /** Stops background work (push subscriptions, timers) and writes the log lines still queued. */
  close(): void;
}

const minuteMs = 60_000;

/**
 * The validator, the schema and every fault type live behind one `import()`, loaded on the first config document
 * and shared by all engines of the process; a failed load is retried with the next document.
 */
const documentPipeline = createModuleLoader(() => import('./document-pipeline.js'));

/**
 * Creates an engine: reads the experiment through a cached config (TTL, single flight, fetch budget, stale
 * while revalidate), validates and compiles each config version once, and decides per invocation. Adapters use
 * it through `createFaultWrapper`; create one yourself to share it between wrappers or to test with fakes.
 *
 * @example
 * ```ts
 * import { createFaultEngine, createFileSource } from '@faultline/core';
 * import { withFaults } from '@faultline/aws-lambda';
 *
 * const engine = createFaultEngine({ source: createFileSource('./faultline.yaml'), logLevel: 'debug' });
 * export const handler = withFaults(baseHandler, { engine });
 * ```
 */
export function createFaultEngine(options: FaultEngineOptions = {}): FaultEngine {
  const environment = options.environment ?? process.env;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? systemRandom;
  const sleep = options.sleep ?? systemSleep;
  let registry = options.registry;
  const source = options.source;
  const settings = readEnvironmentSettings(environment);
  const cacheOptions: CachedConfigOptions = {
    ...(settings.ttlMs === undefined ? {} : { ttlMs: settings.ttlMs }),
    ...(settings.fetchBudgetMs === undefined ? {} : { fetchBudgetMs: settings.fetchBudgetMs }),
    ...(settings.maxStaleMs === undefined ? {} : { maxStaleMs: settings.maxStaleMs }),
    ...(settings.maxSizeBytes === undefined ? {} : { maxSizeBytes: settings.maxSizeBytes }),
    ...options.cache,
  };
  const maxSizeBytes = cacheOptions.maxSizeBytes;
  const logFormat = options.logFormat ?? 'json-lines';
  const tracing = options.openTelemetry !== false;
  // The default console sink writes background events (config loaded, …) off the invocation's path.
  const consoleSink: DeferringSink | undefined =
    options.onEvent === undefined
      ? deferBackgroundEvents(createLogFormatSink(logFormat, environment))
      : undefined;
  const sink: EventSink = options.onEvent ?? (consoleSink as DeferringSink);
  const events = createEventEmitter({
    sink,
    level: options.logLevel ?? settings.logLevel ?? readPlatformLogLevel(environment) ?? 'info',
    clock,
    configSource: source?.name,
    metrics:
      options.metrics === false ? undefined : (options.metrics ?? defaultMetricsSink(logFormat, environment)),
  });

  const emit: FaultEngine['emit'] = (type, message, fields, level) =>
    events.emit(type, message, fields, level);

  // Config events come from the cached config, which does not know what it caches; they get the experiment id here.
  const experimentIdsByVersion = new Map<string, string>();
  const configEventSink: EventSink = (event) => {
    if (event.experimentId !== undefined || event.configVersion === undefined) return events.sink(event);
    const experimentId = experimentIdsByVersion.get(event.configVersion);
    events.sink(experimentId === undefined ? event : { ...event, experimentId });
  };

  const reportSkipped = (message: string, fields: EventFields): void => {
    events.emit('fault-skipped', message, fields);
  };

  async function parse(document: string | object, version: string): Promise<CompiledExperiment> {
    // Runs inside the cached config's fetch budget, so loading the pipeline counts against it like the read does.
    const { compileExperimentDocument: compileDocument } = await documentPipeline.load();
    const result = await compileDocument(document, version, {
      registry: options.registry,
      maxSizeBytes,
      reportSkipped,
    });
    registry = result.registry;
    const experimentId = result.compiled.experimentId;
    experimentIdsByVersion.set(version, experimentId);
    if (experimentIdsByVersion.size > 8) {
      const oldest = experimentIdsByVersion.keys().next().value;
      if (oldest !== undefined) experimentIdsByVersion.delete(oldest);
    }
    return result.compiled;
  }

  for (const warning of settings.warnings) events.emit('config-error', warning, {}, 'warn');
  // A renamed variable still set under its old name: reported here, once per engine, not where settings are read
  // (that code loads with every adapter; this only with the engine).
  for (const [variable, replacement] of renamedVariables) {
    if ((environment[variable] ?? '').trim() === '') continue;
    events.emit(
      'deprecation',
      (environment[replacement] ?? '').trim() !== ''
        ? `${variable} is deprecated and ignored because ${replacement} is also set; remove ${variable}.`
        : `${variable} is deprecated; rename it to ${replacement} (the old name still works for now).`,
      { details: { variable, replacement } },
    );
  }

  let config: CachedConfig<CompiledExperiment> | undefined;
  if (source === undefined) {
    events.emit(
      'config-missing',
      `no config source is configured (${options.missingSourceHint ?? 'set FAULTLINE_CONFIG_FILE or FAULTLINE_CONFIG, or pass `source`'}); faultline will not inject`,
      {},
      'info',
    );
  } else {
    config = createCachedConfig<CompiledExperiment>(source, {
      ...cacheOptions,
      parse,
      onEvent: configEventSink,
      clock,
      random,
    });
  }

  function reportExpired(compiled: CompiledExperiment): void {
    compiled.state.expiredReported = true;
    events.emit('expired', `experiment ${compiled.experimentId} window ended; nothing is injected any more`, {
      experimentId: compiled.experimentId,
      configVersion: compiled.configVersion,
      details: { endedAt: isoTime(compiled.endMs) },
    });
  }

  function current(): EngineState {
    if (config === undefined) return 'idle';
    const cached = config.peek();
    if (cached === undefined) return 'loading';
    const compiled = cached.value;
    if (compiled === undefined || !compiled.armed) return 'idle';
    if (compiled.hasWindow) {
      // Once ended, a window stays ended: no clock read per invocation for the rest of this version.
      if (compiled.state.expiredReported) return 'idle';
      let nowMs: number;
      try {
        nowMs = clock.now();
      } catch {
        return 'idle';
      }
      if (nowMs < compiled.startMs) return 'idle';
      if (nowMs >= compiled.endMs) {
        if (!compiled.state.expiredReported) reportExpired(compiled);
        return 'idle';
      }
    }
    return compiled;
  }

  const unlimited: DecideOptions = Object.freeze({});

  function decideFor(compiled: CompiledExperiment, invocation: Invocation): DecisionPlan {
    const state = compiled.state;
    const limited = compiled.maxInjectionsPerMinute !== Number.POSITIVE_INFINITY;
    // Reading the clock is not free on every platform; only windows and budgets need it.
    const nowMs = limited || compiled.hasWindow ? clock.now() : 0;
    const minute = limited ? Math.floor(nowMs / minuteMs) : 0;
    if (limited && state.budgetMinute !== minute) {
      state.budgetMinute = minute;
      state.budgetUsed = 0;
    }
    const result = decide(
      compiled,
      invocation,
      compiled.hasWindow ? nowMs : 0,
      random,
      limited ? { budgetRemaining: compiled.maxInjectionsPerMinute - state.budgetUsed } : unlimited,
    );
    if (result.outcome === 'production-refused' && !state.productionRefusedReported) {
      state.productionRefusedReported = true;
      events.emit(
        'production-refused',
        invocation.stage === undefined
          ? `experiment ${compiled.experimentId}: this function's stage is unknown, so the guard treats it as production and nothing is injected; declare the stage with FAULTLINE_STAGE (e.g. FAULTLINE_STAGE=staging) on the function, or set guard.allowProduction: true in the experiment to inject anyway`
          : `experiment ${compiled.experimentId} targets production stage "${invocation.stage}" without guard.allowProduction; nothing is injected`,
        {
          experimentId: compiled.experimentId,
          configVersion: compiled.configVersion,
          invocation,
          details:
            invocation.stage === undefined
              ? { stage: null, reason: 'unknown-stage' }
              : { stage: invocation.stage, reason: 'production-stage' },
        },
      );
    } else if (result.outcome === 'outside-window' && nowMs >= compiled.endMs && !state.expiredReported) {
      reportExpired(compiled);
    }
    if (limited) state.budgetUsed += result.inject.length + result.wouldInject.length;
    if (result.budgetLimited.length > 0 && state.budgetExhaustedReportedMinute !== minute) {
      state.budgetExhaustedReportedMinute = minute;
      events.emit(
        'budget-exhausted',
        `experiment ${compiled.experimentId} reached guard.maxInjectionsPerMinute (${compiled.maxInjectionsPerMinute}); sampled invocations run untouched until the minute rolls over`,
        {
          experimentId: compiled.experimentId,
          configVersion: compiled.configVersion,
          invocation,
          details: { maxInjectionsPerMinute: compiled.maxInjectionsPerMinute },
        },
      );
    }
    return result;
  }

  function reportWouldInject(
    compiled: CompiledExperiment,
    invocation: Invocation,
    faults: DecisionPlan['wouldInject'],
  ): void {
    for (const fault of faults) {
      events.emit('would-inject', `dry-run: would inject ${fault.type} fault ${fault.id}`, {
        experimentId: compiled.experimentId,
        faultId: fault.id,
        faultType: fault.type,
        invocation,
        configVersion: compiled.configVersion,
      });
    }
    if (tracing) {
      annotateInjections(
        traceAccess().activeSpan(),
        faults.map((fault) => ({
          experimentId: compiled.experimentId,
          faultId: fault.id,
          faultType: fault.type,
          configVersion: compiled.configVersion,
        })),
        true,
      );
    }
  }

  const reportNeighbour = (message: string, fields: EventFields): void => {
    events.emit('neighbour-affected', message, fields);
  };

  function plan(invocation: Invocation): FaultRun | undefined {
    // The window is checked by `decide`, with the one clock read this needs.
    const compiled = config?.peek()?.value;
    if (compiled === undefined || !compiled.armed) return undefined;
    // A `scope: process` fault acting in another invocation changed what this one runs in: say so, sampled or not.
    if (activeProcessWideFaultCount() > 0) reportProcessWideNeighbours(invocation, reportNeighbour);
    const decision = decideFor(compiled, invocation);
    if (decision.wouldInject.length > 0) reportWouldInject(compiled, invocation, decision.wouldInject);
    if (decision.inject.length === 0) {
      // Nothing runs, so this is the end of what is reported about the invocation: batching sinks write it now.
      if (decision.wouldInject.length > 0 || decision.budgetLimited.length > 0) events.flush(invocation);
      return undefined;
    }
    return createFaultRun(runEngine, compiled, invocation, decision.inject);
  }

  // What each run uses of the engine: created once, so planning allocates nothing for it.
  const runEngine: FaultRunEngine = {
    emit,
    isLevelEnabled: (level) => events.enabled(level),
    clock,
    random,
    sleep,
    flushEvents: (invocation) => events.flush(invocation),
    traceAccess: tracing ? traceAccess : undefined,
  };

  // Built without a getter and given `registry` after: V8 keeps an object literal that declares a getter in
  // dictionary mode, and every invocation reads `engine.current` (a dictionary lookup instead of a field load).
  const engine = {
    sourceName: source?.name,
    clock,
    random,
    sleep,
    current,
    async ready() {
      try {
        await config?.get();
      } catch {
        // never rejects
      }
    },
    plan,
    emit,
    isLevelEnabled: (level) => events.enabled(level),
    async refresh() {
      try {
        await config?.refresh();
      } catch {
        // never rejects
      }
    },
    close() {
      config?.close();
      consoleSink?.writeQueued();
    },
  } satisfies Omit<FaultEngine, 'registry'>;
  return withGetters(engine, { registry: () => registry });
}
