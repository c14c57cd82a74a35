import { FaultlineError } from '@faultline/core';
import { StoreLostUpdateError } from '../stores/index.js';
import { messageOf, type RunContext } from './run-context.js';

/**
 * Pushes `document`, enabled, to every target's store at once: a compare-and-set against what this run read or
 * wrote there last. Every version written (also one a lost update reports) is remembered for the rollback. Waits
 * for every push, then throws the first failure.
 */
export async function pushToEveryStore(
  context: RunContext,
  document: Record<string, unknown>,
  probability: number | undefined,
): Promise<void> {
  // allSettled, not all: when one push fails, the others are still in flight, and the rollback must know what
  // they wrote before it decides anything.
  const pushes = await Promise.allSettled(
    context.states.map(async (state) => {
      const expectedVersion = state.pushedVersion ?? state.previous?.version ?? null;
      try {
        const written = await state.store.write({ ...document, enabled: true }, { expectedVersion });
        state.pushedVersion = written.version;
        state.writtenVersions.add(written.version);
        context.record(
          'push',
          true,
          `version ${written.version}${probability === undefined ? '' : ` (probability ${probability})`}`,
          state.target.name,
        );
      } catch (pushError) {
        // A lost update on SSM: our write landed (the rollback must recognise it) over someone else's.
        if (pushError instanceof StoreLostUpdateError) state.writtenVersions.add(pushError.writtenVersion);
        context.record('push', false, messageOf(pushError), state.target.name);
        throw pushError;
      }
    }),
  );
  const failedPush = pushes.find((push) => push.status === 'rejected');
  if (failedPush !== undefined) throw failedPush.reason;
}

/**
 * The `window.end` the pushed experiment gets: `plannedEndMs`, or the document's own earlier end. Refuses a document
 * whose window starts after that (the functions would reject `start >= end`, and keep their previous config).
 */
export function expiryOf(document: Record<string, unknown>, plannedEndMs: number): string {
  const window = (document.window ?? {}) as { start?: unknown; end?: unknown };
  const ownEndMs = typeof window.end === 'string' ? Date.parse(window.end) : Number.NaN;
  const endMs = Number.isFinite(ownEndMs) && ownEndMs < plannedEndMs ? ownEndMs : plannedEndMs;
  const startMs = typeof window.start === 'string' ? Date.parse(window.start) : Number.NaN;
  if (Number.isFinite(startMs) && startMs >= endMs) {
    throw new FaultlineError(
      'EXPERIMENT_INVALID',
      `window.start (${String(window.start)}) is after the run's planned end (${new Date(endMs).toISOString()}): nothing would be injected; move window.start earlier or remove it`,
    );
  }
  return Number.isFinite(ownEndMs) && ownEndMs < plannedEndMs
    ? String(window.end)
    : new Date(plannedEndMs).toISOString();
}

/** `document` with `window.end` set to `end`. */
export function withWindowEnd(document: Record<string, unknown>, end: string): Record<string, unknown> {
  const window = typeof document.window === 'object' && document.window !== null ? document.window : {};
  return { ...document, window: { ...window, end } };
}

/** `document` with every fault's probability set to `probability` (a ramp step). */
export function withProbability(
  document: Record<string, unknown>,
  probability: number,
): Record<string, unknown> {
  const faults = Array.isArray(document.faults) ? document.faults : [];
  return { ...document, faults: faults.map((fault) => ({ ...(fault as object), probability })) };
}
