import type { Invocation } from '../invocation/invocation.js';
import type { CompiledExperiment, CompiledFault } from './compile.js';
import { conditionsHold } from './conditions.js';
import type { RandomSource } from './ports.js';
import { sampleFires, stickyUnit } from './sampling.js';

/** Why a plan injects nothing, or `sampled` when sampling ran (and `inject`/`wouldInject` may hold faults). */
export const decisionOutcomes = [
  'sampled',
  'disabled',
  'outside-window',
  'not-targeted',
  'production-refused',
] as const;
/**
 * @example
 * ```ts
 * if (plan.outcome === 'production-refused') console.warn('guarded');
 * ```
 */
export type DecisionOutcome = (typeof decisionOutcomes)[number];

/**
 * What to do with one invocation. Pure data; executing it is the wrapper's job.
 *
 * @example
 * ```ts
 * const plan = decide(compiled, invocation, Date.now(), Math.random);
 * if (plan.budgetLimited.length > 0) console.warn('budget reached');
 * ```
 */
export interface DecisionPlan {
  readonly outcome: DecisionOutcome;
  /** Faults to inject now (mode `enforce`), in file order. */
  readonly inject: readonly CompiledFault[];
  /** Faults that would have been injected (mode `dry-run`), in file order. */
  readonly wouldInject: readonly CompiledFault[];
  /** Faults that matched and were sampled but exceeded `guard.maxInjectionsPerMinute`. */
  readonly budgetLimited: readonly CompiledFault[];
}

const none: readonly CompiledFault[] = Object.freeze([]);
const plans: Readonly<Record<Exclude<DecisionOutcome, 'sampled'>, DecisionPlan>> = {
  disabled: Object.freeze({ outcome: 'disabled', inject: none, wouldInject: none, budgetLimited: none }),
  'outside-window': Object.freeze({
    outcome: 'outside-window',
    inject: none,
    wouldInject: none,
    budgetLimited: none,
  }),
  'not-targeted': Object.freeze({
    outcome: 'not-targeted',
    inject: none,
    wouldInject: none,
    budgetLimited: none,
  }),
  'production-refused': Object.freeze({
    outcome: 'production-refused',
    inject: none,
    wouldInject: none,
    budgetLimited: none,
  }),
};
const nothingSampled: DecisionPlan = Object.freeze({
  outcome: 'sampled',
  inject: none,
  wouldInject: none,
  budgetLimited: none,
});

/**
 * Options of {@link decide}.
 *
 * @example
 * ```ts
 * decide(compiled, invocation, Date.now(), Math.random, { budgetRemaining: 5 });
 * ```
 */
export interface DecideOptions {
  /** Injections still allowed in the current minute (default: unlimited). The engine tracks the budget. */
  readonly budgetRemaining?: number;
}

/**
 * Whether the guard treats this invocation as production: its stage matches a production glob, or its stage is
 * unknown (a function that did not declare one may well be production; unknown means unsafe).
 */
function isProduction(compiled: CompiledExperiment, invocation: Invocation): boolean {
  return invocation.stage === undefined || compiled.isProductionStage(invocation.stage);
}

/**
 * Decides which faults of a compiled experiment apply to one invocation: experiment switch, window, targets,
 * production guard, the conditions all faults share, then per fault its `match` conditions, sampling (sticky on
 * `sampleBy` when the key is present, else `random`, drawn only for faults whose conditions hold) and the injection
 * budget. Pure: the same inputs give the same plan, nothing is mutated, no event is emitted.
 *
 * @example
 * ```ts
 * import { builtinFaultRegistry } from '@faultline/core';
 *
 * const { compiled } = compileExperiment(experiment, { registry: builtinFaultRegistry });
 * const plan = decide(compiled, invocation, Date.now(), Math.random);
 * for (const fault of plan.inject) console.log('would run', fault.id);
 * ```
 */
export function decide(
  compiled: CompiledExperiment,
  invocation: Invocation,
  nowMs: number,
  random: RandomSource,
  options: DecideOptions = {},
): DecisionPlan {
  if (!compiled.armed) return plans.disabled;
  if (nowMs < compiled.startMs || nowMs >= compiled.endMs) return plans['outside-window'];
  if (compiled.targets !== undefined && !compiled.targets(invocation)) return plans['not-targeted'];
  if (!compiled.allowProduction && isProduction(compiled, invocation)) return plans['production-refused'];
  // A condition every fault requires failed: no fault can match, so none is sampled (no random draw either).
  if (compiled.sharedMatch !== undefined && !compiled.sharedMatch(invocation)) return nothingSampled;
  let selected: CompiledFault[] | undefined;
  let limited: CompiledFault[] | undefined;
  let remaining = options.budgetRemaining ?? Number.POSITIVE_INFINITY;
  const faults = compiled.faults;
  for (let index = 0; index < faults.length; index++) {
    const fault = faults[index] as CompiledFault;
    // Conditions before sampling: an armed fault usually targets a route or a tenant, so most invocations fail a
    // condition (a few ns of data checks) and never pay for a random draw or a sticky hash. The two are independent,
    // so the order changes the cost, never the decision's distribution.
    if (fault.conditions.length > 0 && !conditionsHold(fault.conditions, invocation)) continue;
    if (fault.sampleKey === undefined) {
      if (!randomlySampled(fault.probability, random)) continue;
    } else if (!stickySampled(fault, invocation, random)) {
      continue;
    }
    if (remaining <= 0) {
      limited ??= [];
      limited.push(fault);
      continue;
    }
    remaining--;
    selected ??= [];
    selected.push(fault);
  }
  if (selected === undefined && limited === undefined) return nothingSampled;
  const chosen = selected ?? none;
  return compiled.mode === 'dry-run'
    ? { outcome: 'sampled', inject: none, wouldInject: chosen, budgetLimited: limited ?? none }
    : { outcome: 'sampled', inject: chosen, wouldInject: none, budgetLimited: limited ?? none };
}

function randomlySampled(probability: number, random: RandomSource): boolean {
  if (!(probability > 0)) return false;
  if (probability >= 1) return true;
  return random() < probability;
}

function stickySampled(fault: CompiledFault, invocation: Invocation, random: RandomSource): boolean {
  const probability = fault.probability;
  if (!(probability > 0)) return false;
  if (probability >= 1) return true;
  const key = (fault.sampleKey as NonNullable<CompiledFault['sampleKey']>)(invocation);
  // Without a key there is nothing to stick to; sample like an unkeyed fault rather than never or always.
  if (key === undefined) return random() < probability;
  return sampleFires(
    probability,
    stickyUnit(fault.samplingPrefix, typeof key === 'string' ? key : String(key)),
  );
}
