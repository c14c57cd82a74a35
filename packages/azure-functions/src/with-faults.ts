import type { InvocationContext } from '@azure/functions';
import type { ConfigSource, FaultlineOptions } from '@faultline/core';
import {
  compileGlobList,
  createDeferredSource,
  createFaultWrapper,
  type FaultAdapter,
  isKillSwitchOn,
  isFaultWrapped as isMarkedFaultWrapped,
  markFaultWrapped,
  preloadFaultRuntime,
  systemClock,
} from '@faultline/core/adapter-kit';
import { resolveAppConfigurationTarget } from './app-configuration/source-name.js';
import { readAppConfigurationVariable } from './app-configuration/variables.js';
import { readNeutralResponse, toHttpResponseInit, writeNeutralResponse } from './http-response.js';
import {
  type FunctionIdentity,
  type FunctionIdentityOptions,
  keepInvocationShapes,
  readTriggerType,
  readUrlPath,
  resolveFunctionIdentity,
  toAzureInvocation,
  triggerKinds,
  withoutRoutePrefix,
} from './invocation.js';

/**
 * Options of {@link withFaults}: the engine options of `@faultline/core` (`source`, `engine`, `onEvent`,
 * `logLevel`, `cache`, …) plus what describes the function app (`stage`, `region`, `timeoutMs`).
 *
 * @example
 * ```ts
 * import type { AzureFaultlineOptions } from '@faultline/azure-functions';
 *
 * const options: AzureFaultlineOptions = { stage: 'staging', timeoutMs: 30_000, logLevel: 'warn' };
 * ```
 */
export type AzureFaultlineOptions = FaultlineOptions & FunctionIdentityOptions;

/**
 * Any v4 handler: `(request, context)` for HTTP, `(input, context)` for queue, Service Bus, Event Hubs, timer, …
 *
 * @example
 * ```ts
 * import type { AzureHandler } from '@faultline/azure-functions';
 *
 * const onShipment: AzureHandler<{ orderId: string }, void> = async (message, context) => {
 *   context.log(`shipping ${message.orderId}`);
 * };
 * ```
 */
export type AzureHandler<Input, Result> = (
  input: Input,
  context: InvocationContext,
) => Result | Promise<Result>;

/**
 * What a wrapped handler returns: the handler's own result, or for HTTP triggers an injected `HttpResponseInit`
 * (a `status` fault, a 429 throttle, a corrupted or CORS-changed response).
 *
 * @example
 * ```ts
 * import type { HttpResponseInit } from '@azure/functions';
 * import type { WrappedResult } from '@faultline/azure-functions';
 *
 * type OrdersResult = WrappedResult<HttpResponseInit>; // Promise<HttpResponseInit>
 * ```
 */
export type WrappedResult<Result> = Promise<Awaited<Result>>;

/**
 * The Azure Functions adapter: native `(input, InvocationContext)` → normalized invocation, and back. Exported for
 * custom wrappers and tests; `withFaults` and `installFaults` use it for you.
 *
 * @example
 * ```ts
 * import { createFaultWrapper } from '@faultline/core/adapter-kit';
 * const adapter = createAzureFunctionsAdapter({ stage: 'dev' });
 * const wrapped = createFaultWrapper(adapter, async (request, context) => ({ body: 'ok' }));
 * ```
 */
export function createAzureFunctionsAdapter(
  options: FunctionIdentityOptions & {
    readonly environment?: Readonly<Record<string, string | undefined>>;
  } = {},
  clock = systemClock,
): FaultAdapter<unknown, InvocationContext, unknown> {
  return createAdapter(resolveFunctionIdentity(options, options.environment ?? process.env, clock));
}

function createAdapter(identity: FunctionIdentity): FaultAdapter<unknown, InvocationContext, unknown> {
  keepInvocationShapes(identity);
  return {
    cloud: 'azure',
    toInvocation: (input, context) => toAzureInvocation(input, context, identity),
    // Decides "no fault matches" from the native arguments once loaded (next to the engine's runtime, off the
    // import); the invocation's own helpers are handed over so the reader reads exactly what it would.
    loadNativeFields: () =>
      import('./native-fields.js').then(
        (module) =>
          new module.AzureFieldReader(
            identity,
            readTriggerType,
            (url) => withoutRoutePrefix(readUrlPath(url), identity.routePrefix),
            triggerKinds,
          ),
      ),
    createDriver: (input, context, invocation, handler) => {
      const isHttp = invocation.trigger === 'http';
      return {
        // The handler's result as it is: a streamed body is read only if an `after` fault needs it (below).
        callHandler: () => handler(input, context),
        prepareResponse: async (result, needs) =>
          isHttp ? (await loadHttpBody()).prepareHttpResult(result, { readBody: needs.body }) : result,
        respond: (response) => (isHttp ? toHttpResponseInit(response) : undefined),
        throttled: (_reason, response) => (isHttp ? toHttpResponseInit(response) : undefined),
        readResponse: (result) => (isHttp ? readNeutralResponse(result) : undefined),
        writeResponse: (original, response) => writeNeutralResponse(original, response),
      };
    },
  };
}

