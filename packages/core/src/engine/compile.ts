import { defaultProductionStages } from '../experiment/experiment-schema.js';
import type { ExperimentDefinition, FaultDefinition, MatchCondition } from '../experiment/types.js';
import type { FaultEffect, FaultPhase, FaultType } from '../faults/fault-type.js';
import type { FaultRegistry } from '../faults/registry.js';
import { compileFieldReader, type FieldReader } from '../invocation/fields.js';
import type { Invocation } from '../invocation/invocation.js';
import { compileGlobList, type GlobMatcher } from '../matching/glob.js';
import { areValuesHidden, invalid, type ValidationIssue } from '../schema/schema.js';
import {
  type CompiledCondition,
  compileCondition,
  conditionHolds,
  conditionsHold,
  createNativeMatchPlan,
  createNativeReads,
} from './conditions.js';
import { nothingCanFire, nothingCanFireByPlan } from './native-decision.js';
import type { NativeFieldReader } from './native-fields.js';
import { createSamplingPrefix, type SamplingPrefix } from './sampling.js';

/**
 * Compiling turns a validated experiment into closures and numbers once per config version, so deciding per
 * invocation only calls precompiled matchers: no parsing, no globs compiled, no dates parsed on the hot path.
 */

export type { CompiledCondition } from './conditions.js';

/**
 * A predicate over an invocation.
 *
 * @example
 * ```ts
 * const isGet: InvocationPredicate = (invocation) => invocation.http?.method === 'GET';
 * ```
 */
export type InvocationPredicate = (invocation: Invocation) => boolean;

/**
 * One fault entry, ready to decide and execute.
 *
 * @example
 * ```ts
 * for (const fault of compiled.faults) console.log(fault.id, fault.phase, fault.probability);
 * ```
 */
export interface CompiledFault {
  /** Position in the experiment's `faults` list (also the execution order within a phase). */
  readonly index: number;
  readonly id: string;
  readonly type: string;
  readonly phase: FaultPhase;
  readonly definition: FaultDefinition;
  readonly faultType: FaultType;
  readonly effect: FaultEffect;
  readonly probability: number;
  /** `undefined` when the fault has no `match` (matches everything). */
  readonly matches: InvocationPredicate | undefined;
  /** The same conditions as data, cheapest first (empty without `match`): what the decision checks. */
  readonly conditions: readonly CompiledCondition[];
  /** Reads the sticky sampling key (`sampleBy`); `undefined` when sampling is random. */
  readonly sampleKey: FieldReader | undefined;
  readonly samplingPrefix: SamplingPrefix;
}

/**
 * Mutable, per-config-version bookkeeping of the engine (once-per-version events, the injection budget).
 *
 * @example
 * ```ts
 * compiled.state.budgetUsed; // injections booked in the current minute
 * ```
 */
export interface CompiledExperimentState {
  expiredReported: boolean;
  productionRefusedReported: boolean;
  /** Minute (epoch ms / 60 000, floored) the budget counts in. */
  budgetMinute: number;
  budgetUsed: number;
  budgetExhaustedReportedMinute: number;
}

/**
 * A validated experiment compiled for one config version.
 *
 * @example
 * ```ts
 * import { builtinFaultRegistry } from '@faultline/core';
 * const { compiled } = compileExperiment(experiment, { registry: builtinFaultRegistry });
 * if (compiled.armed) console.log(compiled.faults.map((fault) => fault.id));
 * ```
 */
