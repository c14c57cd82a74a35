import { FaultlineError } from '@faultline/core';
import type { StoreCoordinates } from '../stores/index.js';
import { trackOperations } from './rollback.js';
import { messageOf, type RunContext } from './run-context.js';

/**
 * Opens every target's store into `context.states`, each on its own: one that cannot be configured is named, with
 * the others still listed, and the run is refused (nothing was written yet) rather than injected on some targets.
 */
export function openTargetStores(context: RunContext): void {
  const unopened: string[] = [];
  for (const target of context.run.targets) {
    try {
      context.states.push({
        target,
        store: trackOperations(context.openStore(target.store as StoreCoordinates)),
        previous: undefined,
        pushedVersion: undefined,
        writtenVersions: new Set(),
        load: undefined,
        rollback: undefined,
      });
    } catch (openError) {
      unopened.push(`${target.name}: ${messageOf(openError)}`);
      context.record('open-store', false, messageOf(openError), target.name);
    }
  }
  if (unopened.length > 0) {
    throw new FaultlineError(
      'STORE_ACCESS_FAILED',
      `cannot open every store, nothing was injected (${unopened.join('; ')})`,
    );
  }
}
