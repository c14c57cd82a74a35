/**
 * What a run reports while it works, for people watching it. The runner only says which phase it is in and how
 * long that phase will take; how that is shown (a live line on a terminal, timestamped lines in a CI log) is the
 * caller's business.
 */

/**
 * The phases of a run, in order (`ramp` steps repeat `propagation` and `observe`; `settle` waits for metric probes'
 * late data after the rollback).
 */
export const runPhases = [
  'warm-up',
  'steady-state',
  'push',
  'propagation',
  'observe',
  'rollback',
  'recovery',
  'settle',
] as const;
export type RunPhase = (typeof runPhases)[number];

/**
 * Receives a run's progress. `phase` is called when a phase starts, with its length when it is a timed wait (the
 * steady-state sample, the propagation wait, the observe window, the recovery); `note` for one-off events (a stop
 * condition breached, an error, an interruption); `end` once, when the run is over.
 *
 * @example
 * ```ts
 * const progress: RunProgress = {
 *   phase: (phase, text, durationMs) => console.error(`${phase}: ${text}`, durationMs ?? ''),
 *   note: (text) => console.error(text),
 *   end: () => {},
 * };
 * await runExperiment({ document, run, progress });
 * ```
 */
export interface RunProgress {
  phase(phase: RunPhase, text: string, durationMs?: number): void;
  note(text: string): void;
  end(): void;
}

/**
 * A {@link RunProgress} that turns every phase and note into one line for `onMessage` (the shape of the older
 * `onProgress` option).
 *
 * @example
 * ```ts
 * const progress = createLineProgress((line) => console.error(line));
 * ```
 */
export function createLineProgress(onMessage: (message: string) => void): RunProgress {
  return { phase: (_phase, text) => onMessage(text), note: onMessage, end: () => {} };
}
