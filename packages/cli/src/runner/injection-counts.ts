import { randomBytes } from 'node:crypto';
import { parseFieldPath, stickySampleFires } from '@faultline/core';
import { probeIdHeader } from './load.js';
import type { Sample } from './metrics.js';

/**
 * How `faultline run` proves that faults fired. The run puts a random token in the experiment it pushes
 * (`runToken`); its HTTP probes send it (`x-faultline-run-token`), and the adapters answer a request carrying it
 * with `x-faultline-injected: <fault ids>` when faults were injected into it. This module counts those markers per
 * target and per fault over the fault window, compares them with what the configured probability makes likely, and
 * says whether injection is proven. A run whose faults did not fire is never green.
 *
 * For a fault sampled per key (`sampleBy`) on a header the probe sends (its own `x-faultline-probe-id`, or a fixed
 * header of the probe) and without `match` conditions, the run knows exactly which requests must be injected: it
 * makes the engine's own sticky decision (`stickySampleFires`) for every request and compares, request by request,
 * once the pushed config is in force. Any disagreement is a `mismatch`, never green.
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
  /**
   * Set when the run can make the fault's sticky decision itself: the fault is sampled by (`sampleBy`) a request
   * header the probe sends and has no `match` conditions.
   */
  readonly stickyKey?: StickyKey;
}

/** Where a sticky fault's key comes from, per probe request. */
export interface StickyKey {
  /** The header the fault's `sampleBy` reads (lower case). */
  readonly header: string;
  /** The value the probe sends in it on every request; absent for `x-faultline-probe-id` (one per request). */
  readonly value?: string;
}

/**
 * How one fault's count compares with the probability:
 *
 * - `proven`: injections observed, at least as many as the probability makes likely;
 * - `below-expected` / `not-injected`: far fewer than likely (a binomial lower bound), or none: the run is not green;
 * - `unmarked`: fewer markers than likely, but as many failed requests without a marker as the gap (an injected
 *   error answered by the platform itself, e.g. a Lambda exception behind API Gateway, cannot carry the header);
 * - `too-few-requests`: none observed, but too few requests to expect one;
 * - `not-observed`: a conditional fault (match, sampleBy) none of the probe's requests got;
 * - `exact`: a sticky fault the run predicts request by request (see {@link ExactInjectionCheck}), and every request
 *   compared got exactly the injection its key selects;
 * - `mismatch`: such a fault, and some request was injected that its key does not select, or was not though it
 *   does: the run is not green.
 */
export const faultInjectionStatuses = [
  'proven',
  'below-expected',
  'not-injected',
  'unmarked',
  'too-few-requests',
  'not-observed',
  'exact',
  'mismatch',
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
  /** The request-by-request comparison, for a fault whose sticky decision the run can make (`stickyKey`). */
  readonly exact?: ExactInjectionCheck;
}

/**
 * The request-by-request comparison of a sticky fault: for every probe request of the measured fault window the
 * run makes the engine's decision for the request's key and compares it with the response's marker.
 *
 * "In force": the pushed config is taken to be in force for the requests sent after the first response that carried
 * this run's marker arrived (that function instance had read it), or, when no response carried one, for every
 * request of the measured window (the run waited `propagationWaitMs` for the functions to read it). Unmarked requests
 * sent before are `settling` and not compared; a marked one is compared whenever it was sent (the pushed config
 * served it, so its key must select it). With several instances, one still serving an older config after that point shows up as
 * `sampledButUnmarked`: `propagationWaitMs` is then shorter than the functions' config cache age.
 */
