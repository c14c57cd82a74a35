import type { Cloud } from '../invocation/invocation.js';

/**
 * The types an experiment file validates into (schema v1). The schema in `experiment-schema.ts` is the source of
 * truth for what is accepted; these types are what the engine consumes after validation (defaults applied).
 */

export const experimentModes = ['enforce', 'dry-run'] as const;
export type ExperimentMode = (typeof experimentModes)[number];

export const matchOperators = [
  'eq',
  'neq',
  'in',
  'exists',
  'prefix',
  'suffix',
  'glob',
  'gte',
  'lte',
] as const;
export type MatchOperator = (typeof matchOperators)[number];

/** A scalar a match condition compares with. */
export type MatchValue = string | number | boolean;

/** One condition on a normalized invocation field; all conditions of a fault must hold (AND). */
export interface MatchCondition {
  /** e.g. `http.path`, `http.header.x-tenant`, `raw.detail.orderId`. */
  readonly field: string;
  readonly op: MatchOperator;
  /** Required for every operator but `exists`; a list for `in`; a boolean (default true) for `exists`. */
  readonly value?: MatchValue | readonly MatchValue[];
}

/** The time window outside of which nothing is injected (auto-expiry). ISO 8601 strings. */
export interface ExperimentWindow {
  readonly start?: string;
  readonly end?: string;
}

/** Which functions the experiment applies to. Absent lists mean "any". */
export interface ExperimentTarget {
  readonly clouds?: readonly Cloud[];
  /** Function-name globs (`*`, `?`), e.g. `orders-*`. */
  readonly functions?: readonly string[];
  /** Stage names or globs, e.g. `dev`, `staging-*`. */
  readonly stages?: readonly string[];
}

/** Safety limits. */
export interface ExperimentGuard {
  /** Injections allowed per minute per instance; further sampled invocations run untouched. */
  readonly maxInjectionsPerMinute?: number;
  /** Production stages are refused unless this is true. */
  readonly allowProduction: boolean;
  /** Globs naming production stages. Default: `prod`, `prod-*`, `prod*`, `production`, `live`. */
  readonly productionStages: readonly string[];
}

/** Fields every fault has, whatever its type. */
export interface FaultCommon {
  readonly id: string;
  readonly type: string;
  readonly enabled: boolean;
  /** Chance in [0, 1] that a matching invocation is injected; fractions below 1 % are fine (0.001). */
  readonly probability: number;
  /** A field whose value keys sticky sampling: the same value always gets the same decision. */
  readonly sampleBy?: string;
  readonly match?: readonly MatchCondition[];
  /**
   * `process` on fault types that act on the whole instance (`config`, `diskfill`): required there, refused
   * elsewhere. Concurrent invocations of the same instance are affected too.
   */
  readonly scope?: 'process';
}

/** A fault entry: the common fields plus the attributes of its type (validated by the type's schema). */
export interface FaultDefinition extends FaultCommon {
  readonly [attribute: string]: unknown;
}

/** A validated experiment (schema v1). */
export interface ExperimentDefinition {
  readonly schemaVersion: 1;
  readonly id: string;
  readonly description?: string;
  readonly enabled: boolean;
  readonly mode: ExperimentMode;
  readonly seed?: string;
  readonly window?: ExperimentWindow;
  readonly target?: ExperimentTarget;
  readonly guard: ExperimentGuard;
  /** Valid fault entries only; invalid ones are reported and dropped by `parseExperimentForRuntime`. */
  readonly faults: readonly FaultDefinition[];
  /** The `faultline run` section (steady state, load, stop conditions, targets); ignored by the runtime. */
  readonly run?: unknown;
  /**
   * Set by `faultline run`: HTTP requests carrying it in the `x-faultline-run-token` header get an
   * `x-faultline-injected` response header naming the faults injected into them.
   */
  readonly runToken?: string;
}
