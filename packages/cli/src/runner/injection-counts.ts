import { randomBytes } from 'node:crypto';
import type { Sample } from './metrics.js';

/**
 * How `faultline run` proves that faults fired. The run puts a random token in the experiment it pushes
 * (`runToken`); its HTTP probes send it (`x-faultline-run-token`), and the adapters answer a request carrying it
 * with `x-faultline-injected: <fault ids>` when faults were injected into it. This module counts those markers per
 * target and per fault over the fault window, compares them with what the configured probability makes likely, and
 * says whether injection is proven. A run whose faults did not fire is never green.
 */

/** One fault of the pushed experiment, as the counting needs it. */
export interface CountedFault {
  readonly id: string;
  readonly type: string;
  /** The probability pushed (before any ramp). */
  readonly probability: number;
  /**
   * Whether the fault fires only for some requests whatever its probability (`match` conditions, sticky `sampleBy`):
   * the probe's requests may never qualify, so no count is expected of it.
   */
  readonly conditional: boolean;
}

/**
 * How one fault's count compares with the probability:
 *
 * - `proven`: injections observed, at least as many as the probability makes likely;
 * - `below-expected` / `not-injected`: far fewer than likely (a binomial lower bound), or none: the run is not green;
 * - `unmarked`: fewer markers than likely, but as many failed requests without a marker as the gap (an injected
 *   error answered by the platform itself, e.g. a Lambda exception behind API Gateway, cannot carry the header);
 * - `too-few-requests`: none observed, but too few requests to expect one;
 * - `not-observed`: a conditional fault (match, sampleBy) none of the probe's requests got.
 */
export const faultInjectionStatuses = [
  'proven',
  'below-expected',
  'not-injected',
  'unmarked',
  'too-few-requests',
  'not-observed',
] as const;
/** How one fault's count compares with its probability (see `faultInjectionStatuses`). */
export type FaultInjectionStatus = (typeof faultInjectionStatuses)[number];

/** One fault's injections on one target, in the journal. */
export interface FaultInjectionCount {
  readonly id: string;
  readonly type: string;
  /** The probability pushed (a ramp changes it over time; `expected` follows the ramp). */
  readonly probability: number;
  /** Probe requests of the fault window whose response named this fault. */
  readonly injected: number;
  /** What the probability makes likely (sum over the requests), rounded; absent for conditional faults. */
  readonly expected?: number;
  /**
   * Fewer than this is "far fewer" than expected: below both four standard deviations under `expected` (binomial)
   * and half of it.
   */
  readonly minimumExpected?: number;
  readonly status: FaultInjectionStatus;
}

/**
 * Whether the run proved injection on a target: `proven`; `not-proven` (the verdict cannot be green);
 * `not-observable` (no HTTP probe: queue, schedule or metric-only targets; see the function's `inject` events and
 * the `faultline` injection metrics instead); `dry-run` (nothing is injected by design).
 */
export const injectionProofStatuses = ['proven', 'not-proven', 'not-observable', 'dry-run'] as const;
/** Whether the run proved injection on a target (see `injectionProofStatuses`). */
export type InjectionProofStatus = (typeof injectionProofStatuses)[number];

/** The injection counts of one target, in the journal. */
export interface InjectionProof {
  readonly status: InjectionProofStatus;
  /** In words: what was counted and why the status is what it is. */
  readonly reason: string;
  /** Probe requests answered during the fault window (the ones counted). */
  readonly requests: number;
  /** Of those, the ones whose response named at least one fault. */
  readonly markedRequests: number;
  /** Failed requests without a marker: timeouts, network errors, and 5xx answers the platform wrote itself. */
  readonly failuresWithoutMarker: number;
  readonly faults: readonly FaultInjectionCount[];
}

/** A probability in force from `startMs` on (ms since the run started); the ramp's steps. */
export interface ProbabilityStep {
  readonly startMs: number;
  /** `NaN` when the step keeps the pushed probabilities (no ramp). */
  readonly probability: number;
}