export interface CompiledExperiment {
  readonly experimentId: string;
  readonly configVersion: string | undefined;
  readonly definition: ExperimentDefinition;
  readonly mode: ExperimentDefinition['mode'];
  /**
   * Whether anything can ever fire in this version: the experiment is enabled and at least one fault is enabled
   * with a probability above 0. The wrapper's idle check reads only this (and the window).
   */
  readonly armed: boolean;
  /** Epoch ms; `-Infinity` when the window has no start. */
  readonly startMs: number;
  /** Epoch ms (exclusive); `Infinity` when the window has no end. */
  readonly endMs: number;
  readonly hasWindow: boolean;
  /** `undefined` when the experiment targets every function. */
  readonly targets: InvocationPredicate | undefined;
  /**
   * Whether a stage counts as production (the guard), case-insensitive: the default globs plus the document's
   * `guard.productionStages`.
   */
  readonly isProductionStage: GlobMatcher;
  readonly allowProduction: boolean;
  /** `Infinity` when unlimited. */
  readonly maxInjectionsPerMinute: number;
  /** Faults that can fire (enabled, probability > 0), in file order. */
  readonly faults: readonly CompiledFault[];
  /**
   * The `match` conditions every fault requires (same field, operator and value), checked once per invocation
   * before any fault: when they fail, nothing can fire. `undefined` when the faults share none, or for one fault.
   */
  readonly sharedMatch: InvocationPredicate | undefined;
  /** The experiment's `runToken`: requests carrying it get the injected faults in a response header. */
  readonly runToken: string | undefined;
  /** The conditions of {@link CompiledExperiment.sharedMatch} as data, cheapest first (empty when there are none). */
  readonly sharedConditions: readonly CompiledCondition[];
  /**
   * Whether, read from the native arguments through `reader`, some condition of every fault fails, so deciding on
   * the built invocation would fire, would-inject, book and report nothing; `false` when that is not certain or
   * there is no reader. The wrapper calls it before building the invocation (it lives here so the engine's code
   * stays out of the wrapper's).
   */
  nothingMatches<First, Second>(
    reader: NativeFieldReader<First, Second> | undefined,
    first: First,
    second: Second,
  ): boolean;
  readonly state: CompiledExperimentState;
}

/**
 * A fault entry that could not be compiled (its effect factory threw, or its attributes were invalid).
 *
 * @example
 * ```ts
 * const { skipped } = compileExperiment(experiment, { registry });
 * for (const entry of skipped) console.warn(`fault ${entry.id} skipped: ${entry.reason}`);
 * ```
 */
export interface UncompiledFault {
  readonly index: number;
  readonly id: string | undefined;
  readonly type: string | undefined;
  readonly reason: string;
  readonly issues: readonly ValidationIssue[];
}

/**
 * @example
 * ```ts
 * const { compiled, skipped }: CompileResult = compileExperiment(experiment, { registry });
 * ```
 */
export interface CompileResult {
  readonly compiled: CompiledExperiment;
  readonly skipped: readonly UncompiledFault[];
}

const commonFaultKeys: ReadonlySet<string> = new Set([
  'id',
  'type',
  'enabled',
  'probability',
  'sampleBy',
  'match',
  'scope',
]);

function parseTime(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? fallback : parsed;
}

/**
 * Compiles one match condition into a predicate. Absent fields match only `neq` and `exists: false`. Values are
 * compared by type when both sides have the same type, else by their string forms (`"5"` equals `5`), because
 * headers and query parameters are always strings.
 *
 * @example
 * ```ts
 * const isAdmin = compileMatchCondition({ field: 'http.path', op: 'prefix', value: '/admin' });
 * ```
 */
export function compileMatchCondition(condition: MatchCondition): InvocationPredicate {
  const compiled = compileCondition(condition);
  return (invocation) => conditionHolds(compiled, invocation);
}

/** Rough relative cost of checking a condition: plain fields, then header/query lookups, then raw paths; lists last. */
function conditionCost(condition: MatchCondition): number {
  const field = condition.field;
  const base = field.startsWith('raw.')
    ? 4
    : field.startsWith('http.header.') || field.startsWith('http.query.')
      ? 2
      : 0;
  return base + (condition.op === 'glob' || condition.op === 'in' ? 1 : 0);
}

/**
 * ANDs the conditions; `undefined` for none, so "no match" costs nothing per invocation. Conditions are pure, so
 * they are checked cheapest first (a path prefix before a header lookup before a raw event path).
 *
 * @example
 * ```ts
 * const matches = compileMatch([{ field: 'http.method', op: 'eq', value: 'GET' }]);
 * matches?.(invocation); // true for GET requests
 * ```
 */