let httpBody: Promise<typeof import('./http-body.js')> | undefined;

/** The body reader, loaded once, when a sampled invocation first has a fault that changes responses. */
function loadHttpBody(): Promise<typeof import('./http-body.js')> {
  httpBody ??= import('./http-body.js').catch((error: unknown) => {
    // A failed load is retried next time rather than remembered.
    httpBody = undefined;
    throw error;
  });
  return httpBody;
}

/** What the `config-missing` event tells an Azure function to set: the App Configuration variables first. */
const azureMissingSourceHint =
  'set FAULTLINE_AZURE_APPCONFIG_KEY (with FAULTLINE_AZURE_APPCONFIG_ENDPOINT or FAULTLINE_AZURE_APPCONFIG_CONNECTION_STRING) for App Configuration, or FAULTLINE_CONFIG_FILE / FAULTLINE_CONFIG, or pass `source`';

/**
 * The source the adapter uses when none is passed: App Configuration when `FAULTLINE_AZURE_APPCONFIG_KEY` (or its
 * deprecated name `FAULTLINE_APPCONFIG_KEY`) is set, else the core defaults (`FAULTLINE_CONFIG_FILE`, then
 * `FAULTLINE_CONFIG`). Read once, at wrap time.
 */
function defaultAzureSource(
  environment: Readonly<Record<string, string | undefined>>,
): ConfigSource | undefined {
  if (readAppConfigurationVariable(environment, 'KEY') === undefined) return undefined;
  // Named now (wrappers share one engine by source name); the source's code loads with its first read.
  const { name } = resolveAppConfigurationTarget({ hasClient: false, environment });
  return createDeferredSource(name, () =>
    import('./app-configuration/index.js').then((module) =>
      module.createAppConfigurationSource({ environment }),
    ),
  );
}

/**
 * Wraps an Azure Functions v4 handler so that sampled invocations get the faults of the current experiment. Drops
 * into `app.http(...)`, `app.storageQueue(...)`, `app.serviceBusQueue(...)`, `app.eventHub(...)`, `app.timer(...)`.
 *
 * - HTTP: injected statuses and throttles (429) are `HttpResponseInit`s; `corrupt` and `cors` change what the
 *   handler returned (an `HttpResponseInit` or an `HttpResponse`).
 * - Other triggers: injected failures are thrown as `InjectedFaultError`s (so the platform retries or dead-letters
 *   the message as it would for a real failure).
 * - Config: `options.source`, else App Configuration when `FAULTLINE_AZURE_APPCONFIG_KEY` is set, else
 *   `FAULTLINE_CONFIG_FILE` / `FAULTLINE_CONFIG`. `FAULTLINE_DISABLED=1` returns `handler` itself.
 * - The worker runs invocations concurrently in one process; each one is sampled on its own, and only sampled
 *   invocations are touched. When nothing can fire, the wrapper calls `handler` directly: no allocation, no await.
 * - A handler that is already wrapped is returned as it is (never two injections per invocation).
 *
 * @example
 * ```ts
 * import { app } from '@azure/functions';
 * import { withFaults } from '@faultline/azure-functions';
 *
 * app.http('orders', {
 *   methods: ['GET'],
 *   route: 'orders/{id}',
 *   handler: withFaults(async (request, context) => {
 *     context.log(`order ${request.params.id}`);
 *     return { jsonBody: { id: request.params.id } };
 *   }),
 * });
 * ```
 */
export function withFaults<Input, Result>(
  handler: AzureHandler<Input, Result>,
  options: AzureFaultlineOptions = {},
): (input: Input, context: InvocationContext) => WrappedResult<Result> {
  // Wrapping twice would inject twice per invocation.
  if (isFaultWrapped(handler))
    return handler as unknown as (input: Input, context: InvocationContext) => WrappedResult<Result>;
  const environment = options.environment ?? process.env;
  const identity = resolveFunctionIdentity(options, environment, options.clock ?? systemClock);
  const wrapped = createFaultWrapper(
    createAdapter(identity),
    // The engine calls the handler directly on the idle path; a synchronous result is fine for the Azure worker,
    // which awaits `Promise.resolve(handler(...))`, so no extra async layer is added here.
    handler as unknown as (input: unknown, context: InvocationContext) => Promise<unknown>,
    {
      ...options,
      defaultSource: options.defaultSource ?? (() => defaultAzureSource(environment)),
      missingSourceHint: options.missingSourceHint ?? azureMissingSourceHint,
      logFormat: options.logFormat ?? 'azure-functions',
    },
  ) as unknown as (input: Input, context: InvocationContext) => WrappedResult<Result>;
  return wrapped === (handler as unknown) ? wrapped : markFaultWrapped(wrapped);
}

/**
 * Whether `handler` was returned by {@link withFaults} (so `installFaults` leaves it alone), whichever copy of
 * faultline in the process wrapped it.
 *
 * @example
 * ```ts
 * import { isFaultWrapped, withFaults } from '@faultline/azure-functions';
 *
 * const handler = withFaults(async () => ({ body: 'ok' }));
 * isFaultWrapped(handler); // true (false under FAULTLINE_DISABLED=1: the handler itself is returned)
 * ```
 */
