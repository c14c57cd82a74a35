import { expiryOf, pushToEveryStore, withProbability, withWindowEnd } from './push-faults.js';
import type { RunContext } from './run-context.js';
import { faultSteps, plannedFaultWindowSeconds } from './stop-condition-check.js';
import { watchStopConditions } from './watch-stop-conditions.js';

/**
 * The fault window: starts polling the metric probes and alarms, then for each step (one, or one per ramp step)
 * pushes the faults to every store, waits for propagation and observes for the step's duration while checking the
 * stop conditions. Sets `phases.faultStartMs`, `measureStartMs`, `expiresAt` and the ramp marks; ends early on a
 * breach (every store switched off, `outcome.status` `stopped`).
 */
export async function runFaultWindow(context: RunContext): Promise<void> {
  const { run, progress, phases, options } = context;
  const steps = faultSteps(run);
  // Metric probes and alarms are read in the background from here on; the stop conditions use what they read.
  context.watch.startPolling(
    Math.max(0, ...context.thresholds.map((condition) => condition.windowSeconds * 1000)),
  );
  // The last line of defence: if this process is killed (SIGKILL, a lost machine) nothing rolls back, so what is
  // pushed expires by itself at the planned end of the fault window plus a margin.
  const plannedFaultMs = plannedFaultWindowSeconds(run) * 1000;
  const expiresAt = expiryOf(options.document, Date.now() + plannedFaultMs + run.expiryMarginSeconds * 1000);
  phases.expiresAt = expiresAt;
  // The run token lets the probes' responses name the faults injected into them (see injection-counts.ts).
  const expiring = { ...withWindowEnd(options.document, expiresAt), runToken: context.runToken };
  phases.faultStartMs = context.elapsedMs();
  for (const [index, step] of steps.entries()) {
    const document = step.probability === undefined ? expiring : withProbability(expiring, step.probability);
    progress.phase(
      'push',
      step.probability === undefined
        ? `injecting: pushing "${String(options.document.id)}" to ${context.states.length} store(s), expiring at ${expiresAt}`
        : `ramp step ${index + 1}/${steps.length}: probability ${step.probability}`,
    );
    await pushToEveryStore(context, document, step.probability);
    phases.rampMarks.push({ probability: step.probability ?? Number.NaN, startMs: context.elapsedMs() });
    if (run.propagationWaitMs > 0) {
      progress.phase(
        'propagation',
        `waiting ${run.propagationWaitMs} ms for functions to pick it up`,
        run.propagationWaitMs,
      );
      const breached = await watchStopConditions(context, run.propagationWaitMs);
      if (breached) break;
    }
    if (index === 0) phases.measureStartMs = context.elapsedMs();
    progress.phase(
      'observe',
      `observing for ${step.durationSeconds} s while checking ${run.stopConditions.length} stop condition(s)`,
      step.durationSeconds * 1000,
    );
    const breached = await watchStopConditions(context, step.durationSeconds * 1000);
    if (breached) break;
  }
}