export function compileMatch(
  conditions: readonly MatchCondition[] | undefined,
): InvocationPredicate | undefined {
  const compiled = compileConditions(conditions);
  if (compiled.length === 0) return undefined;
  if (compiled.length === 1) {
    const only = compiled[0] as CompiledCondition;
    return (invocation) => conditionHolds(only, invocation);
  }
  return (invocation) => conditionsHold(compiled, invocation);
}

const noConditions: readonly CompiledCondition[] = Object.freeze([]);

/** The conditions compiled, cheapest first (a path prefix before a header lookup before a raw event path). */
function compileConditions(conditions: readonly MatchCondition[] | undefined): readonly CompiledCondition[] {
  if (conditions === undefined || conditions.length === 0) return noConditions;
  return [...conditions].sort((a, b) => conditionCost(a) - conditionCost(b)).map(compileCondition);
}

/**
 * One predicate for the conditions all faults have in common. Several faults aimed at one route (`http.path prefix
 * /checkout`: a latency, an error, a throttle) then cost one check on every other request instead of one per fault.
 * Conditions compare as written: `http.header.X-Tenant` and `http.header.x-tenant` are not merged.
 */
function compileSharedConditions(faults: readonly CompiledFault[]): readonly CompiledCondition[] {
  const shared = sharedConditionsOf(faults);
  return shared === undefined ? noConditions : compileConditions(shared);
}

function compileSharedMatch(conditions: readonly CompiledCondition[]): InvocationPredicate | undefined {
  if (conditions.length === 0) return undefined;
  if (conditions.length === 1) {
    const only = conditions[0] as CompiledCondition;
    return (invocation) => conditionHolds(only, invocation);
  }
  return (invocation) => conditionsHold(conditions, invocation);
}

function sharedConditionsOf(faults: readonly CompiledFault[]): MatchCondition[] | undefined {
  if (faults.length < 2) return undefined;
  let shared: Map<string, MatchCondition> | undefined;
  for (const fault of faults) {
    const conditions = fault.definition.match ?? [];
    if (shared === undefined) {
      shared = new Map(conditions.map((condition) => [conditionKey(condition), condition]));
    } else {
      const own = new Set(conditions.map(conditionKey));
      for (const key of shared.keys()) if (!own.has(key)) shared.delete(key);
    }
    if (shared.size === 0) return undefined;
  }
  return [...(shared as Map<string, MatchCondition>).values()];
}

function conditionKey(condition: MatchCondition): string {
  return JSON.stringify([condition.field, condition.op, condition.value]);
}

/**
 * Whether a function of this cloud, name and stage is one the experiment targets; `undefined` when it targets every
 * function. Cloud, function and stage are the same for every invocation of a function instance, so the verdict is
 * remembered for the last combination seen: one to three string comparisons instead of glob matching.
 */
type TargetCheck = (cloud: string, functionName: string, stage: string | undefined) => boolean;

function compileTargetCheck(target: ExperimentDefinition['target']): TargetCheck | undefined {
  if (target === undefined) return undefined;
  const checks: TargetCheck[] = [];
  if (target.clouds !== undefined && target.clouds.length > 0) {
    const clouds: ReadonlySet<string> = new Set(target.clouds);
    checks.push((cloud) => clouds.has(cloud));
  }
  if (target.functions !== undefined && target.functions.length > 0) {
    const functions = compileGlobList(target.functions);
    checks.push((_cloud, functionName) => functions(functionName));
  }
  if (target.stages !== undefined && target.stages.length > 0) {
    const stages = compileGlobList(target.stages, { caseInsensitive: true });
    checks.push((_cloud, _functionName, stage) => stage !== undefined && stages(stage));
  }
  if (checks.length === 0) return undefined;
  let lastCloud: string | undefined;
  let lastFunction: string | undefined;
  let lastStage: string | undefined;
  let lastVerdict = false;
  let remembered = false;
  return (cloud, functionName, stage) => {
    if (remembered && cloud === lastCloud && functionName === lastFunction && stage === lastStage) {
      return lastVerdict;
    }
    let verdict = true;
    for (const check of checks) {
      if (!check(cloud, functionName, stage)) {
        verdict = false;
        break;
      }
    }
    lastCloud = cloud;
    lastFunction = functionName;
    lastStage = stage;
    lastVerdict = verdict;
    remembered = true;
    return verdict;
  };
}

