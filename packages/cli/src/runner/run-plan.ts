import type { RunSection } from '@faultline/core';
import { refuseUnusableArtillery } from './artillery/artillery-steps.js';
import type { RunContext } from './run-context.js';
import { findUnreachableStopConditions } from './stop-condition-check.js';

/**
 * Refuses a load driver this CLI cannot run, before any store is opened: for Artillery, a platform other than
 * `local`, a fault window shorter than two of its periods, no Node >= 22.18 or no artillery package.
 */
export function refuseUnavailableLoadDriver(
  run: RunSection,
  environment: Readonly<Record<string, string | undefined>> = process.env,
): void {
  refuseUnusableArtillery(run, environment);
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