/** Options of {@link countInjections}. */
export interface CountInjectionsOptions {
  /** The faults of the pushed experiment that can fire (enabled, probability above 0). */
  readonly faults: readonly CountedFault[];
  /** The experiment's mode. */
  readonly mode: 'enforce' | 'dry-run';
  /** The target's probe samples of the fault window; `undefined` when the target has no HTTP probe. */
  readonly samples: readonly Sample[] | undefined;
  /** The ramp's steps, in order; empty or absent without a ramp. */
  readonly steps?: readonly ProbabilityStep[];
  /**
   * How long the functions may take to see a pushed step: a request within this time after a step is expected at
   * the lower of the two probabilities.
   */
  readonly propagationWaitMs?: number;
  /**
   * Whether the platform answers failures itself on this target's cloud, so they cannot carry the marker (AWS
   * Lambda behind API Gateway or a Function URL, Azure Functions). Default `true`.
   */
  readonly platformAnswersFailures?: boolean;
  /** Why `samples` is absent, when it is for another reason than "no HTTP probe" (e.g. another load driver). */
  readonly unobservableReason?: string;
}

/**
 * A count is "far fewer" than expected below both of: four standard deviations under the expected count (binomial,
 * one-sided: a false alarm about 3 times in 100 000), and half of it. The second bound absorbs what the binomial
 * model leaves out: functions that pick a pushed step up a little after the propagation wait (a stale cached config
 * served while it refreshes), which with a probability of 1 (no variance) would otherwise fail a run over a
 * handful of requests.
 */
const deviationsBelow = 4;
const shareBelow = 0.5;

/**
 * A fresh run token: 32 random bytes, base64url (43 characters), for the pushed experiment's `runToken`.
 *
 * @example
 * ```ts
 * const document = { ...experiment, runToken: createRunToken() };
 * ```
 */
export function createRunToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * The faults of a pushed document that can fire, for {@link countInjections}.
 *
 * @example
 * ```ts
 * countedFaultsOf({ faults: [{ id: 'slow', type: 'latency', probability: 0.5 }] });
 * // → [{ id: 'slow', type: 'latency', probability: 0.5, conditional: false }]
 * ```
 */
export function countedFaultsOf(document: Readonly<Record<string, unknown>>): CountedFault[] {
  const faults = Array.isArray(document.faults) ? document.faults : [];
  const counted: CountedFault[] = [];
  for (const entry of faults) {
    if (typeof entry !== 'object' || entry === null) continue;
    const fault = entry as Record<string, unknown>;
    const probability = typeof fault.probability === 'number' ? fault.probability : 0;
    if (fault.enabled === false || !(probability > 0) || typeof fault.id !== 'string') continue;
    counted.push({
      id: fault.id,
      type: String(fault.type),
      probability,
      conditional:
        (Array.isArray(fault.match) && fault.match.length > 0) ||
        (typeof fault.sampleBy === 'string' && probability < 1),
    });
  }
  return counted;
}

/**
 * Counts the injections the probe's responses name, per fault, and judges them against the probability.
 *
 * @example
 * ```ts
 * const proof = countInjections({ faults: countedFaultsOf(document), mode: 'enforce', samples });
 * if (proof.status !== 'proven') console.warn(proof.reason);
 * ```
 */
