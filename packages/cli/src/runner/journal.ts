import type { SampleSummary, TimelineBucket } from './metrics.js';
import type { RollbackRecord } from './rollback.js';

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

/** Per-target record. */
export interface TargetJournal {
  readonly name: string;
  readonly cloud: string;
  readonly store: string;
  readonly probeUrl: string;
  readonly steadyState: {
    readonly summary: SampleSummary;
    readonly checks: readonly ToleranceCheck[];
    readonly held: boolean;
  };
  readonly fault?: { readonly summary: SampleSummary; readonly checks: readonly ToleranceCheck[] };
  readonly recovery?: { readonly summary: SampleSummary };
  readonly verdict: 'held' | 'deviated' | 'not-run';
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
  readonly target: string;
  readonly condition: string;
  readonly observed: number;
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
  /** Overall verdict: `held` only when every target held. */
  readonly verdict: 'held' | 'deviated' | 'not-run';
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
