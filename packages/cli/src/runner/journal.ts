import type { InjectionProof } from './injection-counts.js';
import type { TimelineBucket } from './metrics.js';
import type { RollbackRecord } from './rollback.js';
import type { SignalSummary, SignalTimelinePoint } from './signals/metric-points.js';

/** One step of a run, in order. */
export interface JournalStep {
  /** ISO timestamp. */
  readonly at: string;
  /** Milliseconds since the run started. */
  readonly atMs: number;
  readonly step: string;
  readonly target?: string;
  readonly ok: boolean;
  readonly detail?: string;
}

/** One tolerance compared with what was measured. */
export interface ToleranceCheck {
  readonly name: string;
  readonly observed: number;
  readonly tolerance: string;
  readonly ok: boolean;
}

/** A window of a metric probe, judged (ms since the run started; whole periods inside it count). */
export interface SignalWindowJournal {
  readonly fromMs: number;
  readonly toMs: number;
  readonly summary: SignalSummary;
  readonly checks: readonly ToleranceCheck[];
  readonly held: boolean;
}

/** One metric probe of a target: what it read and how it judged the steady state and the fault window. */
export interface MetricSignalJournal {
  /** The probe's name, or its kind. */
  readonly name: string;
  /** `cloudwatch`, `cloud-monitoring` or `azure-monitor`. */
  readonly kind: string;
  /** What it reads, e.g. `cloudwatch AWS/Lambda Invocations FunctionName=orders (+ errors), 60 s periods`. */
  readonly description: string;
  readonly periodMs: number;
  readonly steadyState?: SignalWindowJournal;
  readonly fault?: SignalWindowJournal;
  readonly recovery?: { readonly fromMs: number; readonly toMs: number; readonly summary: SignalSummary };
  /** Every period read, in the source's own timestamps (negative: before the run started). */
  readonly timeline: readonly SignalTimelinePoint[];
  readonly reads: number;
  readonly failedReads: number;
}

/** Per-target record. */
export interface TargetJournal {
  readonly name: string;
  readonly cloud: string;
  readonly store: string;
  /** The probe's URL; absent for a target observed only by metric probes. */
  readonly probeUrl?: string;
  /**
   * The steady state of the target's first signal (its probe, else its first metric probe); `checks` and `held`
   * cover every signal of the target.
   */
  readonly steadyState: {
    readonly summary: SignalSummary;
    readonly checks: readonly ToleranceCheck[];
    readonly held: boolean;
  };
  readonly fault?: { readonly summary: SignalSummary; readonly checks: readonly ToleranceCheck[] };
  readonly recovery?: { readonly summary: SignalSummary };
  /** The target's metric probes (absent when it has none). */
  readonly metrics?: readonly MetricSignalJournal[];
  /**
   * What the run counted of the injections, per fault (from the `x-faultline-injected` header of the probe's
   * responses during the fault window); absent when nothing was injected. A target whose injection is not proven
   * is never `held`.
   */
  readonly injection?: InjectionProof;
  /** `not-proven`: the tolerances may have held, but the probe saw too few injections to tell (see `injection`). */
  readonly verdict: 'held' | 'deviated' | 'not-proven' | 'not-run';
  readonly reason?: string;
  readonly pushedVersion?: string;
  /** What the rollback did, and the store's state read back afterwards (`verified`). */
  readonly rollback?: RollbackRecord;
  readonly skippedRequests: number;
  readonly timeline: readonly TimelineBucket[];
}

/** A stop condition that fired. */
export interface StopBreach {
  readonly atMs: number;
  /** The target it fired on; absent for a run-wide condition (a CloudWatch alarm). */
  readonly target?: string;
  readonly condition: string;
  /** The value that breached, or what was seen (`ALARM`, why a metric probe went dark). */
  readonly observed: number | string;
}

/** The whole record of a `faultline run`, written as `journal.json`. */
export interface RunJournal {
  readonly journalVersion: 1;
  readonly experiment: { readonly id: string; readonly description?: string; readonly file?: string };
  readonly hypothesis: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  /** How the run ended. */
  readonly status: 'completed' | 'steady-state-failed' | 'stopped' | 'interrupted' | 'failed';
  /**
   * Overall verdict: `held` only when every target held; `deviated` when one deviated; `not-proven` when none
   * deviated but the injections of one were not proven.
   */
  readonly verdict: 'held' | 'deviated' | 'not-proven' | 'not-run';
  readonly error?: string;
  /** Phase boundaries (ms since start) for the charts. */
  readonly phases: {
    readonly steadyStateEndMs: number;
    readonly faultStartMs?: number;
    readonly measureStartMs?: number;
    readonly faultEndMs?: number;
    readonly endMs: number;
  };
  /**
   * The `window.end` given to what the run pushed (ISO 8601): after it the functions inject nothing, even if the
   * runner was killed before rolling back.
   */
  readonly expiresAt?: string;
  readonly ramp?: readonly { readonly probability: number; readonly startMs: number }[];
  readonly stopConditions: readonly string[];
  readonly breach?: StopBreach;
  readonly steps: readonly JournalStep[];
  readonly targets: readonly TargetJournal[];
}