export function countInjections(options: CountInjectionsOptions): InjectionProof {
  const { faults, samples } = options;
  if (options.mode === 'dry-run') {
    return emptyProof(
      'dry-run',
      'dry-run: the functions inject nothing by design, so nothing is counted',
      faults,
    );
  }
  if (samples === undefined) {
    return emptyProof(
      'not-observable',
      options.unobservableReason ??
        'no HTTP probe on this target: the run cannot count injections here; see the functions’ inject events and the faultline injection metrics',
      faults,
    );
  }
  const injectedById = new Map<string, number>(faults.map((fault) => [fault.id, 0]));
  let markedRequests = 0;
  let failuresWithoutMarker = 0;
  const platformAnswersFailures = options.platformAnswersFailures ?? true;
  for (const sample of samples) {
    const injected = sample.injected;
    if (injected !== undefined && injected.length > 0) {
      markedRequests++;
      for (const id of injected) {
        const count = injectedById.get(id);
        if (count !== undefined) injectedById.set(id, count + 1);
      }
    } else if (
      !sample.ok &&
      (sample.status === undefined || (platformAnswersFailures && sample.status >= 500))
    ) {
      failuresWithoutMarker++;
    }
  }
  const counts = faults.map((fault): FaultInjectionCount => {
    const injected = injectedById.get(fault.id) ?? 0;
    const base = { id: fault.id, type: fault.type, probability: fault.probability, injected };
    if (fault.conditional) return { ...base, status: injected > 0 ? 'proven' : 'not-observed' };
    let mean = 0;
    let variance = 0;
    for (const sample of samples) {
      const probability = probabilityAt(fault, sample.atMs, options);
      mean += probability;
      variance += probability * (1 - probability);
    }
    const minimum = Math.max(
      0,
      Math.floor(Math.min(mean - deviationsBelow * Math.sqrt(variance), mean * shareBelow)),
    );
    const expected = { expected: round(mean), minimumExpected: minimum };
    const status: FaultInjectionStatus =
      injected > 0 && injected >= minimum
        ? 'proven'
        : minimum >= 1 && injected + failuresWithoutMarker >= minimum
          ? injected > 0
            ? 'proven'
            : 'unmarked'
          : minimum >= 1
            ? injected === 0
              ? 'not-injected'
              : 'below-expected'
            : 'too-few-requests';
    return { ...base, ...expected, status };
  });
  const failing = counts.filter(
    (count) => count.status === 'not-injected' || count.status === 'below-expected',
  );
  const proven = counts.filter((count) => count.status === 'proven' || count.status === 'unmarked');
  const counted = `${samples.length} probe request(s), ${markedRequests} marked as injected`;
  let status: InjectionProofStatus;
  let reason: string;
  if (failing.length > 0) {
    status = 'not-proven';
    reason = `${counted}; ${failing.map(describeShortfall).join('; ')}`;
  } else if (proven.length > 0) {
    status = 'proven';
    reason = `${counted}; ${proven.map(describeProven).join('; ')}`;
  } else {
    status = 'not-proven';
    reason =
      samples.length === 0
        ? 'no probe request was answered during the fault window: no injection observed'
        : `${counted}: no injection observed${faults.length === 0 ? ' (no fault can fire)' : ''}`;
  }
  return {
    status,
    reason,
    requests: samples.length,
    markedRequests,
    failuresWithoutMarker,
    faults: counts,
  };
}

/** The fault's probability for a request sent at `atMs`: the ramp step in force, the lower one near a step change. */
function probabilityAt(fault: CountedFault, atMs: number, options: CountInjectionsOptions): number {
  const steps = options.steps ?? [];
  if (steps.length === 0) return fault.probability;
  const at = (ms: number) => {
    let probability = fault.probability;
    for (const step of steps) {
      if (step.startMs > ms) break;
      probability = Number.isNaN(step.probability) ? fault.probability : step.probability;
    }
    return probability;
  };
  return Math.min(at(atMs), at(atMs - (options.propagationWaitMs ?? 0)));
}

function describeShortfall(count: FaultInjectionCount): string {
  return count.injected === 0
    ? `${count.id}: no injection observed, at least ${count.minimumExpected} expected (about ${count.expected} at probability ${count.probability})`
    : `${count.id}: ${count.injected} injection(s) observed, at least ${count.minimumExpected} expected (about ${count.expected})`;
}

function describeProven(count: FaultInjectionCount): string {
  if (count.status === 'unmarked')
    return `${count.id}: no marker, but as many failed requests without one as expected injections (the platform answered them)`;
  return count.expected === undefined
    ? `${count.id}: ${count.injected} injected`
    : `${count.id}: ${count.injected} injected (about ${count.expected} expected)`;
}

function emptyProof(
  status: InjectionProofStatus,
  reason: string,
  faults: readonly CountedFault[],
): InjectionProof {
  return {
    status,
    reason,
    requests: 0,
    markedRequests: 0,
    failuresWithoutMarker: 0,
    faults: faults.map((fault) => ({
      id: fault.id,
      type: fault.type,
      probability: fault.probability,
      injected: 0,
      status: 'not-observed',
    })),
  };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
