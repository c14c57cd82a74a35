import { runCommandProbes } from './command-probes.js';
import { finishRun, recordFailure } from './finish-run.js';
import { runFaultWindow } from './inject-window.js';
import type { RunJournal } from './journal.js';
import { openTargetStores } from './open-stores.js';
import { readPreviousDocuments, warmUpTargets } from './preflight.js';
import { createRunContext, throwIfAborted } from './run-context.js';
import type { RunExperimentOptions } from './run-options.js';
import { recordPlan, refuseUnavailableLoadDriver } from './run-plan.js';
import { judgeSteadyState, sampleSteadyState } from './steady-state.js';

export type { RunExperimentOptions } from './run-options.js';
export { evaluateTolerances } from './tolerances.js';
export { describeStopCondition } from './watch-stop-conditions.js';

/**
 * Runs an experiment the chaos-engineering way: check the steady state (stop before injecting if it does not
 * hold) → push and enable the faults in every target's store → wait for propagation → drive load while checking
 * the stop conditions (a breach switches everything off at once) → optional ramp → measure → verdict per target →
 * ALWAYS roll back (restore the previous stored document, or remove ours; switch off if that fails), also on
 * errors and on abort. Returns the journal; never throws for a failed run (only for programming errors).
 *
 * @example
 * ```ts
 * const journal = await runExperiment({ document: toRuntimeDocument(raw), run, signal });
 * console.log(journal.verdict); // 'held' | 'deviated' | 'not-run'
 * ```
 */
export async function runExperiment(options: RunExperimentOptions): Promise<RunJournal> {
  const context = createRunContext(options);
  try {
    refuseUnavailableLoadDriver(context.run, context.options.environment);
    openTargetStores(context);
    recordPlan(context);
    await readPreviousDocuments(context);
    await warmUpTargets(context);
    throwIfAborted(context);
    await sampleSteadyState(context);
    const steadyHeld = await judgeSteadyState(context);
    throwIfAborted(context);
    if (!steadyHeld) {
      context.outcome.status = 'steady-state-failed';
      context.progress.note('steady state does NOT hold: stopping before injecting anything');
      return await finishRun(context);
    }
    context.progress.note('steady state holds');
    await runFaultWindow(context);
    throwIfAborted(context);
    if (context.outcome.breach === undefined)
      context.commandChecksDuring = await runCommandProbes(context.run, context.stopSignal);
  } catch (caught) {
    recordFailure(context, caught);
  }
  return await finishRun(context);
}
