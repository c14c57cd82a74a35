import { type ProbeRequest, sendProbe } from './load.js';
import type { Sample } from './metrics.js';
import { probeOf, type RunContext, type TargetState } from './run-context.js';

/** Sequential requests per target before the steady-state sample, to leave cold starts out of it. */
const warmUpRequests = 3;

/** The targets that get probe load: every target with a probe, when the run has a `load` section. */
export function loadedTargets(context: RunContext): TargetState[] {
  return context.run.load === undefined
    ? []
    : context.states.filter((state) => state.target.probe !== undefined);
}

/** Remembers what every store holds (`state.previous`), so the rollback can restore it exactly. */
export async function readPreviousDocuments(context: RunContext): Promise<void> {
  await Promise.all(
    context.states.map(async (state) => {
      state.previous = await state.store.read();
      context.record(
        'read-previous',
        true,
        state.previous === undefined ? 'store empty' : `version ${state.previous.version}`,
        state.target.name,
      );
    }),
  );
}

/**
 * Warms every loaded target up with a few sequential requests (not measured): first requests pay for connection
 * setup and cold starts, which is not the steady state.
 */
export async function warmUpTargets(context: RunContext): Promise<void> {
  const loaded = loadedTargets(context);
  if (loaded.length > 0)
    context.progress.phase('warm-up', `warming up: ${warmUpRequests} requests per target (not measured)`);
  await Promise.all(
    loaded.map(async (state) => {
      const probe = probeOf(context, state) as ProbeRequest;
      const warmUp: Sample[] = [];
      for (let index = 0; index < warmUpRequests; index++)
        warmUp.push(await sendProbe(probe, context.elapsedMs));
      const ok = warmUp.filter((sample) => sample.ok).length;
      context.record(
        'warm-up',
        ok > 0,
        `${ok}/${warmUp.length} warm-up requests succeeded (not measured)`,
        state.target.name,
      );
    }),
  );
}