export interface ExactInjectionCheck {
  /** Requests compared: marked ones, and the others sent while the pushed config was in force (see above), outside a ramp step's change. */
  readonly requests: number;
  /** Of those, the ones whose key the fault's sticky sampling selects. */
  readonly sampled: number;
  /** Sampled and marked as injected with this fault. */
  readonly sampledAndMarked: number;
  /** Sampled but not marked: a mismatch. */
  readonly sampledButUnmarked: number;
  /** Marked but not sampled: a mismatch. */
  readonly markedButNotSampled: number;
  /**
   * Sampled, not marked, and failed where the platform answers failures itself (the marker cannot reach the probe):
   * counted as agreeing.
   */
  readonly answeredByPlatform: number;
  /** Sampled, not marked, while `guard.maxInjectionsPerMinute` may have held it back: counted as agreeing. */
  readonly heldBack: number;
  /** Unmarked requests sent before the pushed config was in force (not compared, see above). */
  readonly settling: number;
  /** Requests sent right after a ramp step, when either step's probability may have been in force (not compared). */
  readonly undecided: number;
  /** The first few requests that disagree (at most 10), to find them in the functions' logs. */
  readonly mismatches: readonly InjectionMismatch[];
}

/** One probe request whose injection disagrees with its key's sticky decision. */
export interface InjectionMismatch {
  /** Its `x-faultline-probe-id`. */
  readonly probeId: string;
  /** When it was sent, ms since the run started. */
  readonly atMs: number;
  /** Whether its key selects it (it must be injected). */
  readonly sampled: boolean;
  /** Whether its response named the fault. */
  readonly marked: boolean;
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
  /**
   * From when (ms since the run started) the pushed config counts as in force for the request-by-request check:
   * when the first marked response arrived; absent when none did (then the whole measured window counts).
   */
  readonly inForceFromMs?: number;
  /** The probe ids of the first and last request counted (send order), when the probe sent ids. */
  readonly probeIds?: { readonly first: string; readonly last: string };
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
  /** The pushed experiment's id and seed: what sticky sampling hashes (for faults with a `stickyKey`). */
  readonly experiment?: { readonly id: string; readonly seed?: string };
  /** Whether the experiment caps injections (`guard.maxInjectionsPerMinute`): a sampled request may be held back. */
  readonly injectionBudget?: boolean;
  /**
   * Requests sent before this (ms since the run started) are not compared request by request: the experiment's own
   * `window.start`, plus a margin for the functions' clocks.
   */
  readonly compareFromMs?: number;
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
export function countedFaultsOf(
  document: Readonly<Record<string, unknown>>,
  probeHeaders: Readonly<Record<string, string>> = {},
): CountedFault[] {
  const faults = Array.isArray(document.faults) ? document.faults : [];
  const counted: CountedFault[] = [];
  for (const entry of faults) {
    if (typeof entry !== 'object' || entry === null) continue;
    const fault = entry as Record<string, unknown>;
    const probability = typeof fault.probability === 'number' ? fault.probability : 0;
    if (fault.enabled === false || !(probability > 0) || typeof fault.id !== 'string') continue;
    const matched = Array.isArray(fault.match) && fault.match.length > 0;
    const stickyKey = matched ? undefined : stickyKeyOf(fault.sampleBy, probeHeaders);
    counted.push({
      id: fault.id,
      type: String(fault.type),
      probability,
      conditional:
        matched || (stickyKey === undefined && typeof fault.sampleBy === 'string' && probability < 1),
      ...(stickyKey === undefined ? {} : { stickyKey }),
    });
  }
  return counted;
}

/** The probe header a `sampleBy` reads, when the probe sends it (its own id, or one of its fixed headers). */
function stickyKeyOf(
  sampleBy: unknown,
  probeHeaders: Readonly<Record<string, string>>,
): StickyKey | undefined {
  if (typeof sampleBy !== 'string') return undefined;
  const parsed = parseFieldPath(sampleBy);
  if (!parsed.ok || parsed.field.kind !== 'http.header') return undefined;
  const header = parsed.field.name;
  if (header === probeIdHeader) return { header };
  for (const [name, value] of Object.entries(probeHeaders)) {
    if (name.toLowerCase() === header) return { header, value };
  }
  return undefined;
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
  const inForceFromMs = firstMarkedArrivalMs(samples);
  const counts = faults.map((fault): FaultInjectionCount => {
    const injected = injectedById.get(fault.id) ?? 0;
    const base = { id: fault.id, type: fault.type, probability: fault.probability, injected };
    if (fault.stickyKey !== undefined && options.experiment !== undefined)
      return exactCount(fault, fault.stickyKey, options.experiment, base, samples, inForceFromMs, options);
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
    (count) =>
      count.status === 'not-injected' || count.status === 'below-expected' || count.status === 'mismatch',
  );
  const proven = counts.filter(
    (count) => count.status === 'proven' || count.status === 'unmarked' || count.status === 'exact',
  );
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
  const probeIds = probeIdRange(samples);
  return {
    status,
    reason,
    requests: samples.length,
    markedRequests,
    failuresWithoutMarker,
    ...(inForceFromMs === undefined ? {} : { inForceFromMs }),
    ...(probeIds === undefined ? {} : { probeIds }),
    faults: counts,
  };
}

/** Most mismatching requests a fault's journal lists. */
const maxListedMismatches = 10;

/**
 * The request-by-request comparison of a sticky fault (see {@link ExactInjectionCheck}), and its count: `expected`
 * is the number of requests of the window whose key the sampling selects (exact, not a likelihood), and the count
 * must still reach half of it (requests of the settling time may have met the previous config).
 */
function exactCount(
  fault: CountedFault,
  stickyKey: StickyKey,
  experiment: NonNullable<CountInjectionsOptions['experiment']>,
  base: Pick<FaultInjectionCount, 'id' | 'type' | 'probability' | 'injected'>,
  samples: readonly Sample[],
  inForceFromMs: number | undefined,
  options: CountInjectionsOptions,
): FaultInjectionCount {
  const platformAnswersFailures = options.platformAnswersFailures ?? true;
  const fires = (probability: number, key: string) =>
    stickySampleFires({
      ...(experiment.seed === undefined ? {} : { seed: experiment.seed }),
      experimentId: experiment.id,
      faultId: fault.id,
      probability,
      key,
    });
  let requests = 0;
  let sampled = 0;
  let sampledAndMarked = 0;
  let sampledButUnmarked = 0;
  let markedButNotSampled = 0;
  let answeredByPlatform = 0;
  let heldBack = 0;
  let settling = 0;
  let undecided = 0;
  let expectedInWindow = 0;
  const mismatches: InjectionMismatch[] = [];
  const mismatch = (sample: Sample, sampledHere: boolean, marked: boolean) => {
    if (mismatches.length < maxListedMismatches)
      mismatches.push({ probeId: sample.probeId ?? '?', atMs: sample.atMs, sampled: sampledHere, marked });
  };
  for (const sample of samples) {
    const key = stickyKey.value ?? sample.probeId;
    // A request without the key is sampled at random by the engine: nothing to predict.
    if (key === undefined) {
      undecided++;
      continue;
    }
    const marked = sample.injected?.includes(fault.id) === true;
    const { lower, upper } = probabilityRangeAt(fault, sample.atMs, options);
    const mustFire = fires(lower, key);
    if (mustFire !== fires(upper, key)) {
      undecided++;
      continue;
    }
    if (mustFire) expectedInWindow++;
    const inForce =
      (inForceFromMs === undefined || sample.atMs >= inForceFromMs) &&
      (options.compareFromMs === undefined || sample.atMs >= options.compareFromMs);
    // A marker proves the pushed config served the request, in force or not: it is compared. Only an unmarked
    // request sent before the config was in force may have met the previous one.
    if (!marked && !inForce) {
      settling++;
      continue;
    }
    requests++;
    if (marked && !mustFire) {
      markedButNotSampled++;
      mismatch(sample, false, true);
      continue;
    }
    if (!mustFire) continue;
    sampled++;
    if (marked) sampledAndMarked++;
    else if (!sample.ok && (sample.status === undefined || (platformAnswersFailures && sample.status >= 500)))
      answeredByPlatform++;
    else if (options.injectionBudget === true) heldBack++;
    else {
      sampledButUnmarked++;
      mismatch(sample, true, false);
    }
  }
  const exact: ExactInjectionCheck = {
    requests,
    sampled,
    sampledAndMarked,
    sampledButUnmarked,
    markedButNotSampled,
    answeredByPlatform,
    heldBack,
    settling,
    undecided,
    mismatches,
  };
  const minimumExpected = Math.floor(expectedInWindow * shareBelow);
  const delivered = base.injected + answeredByPlatform + heldBack;
  const status: FaultInjectionStatus =
    sampledButUnmarked + markedButNotSampled > 0
      ? 'mismatch'
      : expectedInWindow === 0
        ? base.injected === 0
          ? 'not-observed'
          : 'exact'
        : delivered < minimumExpected
          ? base.injected === 0
            ? 'not-injected'
            : 'below-expected'
          : delivered === 0
            ? 'too-few-requests'
            : 'exact';
  return { ...base, expected: expectedInWindow, minimumExpected, status, exact };
}

/** When the first response naming a fault arrived (ms since the run started); `undefined` when none did. */
function firstMarkedArrivalMs(samples: readonly Sample[]): number | undefined {
  let first: number | undefined;
  for (const sample of samples) {
    if (sample.injected === undefined || sample.injected.length === 0) continue;
    const arrivedMs = sample.atMs + sample.latencyMs;
    if (first === undefined || arrivedMs < first) first = arrivedMs;
  }
  return first === undefined ? undefined : Math.ceil(first);
}

/** The first and last probe id of the samples, in send order (the id's sequence number). */
function probeIdRange(samples: readonly Sample[]): { first: string; last: string } | undefined {
  let first: { id: string; sequence: number } | undefined;
  let last: { id: string; sequence: number } | undefined;
  for (const sample of samples) {
    if (sample.probeId === undefined) continue;
    const sequence = Number(sample.probeId.slice(sample.probeId.lastIndexOf('-') + 1));
    if (!Number.isFinite(sequence)) continue;
    if (first === undefined || sequence < first.sequence) first = { id: sample.probeId, sequence };
    if (last === undefined || sequence > last.sequence) last = { id: sample.probeId, sequence };
  }
  return first === undefined || last === undefined ? undefined : { first: first.id, last: last.id };
}

/** The fault's probability for a request sent at `atMs`: the ramp step in force, the lower one near a step change. */
function probabilityAt(fault: CountedFault, atMs: number, options: CountInjectionsOptions): number {
  return probabilityRangeAt(fault, atMs, options).lower;
}

/**
 * The probabilities a request sent at `atMs` may meet: the ramp step in force, and within the propagation wait
 * after a step change also the step before (the functions may not have read the new one yet).
 */
function probabilityRangeAt(
  fault: CountedFault,
  atMs: number,
  options: CountInjectionsOptions,
): { lower: number; upper: number } {
  const steps = options.steps ?? [];
  if (steps.length === 0) return { lower: fault.probability, upper: fault.probability };
  const at = (ms: number) => {
    let probability = fault.probability;
    for (const step of steps) {
      if (step.startMs > ms) break;
      probability = Number.isNaN(step.probability) ? fault.probability : step.probability;
    }
    return probability;
  };
  const now = at(atMs);
  const before = at(atMs - (options.propagationWaitMs ?? 0));
  return { lower: Math.min(now, before), upper: Math.max(now, before) };
}

function describeShortfall(count: FaultInjectionCount): string {
  if (count.status === 'mismatch' && count.exact !== undefined) {
    const { sampledButUnmarked, markedButNotSampled, mismatches } = count.exact;
    const listed = mismatches.map((entry) => entry.probeId).join(', ');
    return `${count.id}: injected requests differ from the ones its sticky sampling selects (${sampledButUnmarked} selected but not injected, ${markedButNotSampled} injected but not selected; e.g. probe id(s) ${listed})`;
  }
  return count.injected === 0
    ? `${count.id}: no injection observed, at least ${count.minimumExpected} expected (about ${count.expected} at probability ${count.probability})`
    : `${count.id}: ${count.injected} injection(s) observed, at least ${count.minimumExpected} expected (about ${count.expected})`;
}

function describeProven(count: FaultInjectionCount): string {
  if (count.status === 'unmarked')
    return `${count.id}: no marker, but as many failed requests without one as expected injections (the platform answered them)`;
  if (count.status === 'exact' && count.exact !== undefined)
    return `${count.id}: exactly the ${count.exact.sampled} request(s) its sticky sampling selects of ${count.exact.requests} compared (${count.injected} injected in the window)`;
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