function targetPredicate(check: TargetCheck | undefined): InvocationPredicate | undefined {
  return check === undefined
    ? undefined
    : (invocation) => check(invocation.cloud, invocation.function, invocation.stage);
}

/** A stage matcher that remembers its last answer (the stage rarely changes within an instance). */
function rememberLastStage(matcher: GlobMatcher): GlobMatcher {
  let lastStage: string | undefined;
  let lastVerdict = false;
  return (stage) => {
    if (stage === lastStage) return lastVerdict;
    lastVerdict = matcher(stage);
    lastStage = stage;
    return lastVerdict;
  };
}

function pickAttributes(definition: FaultDefinition): Record<string, unknown> {
  const attributes: Record<string, unknown> = {};
  for (const key of Object.keys(definition)) {
    if (!commonFaultKeys.has(key)) attributes[key] = definition[key];
  }
  return attributes;
}

// A fault type's error may quote its attributes; inside a function only its name is reported.
function describePreparationError(error: unknown): string {
  if (areValuesHidden()) return error instanceof Error ? error.name : typeof error;
  return error instanceof Error ? error.message : String(error);
}

function compileFault(
  definition: FaultDefinition,
  index: number,
  experiment: ExperimentDefinition,
  registry: FaultRegistry,
  unpreparedTypes: ReadonlyMap<string, unknown> | undefined,
): CompiledFault | UncompiledFault {
  const skip = (reason: string, issues: readonly ValidationIssue[] = []): UncompiledFault => ({
    index,
    id: definition.id,
    type: definition.type,
    reason,
    issues,
  });
  const faultType = registry.get(definition.type);
  if (faultType === undefined) {
    return skip(areValuesHidden() ? 'unknown fault type' : `unknown fault type "${definition.type}"`);
  }
  // Validation requires it; an experiment built by hand must not widen the blast radius without saying so either.
  if (faultType.reach === 'process' && definition.scope !== 'process')
    return skip(
      `a ${definition.type} fault acts on the whole instance and needs scope: process (invocations running next to the sampled one are affected too)`,
    );
  // Validation already ran; validating the attributes again is cheap (once per version) and gives the type its
  // defaults even when the experiment was built by hand rather than parsed.
  const issues: ValidationIssue[] = [];
  const attributes = faultType.attributes.validate(pickAttributes(definition), `faults[${index}]`, issues);
  if (attributes === invalid) return skip('invalid attributes', issues);
  if (unpreparedTypes?.has(definition.type) === true) {
    return skip(`could not be prepared: ${describePreparationError(unpreparedTypes.get(definition.type))}`);
  }
  let effect: FaultEffect;
  let conditions: readonly CompiledCondition[];
  let matches: InvocationPredicate | undefined;
  let sampleKey: FieldReader | undefined;
  try {
    effect = faultType.create(attributes, definition);
    conditions = compileConditions(definition.match);
    matches = conditions.length === 0 ? undefined : (invocation) => conditionsHold(conditions, invocation);
    sampleKey = definition.sampleBy === undefined ? undefined : compileFieldReader(definition.sampleBy);
  } catch (error) {
    return skip(`could not be prepared: ${describePreparationError(error)}`);
  }
  return {
    index,
    id: definition.id,
    type: definition.type,
    phase: faultType.phase,
    definition,
    faultType,
    effect,
    probability: definition.probability,
    matches,
    conditions,
    sampleKey,
    samplingPrefix: createSamplingPrefix(experiment.seed ?? '', experiment.id, definition.id),
  };
}