export function isFaultWrapped(handler: unknown): boolean {
  return isMarkedFaultWrapped(handler);
}

/**
 * The part of `@azure/functions`' `app` that {@link installFaults} uses; `app` itself fits.
 *
 * @example
 * ```ts
 * import { app } from '@azure/functions';
 * import type { AzureFunctionsAppLike } from '@faultline/azure-functions';
 *
 * const target: AzureFunctionsAppLike = app;
 * ```
 */
export interface AzureFunctionsAppLike {
  readonly hook: {
    preInvocation(handler: (context: PreInvocationContextLike) => void): { dispose(): unknown };
  };
}

/**
 * The part of the v4 `PreInvocationContext` that {@link installFaults} reads and writes.
 *
 * @example
 * ```ts
 * import { app } from '@azure/functions';
 * import type { PreInvocationContextLike } from '@faultline/azure-functions';
 *
 * app.hook.preInvocation((context: PreInvocationContextLike) => {
 *   console.log(context.invocationContext.functionName);
 * });
 * ```
 */
export interface PreInvocationContextLike {
  readonly invocationContext: InvocationContext;
  functionHandler: (...args: never[]) => unknown;
}

/**
 * Options of {@link installFaults}: those of {@link withFaults} plus which functions to instrument.
 *
 * @example
 * ```ts
 * import type { InstallFaultsOptions } from '@faultline/azure-functions';
 *
 * const options: InstallFaultsOptions = { functions: ['orders*', 'checkout'], stage: 'staging' };
 * ```
 */
export type InstallFaultsOptions = AzureFaultlineOptions & {
  /** Function names (globs, e.g. `orders*`) to instrument. Default: every function of the app. */
  readonly functions?: readonly string[];
};

/**
 * Returned by {@link installFaults}: removes the hook; invocations already running finish as they started.
 *
 * @example
 * ```ts
 * import { app } from '@azure/functions';
 * import { installFaults } from '@faultline/azure-functions';
 *
 * const installed = installFaults(app);
 * app.hook.appTerminate(() => installed.dispose());
 * ```
 */
export interface InstalledFaults {
  dispose(): void;
}

/**
 * Zero-touch mode: one call instruments every function of the app through the v4 `app.hook.preInvocation` hook,
 * which swaps each invocation's handler for its wrapped version (created once per handler and reused). Handlers
 * already wrapped with {@link withFaults} are left alone, so the two can be mixed without double injection.
 *
 * No `postInvocation` hook is needed: the wrapped handler applies `after` faults (corrupt, cors) to the result and
 * runs every cleanup itself, also when the handler throws.
 *
 * @example
 * ```ts
 * import { app } from '@azure/functions';
 * import { installFaults } from '@faultline/azure-functions';
 *
 * installFaults(app); // before or after the app.http(...) registrations
 *
 * app.http('orders', { handler: async () => ({ jsonBody: { ok: true } }) });
 * ```
 */
export function installFaults(
  app: AzureFunctionsAppLike,
  options: InstallFaultsOptions = {},
): InstalledFaults {
  const environment = options.environment ?? process.env;
  if (isKillSwitchOn(environment)) return { dispose: () => {} };
  const { functions, ...wrapOptions } = options;
  const includes = functions === undefined || functions.length === 0 ? undefined : compileGlobList(functions);
  // All functions share one options object, hence one engine; wrappers are cached per original handler.
  const resolvedOptions: AzureFaultlineOptions = { ...wrapOptions, environment };
  // One entry per function name: the hot path is a single Map lookup and an identity check.
  const byFunction = new Map<string, { original: unknown; replacement: (...args: never[]) => unknown }>();
  const wrappers = new WeakMap<object, (...args: never[]) => unknown>();
  // Wrappers are created on each function's first invocation; load the engine runtime during initialisation anyway.
  preloadFaultRuntime();
  const registration = app.hook.preInvocation((context) => {
    try {
      const original = context.functionHandler;
      const functionName = context.invocationContext.functionName;
      const cached = byFunction.get(functionName);
      if (cached !== undefined && cached.original === original) {
        if (cached.replacement !== original) context.functionHandler = cached.replacement;
        return;
      }
      let replacement: (...args: never[]) => unknown = original;
      if (
        typeof original === 'function' &&
        !isFaultWrapped(original) &&
        (includes === undefined || includes(functionName))
      ) {
        replacement = wrappers.get(original) ?? createWrapper(original);
      }
      byFunction.set(functionName, { original, replacement });
      if (replacement !== original) context.functionHandler = replacement;
    } catch {
      // Fail open: a hook problem must never fail the invocation; the original handler runs.
    }
  });
  const createWrapper = (original: (...args: never[]) => unknown) => {
    const wrapped = withFaults(original as AzureHandler<unknown, unknown>, resolvedOptions) as (
      ...args: never[]
    ) => unknown;
    wrappers.set(original, wrapped);
    return wrapped;
  };
  return { dispose: () => registration.dispose() };
}
