import { defaultStoreOperationTimeoutMs } from '../stores/index.js';
import { describeReadBack, rollBackStore } from './rollback.js';
import type { RunContext, TargetState } from './run-context.js';

/** Default of `RunExperimentOptions.fenceTimeoutMs`: a store operation's own bound, plus a margin. */
const defaultFenceTimeoutMs = defaultStoreOperationTimeoutMs + 5000;

/**
 * Rolls every target back at once: fence the store's in-flight writes, restore what was there before (or remove
 * ours), read it back. A rollback that is not verified fails a completed run and names the store.
 */
export async function rollBackTargets(context: RunContext): Promise<void> {
  await Promise.all(context.states.map((state) => rollBackTarget(context, state)));
}

async function rollBackTarget(context: RunContext, state: TargetState): Promise<void> {
  const { record, outcome } = context;
  const name = state.target.name;
  const fenceTimeoutMs = context.options.fenceTimeoutMs ?? defaultFenceTimeoutMs;
  state.rollback = await rollBackStore({
    store: state.store,
    previous: state.previous,
    experimentId: context.experimentId,
    writtenVersions: state.writtenVersions,
    fence: () => state.store.whenSettled(fenceTimeoutMs),
  });
  record('rollback', state.rollback.ok, state.rollback.detail ?? state.rollback.action, name);
  record('verify', state.rollback.ok, `read back: ${describeReadBack(state.rollback.verified)}`, name);
  if (!state.rollback.ok) {
    context.progress.note(`ROLLBACK NOT VERIFIED on ${name}: ${describeReadBack(state.rollback.verified)}`);
    outcome.status = outcome.status === 'completed' ? 'failed' : outcome.status;
    outcome.error ??= `rollback not verified on ${name}: ${state.rollback.detail ?? describeReadBack(state.rollback.verified)}`;
  }
}
