/**
 * `@faultline/core/adapter-kit`: what an adapter needs to wrap a platform's handlers — the wrapper and the
 * engine's phases, the kill switch and engine resolution, the default ports, the batch capability, the error base
 * (for a source's own errors) and the injected error to extend, the process-wide "already wrapped" mark, the
 * zero-code installs' setup lines, one reading of the environment and of a function's identity (name, region,
 * stage, deadline) for every adapter, and the loader behind every deferred import (an optional cloud SDK and its
 * client, loaded on first use and retried after a failure). Dependency faults at a client library's layer (an SDK middleware) are on
 * `@faultline/core/interception`; the field reading and sticky sampling an adapter's tests check its invocations
 * against are on `@faultline/core/testing`.
 *
 * Types shared with users (`Invocation`, `NeutralResponse`, `ConfigSource`, `FaultlineOptions`, `Clock`, …) come
 * from the root entry: import them with `import type`, which loads nothing. Import values from here only, so an
 * adapter's entry loads the wrapper's modules (about half of core, measured unbundled) and not the experiment
 * format, the interceptors or the engine's runtime, which loads on the first invocation.
 *
 * @example
 * ```ts
 * import type { FaultlineOptions } from '@faultline/core';
 * import { createFaultWrapper } from '@faultline/core/adapter-kit';
 * ```
 * @packageDocumentation
 */

export type { FaultAdapter, InvocationDriver } from './adapter/adapter.js';
export { createFaultWrapper } from './adapter/create-fault-wrapper.js';
export { createPhaseWrapper, type PhaseHost } from './adapter/phase-wrapper.js';
export {
  deadlineAfter,
  type PlatformIdentity,
  type PlatformIdentityOptions,
  type PlatformVariables,
  resolvePlatformIdentity,
} from './adapter/platform-identity.js';
export { reasonPhraseOf } from './adapter/reason-phrase.js';
export { isKillSwitchOn, resolveFaultEngine } from './adapter/resolve-engine.js';
export {
  instrumentFailingOpen,
  isFaultWrapped,
  markFaultWrapped,
  minimumZeroCodeNodeMajor,
  reportSetup,
  summarizeError,
  unsupportedNodeVersion,
} from './adapter/zero-code.js';
export { createDeferredSource } from './config/deferred-source.js';
export {
  type EnvironmentVariables,
  environmentFlagWords,
  nonBlank,
  parseEnvironmentFlag,
  readEnvironmentValue,
} from './config/environment-values.js';
export { contentVersionOf } from './config/load-content-version.js';
export { rejectOnAbort } from './config/reject-on-abort.js';
export type {
  FaultRun,
  HandlerOutcome,
  NativeAnswers,
  NativeResponses,
  ShortCircuit,
} from './engine/fault-run.js';
export { loadFaultRuntime, preloadFaultRuntime } from './engine/fault-runtime-loader.js';
export { createModuleLoader, type ModuleLoader } from './engine/module-loader.js';
export type { MatchFieldKind, NativeFieldReader } from './engine/native-fields.js';
export { systemClock, systemRandom, systemSleep } from './engine/ports.js';
export { FaultlineError } from './errors/faultline-error.js';
export { batchCapability } from './faults/batch-capability.js';
export { InjectedFaultError } from './faults/injected-fault-error.js';
export { singleHandlerCallCapability } from './faults/single-handler-call.js';
export { throttledResponse } from './faults/throttled-response.js';
export type { FieldValue } from './invocation/fields.js';
export { scalarFieldValue } from './invocation/read-value.js';
export { compileGlobList, type GlobMatcher } from './matching/glob.js';