/**
 * Compiles a validated experiment for one config version. Fault entries that cannot be prepared are returned in
 * `skipped` (the engine reports each once) while the others still apply. Never throws for a validated experiment.
 *
 * @example
 * ```ts
 * import { builtinFaultRegistry } from '@faultline/core';
 *
 * const { experiment } = parseExperimentForRuntime(JSON.parse(text));
 * if (experiment) {
 *   const { compiled, skipped } = compileExperiment(experiment, { registry: builtinFaultRegistry, configVersion: '7' });
 * }
 * ```
 */
export function compileExperiment(
  experiment: ExperimentDefinition,
  options: {
    readonly registry: FaultRegistry;
    readonly configVersion?: string | undefined;
    /** Fault types whose `prepare` failed (see `prepareFaultTypes`), with the error: their faults are skipped. */
    readonly unpreparedTypes?: ReadonlyMap<string, unknown> | undefined;
  },
): CompileResult {
  const faults: CompiledFault[] = [];
  const skipped: UncompiledFault[] = [];
  experiment.faults.forEach((definition, index) => {
    if (!definition.enabled || !(definition.probability > 0)) return;
    const result = compileFault(definition, index, experiment, options.registry, options.unpreparedTypes);
    if ('effect' in result) faults.push(result);
    else skipped.push(result);
  });
  const startMs = parseTime(experiment.window?.start, Number.NEGATIVE_INFINITY);
  const endMs = parseTime(experiment.window?.end, Number.POSITIVE_INFINITY);
  const guard = experiment.guard;
  // The defaults always apply: a document can name more production stages, never fewer (narrowing the list would
  // let a document switch its own guard off without guard.allowProduction).
  const productionStages = [...new Set([...defaultProductionStages, ...(guard?.productionStages ?? [])])];
  const maxPerMinute = guard?.maxInjectionsPerMinute;
  const sharedConditions = compileSharedConditions(faults);
  const targetCheck = compileTargetCheck(experiment.target);
  const nativeReads = createNativeReads(
    sharedConditions,
    faults.map((fault) => fault.conditions),
    targetCheck,
  );
  // Up to 30 faults (nearly every experiment) the native decision follows a plan; beyond, it checks fault by fault.
  const nativePlan = createNativeMatchPlan(faults.map((fault) => fault.conditions));
  const compiled: CompiledExperiment = {
    experimentId: experiment.id,
    configVersion: options.configVersion,
    definition: experiment,
    mode: experiment.mode,
    armed: experiment.enabled && faults.length > 0 && startMs < endMs,
    startMs,
    endMs,
    hasWindow: startMs !== Number.NEGATIVE_INFINITY || endMs !== Number.POSITIVE_INFINITY,
    targets: targetPredicate(targetCheck),
    isProductionStage: rememberLastStage(compileGlobList(productionStages, { caseInsensitive: true })),
    allowProduction: guard?.allowProduction === true,
    maxInjectionsPerMinute: maxPerMinute === undefined ? Number.POSITIVE_INFINITY : maxPerMinute,
    faults,
    runToken: experiment.runToken,
    sharedMatch: compileSharedMatch(sharedConditions),
    sharedConditions,
    nothingMatches:
      nativePlan === undefined
        ? function nothingMatches(reader, first, second) {
            return reader !== undefined && nothingCanFire(compiled, reader, first, second, nativeReads);
          }
        : function nothingMatches(reader, first, second) {
            return (
              reader !== undefined &&
              nothingCanFireByPlan(compiled, nativePlan, targetCheck, reader, first, second)
            );
          },
    state: {
      expiredReported: false,
      productionRefusedReported: false,
      budgetMinute: -1,
      budgetUsed: 0,
      budgetExhaustedReportedMinute: -1,
    },
  };
  return { compiled, skipped };
}
