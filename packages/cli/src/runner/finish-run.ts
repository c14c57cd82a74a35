import { settleArtillery, stopArtilleryTargets } from './artillery/artillery-steps.js';
import type { RunJournal } from './journal.js';
import { settleMetrics } from './metric-windows.js';
import { rollBackTargets } from './roll-back-targets.js';
import { messageOf, type RunContext, RunInterrupted, sleep } from './run-context.js';
import { judgeTarget, runVerdict } from './verdict.js';
import { describeStopCondition } from './watch-stop-conditions.js';

/**
 * Journals why the run ended early: an abort (status `interrupted`, named by the signal's reason) or an error
 * (status `failed`). The rollback follows in {@link finishRun}.
 */
export function recordFailure(context: RunContext, caught: unknown): void {
  const { signal, outcome, record, progress } = context;
  if (caught instanceof RunInterrupted || signal.aborted) {
    outcome.status = 'interrupted';
    // The binary aborts with the signal's name (SIGINT, SIGTERM, SIGHUP) as the reason.
    const by = typeof signal.reason === 'string' ? signal.reason : 'the operator';
    record('interrupted', false, `aborted by ${by}: rolling back`);
    progress.note(`interrupted (${by}): rolling back`);
  } else {
    outcome.status = 'failed';
    outcome.error = messageOf(caught);
    record('error', false, outcome.error);
    progress.note(`error: ${outcome.error} — rolling back`);
  }
}

/**
 * Ends every run, however it went: roll back (when anything was pushed) → stop polling → recovery load → stop the
 * load → settle the metric probes → close the stores → verdict → the redacted journal.
 */
export async function finishRun(context: RunContext): Promise<RunJournal> {
  const { run, phases, outcome, progress, watch, states } = context;
  // Roll back, always: restore what was there before, or remove what we created.
  if (phases.faultStartMs !== undefined) {
    phases.faultEndMs = context.elapsedMs();
    progress.phase('rollback', 'rolling back');
    await rollBackTargets(context);
  }
  await watch.stopPolling();
  // Recovery: keep the load a little longer to show that things went back to normal.
  if (phases.faultStartMs !== undefined && outcome.status !== 'interrupted' && run.recoverySeconds > 0) {
    progress.phase(
      'recovery',
      `recovery: ${run.recoverySeconds} s${run.load === undefined ? '' : ' of load'} after the rollback`,
      run.recoverySeconds * 1000,
    );
    await sleep(run.recoverySeconds * 1000, context.signal).catch(() => {});
  }
  const settles =
    phases.faultStartMs !== undefined && phases.faultEndMs !== undefined && outcome.status !== 'interrupted';
  // Artillery reports a period 10-20 s after it ends: keep it sending until the fault window's periods are in.
  if (settles) await settleArtillery(context, phases.faultEndMs as number);
  await Promise.all([...states.map((state) => state.load?.stop()), stopArtilleryTargets(context)]);
  if (settles) await settleMetrics(context, phases.faultEndMs as number);
  const endMs = context.elapsedMs();
  await Promise.allSettled([...states.map((state) => state.store.close()), watch.close()]);
  context.release();

  const targets = states.map((state) => judgeTarget(context, state, endMs));
  const verdict = runVerdict(context, targets);
  context.record('finish', outcome.status === 'completed', `status ${outcome.status}, verdict ${verdict}`);
  progress.end();
  return context.redact.journal(runJournal(context, { targets, verdict, endMs }));
}

function runJournal(
  context: RunContext,
  ending: Pick<RunJournal, 'targets' | 'verdict'> & { endMs: number },
): RunJournal {
  const { options, run, phases, outcome, startedAtEpoch } = context;
  const { endMs } = ending;
  return {
    journalVersion: 1,
    experiment: {
      id: context.experimentId,
      ...(typeof options.document.description === 'string'
        ? { description: options.document.description }
        : {}),
      ...(options.file === undefined ? {} : { file: options.file }),
    },
    hypothesis: run.hypothesis,
    startedAt: new Date(startedAtEpoch).toISOString(),
    finishedAt: new Date(startedAtEpoch + endMs).toISOString(),
    durationMs: endMs,
    status: outcome.status,
    verdict: ending.verdict,
    ...(outcome.error === undefined ? {} : { error: outcome.error }),
    phases: {
      steadyStateEndMs: phases.steadyStateEndMs,
      ...(phases.faultStartMs === undefined ? {} : { faultStartMs: phases.faultStartMs }),
      ...(phases.measureStartMs === undefined ? {} : { measureStartMs: phases.measureStartMs }),
      ...(phases.faultEndMs === undefined ? {} : { faultEndMs: phases.faultEndMs }),
      endMs,
    },
    ...(phases.expiresAt === undefined ? {} : { expiresAt: phases.expiresAt }),
    ...(run.ramp === undefined ? {} : { ramp: phases.rampMarks }),
    stopConditions: run.stopConditions.map(describeStopCondition),
    ...(outcome.breach === undefined ? {} : { breach: outcome.breach }),
    steps: context.steps,
    targets: ending.targets,
  };
}
