import { FaultlineError, type RunSection } from '@faultline/core';
import type { RunContext } from './run-context.js';
import { findUnreachableStopConditions } from './stop-condition-check.js';

/** Refuses a load driver this CLI cannot run, before any store is opened. */
export function refuseUnavailableLoadDriver(run: RunSection): void {
  if (run.load?.driver === 'artillery') {
    // Refused before any store is opened: a driver that is accepted but not run would judge nothing.
    throw new FaultlineError(
      'INVALID_OPTION',
      'run.load.driver: artillery is not available in this version of the CLI, nothing was injected; use driver: builtin (up to 1000 requests/s from this machine) or an observe-only run judged by metric probes',
    );
  }
}

/** Journals the plan: the targets, and whether each stop condition can fire with the planned load. */
export function recordPlan(context: RunContext): void {
  const { run, record } = context;
  record(
    'start',
    true,
    `${run.targets.length} target(s): ${run.targets.map((target) => target.name).join(', ')}`,
  );
  // `faultline run` refuses these unless told to go on; a library caller gets them in the journal either way.
  const unreachable = findUnreachableStopConditions(run);
  record(
    'stop-conditions',
    unreachable.length === 0 && run.stopConditions.length > 0,
    run.stopConditions.length === 0
      ? 'none: nothing stops the run early'
      : unreachable.length === 0
        ? `${run.stopConditions.length} condition(s), each can fire with the planned load`
        : unreachable.map((issue) => `${issue.path}: ${issue.message}`).join('; '),
  );
}
