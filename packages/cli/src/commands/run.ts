import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { RunSection } from '@faultline/core';
import { parseAssignments, UsageError } from '../arguments.js';
import type { Command } from '../command.js';
import { exitCodes } from '../exit-codes.js';
import {
  loadExperimentFile,
  RunSectionError,
  resolveRunSecrets,
  resolveRunSection,
  toRuntimeDocument,
} from '../experiment-file.js';
import type { CommandOutput } from '../output.js';
import { createProgressDisplay } from '../progress-display.js';
import { renderHtmlReport } from '../runner/html-report.js';
import type { RunJournal } from '../runner/journal.js';
import { runExperiment } from '../runner/run-experiment.js';
import { findUnreachableStopConditions } from '../runner/stop-condition-check.js';
import { createStore } from '../stores/index.js';
import { reportInvalid, singleFile } from './store-commands.js';

/**
 * Writes `journal.json` and `report.html` into `directory`; returns their paths.
 *
 * @example
 * ```ts
 * const { reportPath } = await writeRunArtifacts(journal, run, 'reports/nightly');
 * ```
 */
export async function writeRunArtifacts(
  journal: RunJournal,
  run: RunSection,
  directory: string,
): Promise<{ journalPath: string; reportPath: string }> {
  await mkdir(directory, { recursive: true });
  const journalPath = join(directory, 'journal.json');
  const reportPath = join(directory, 'report.html');
  await writeFile(journalPath, `${JSON.stringify(journal, null, 2)}\n`);
  const tolerance = run.steadyState.latencyMs?.p95?.max;
  await writeFile(
    reportPath,
    renderHtmlReport(journal, tolerance === undefined ? {} : { latencyToleranceMs: tolerance }),
  );
  return { journalPath, reportPath };
}

/**
 * Prints the per-target verdict table.
 *
 * @example
 * ```ts
 * printVerdictTable(createOutput(), journal);
 * ```
 */
export function printVerdictTable(output: CommandOutput, journal: RunJournal): void {
  const { style } = output;
  const header = ['target', 'verdict', 'steady state', 'under fault', 'recovery', 'injected', 'rollback'];
  const rows = journal.targets.map((target) => {
    const steady = target.steadyState.summary;
    const fault = target.fault?.summary;
    const recovery = target.recovery?.summary;
    return [
      `${target.name} (${target.cloud})`,
      verdictText(target.verdict),
      describeSummary(steady),
      fault === undefined ? '—' : describeSummary(fault),
      recovery === undefined || recovery.count === 0 ? '—' : describeSummary(recovery),
      describeInjections(target.injection),
      target.rollback === undefined ? '—' : target.rollback.ok ? 'ok' : 'FAILED',
    ];
  });
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ');
  output.line(style.bold(line(header)));
  for (const [index, row] of rows.entries()) {
    const verdict = journal.targets[index]?.verdict;
    const text = line(row);
    output.line(
      verdict === 'held'
        ? style.green(text)
        : verdict === 'deviated'
          ? style.red(text)
          : verdict === 'not-proven'
            ? style.yellow(text)
            : style.dim(text),
    );
  }
  for (const target of journal.targets) {
    if (target.reason !== undefined && target.verdict !== 'held')
      output.line(style.dim(`  ${target.name}: ${target.reason}`));
  }
  const overall =
    journal.verdict === 'held'
      ? style.green('hypothesis HELD on every target')
      : journal.verdict === 'deviated'
        ? style.red('hypothesis DEVIATED')
        : journal.verdict === 'not-proven'
          ? style.yellow('injection NOT PROVEN: the faults did not fire as configured (see the injections)')
          : style.yellow(`not run (${journal.status})`);
  output.line(`${overall} — ${style.dim(journal.hypothesis)}`);
}

/**
 * Per fault: injected / expected (`slow 48/50`; `exact` or `MISMATCH` when checked request by request), or why
 * nothing is counted.
 */
function describeInjections(injection: RunJournal['targets'][number]['injection']): string {
  if (injection === undefined) return '—';
  if (injection.status === 'dry-run') return 'dry-run';
  if (injection.status === 'not-observable') return 'no probe';
  return injection.faults
    .map(
      (fault) =>
        `${fault.id} ${fault.injected}${fault.expected === undefined ? '' : `/${fault.expected}`}${fault.status === 'exact' ? ' exact' : fault.status === 'mismatch' ? ' MISMATCH' : ''}`,
    )
    .join(', ');
}

function verdictText(verdict: RunJournal['verdict']): string {
  return verdict === 'held'
    ? 'HELD'
    : verdict === 'deviated'
      ? 'DEVIATED'
      : verdict === 'not-proven'
        ? 'NOT PROVEN'
        : 'not run';
}

function describeSummary(summary: RunJournal['targets'][number]['steadyState']['summary']): string {
  const latency = summary.latencyMs.p95 === undefined ? '' : `, p95 ${summary.latencyMs.p95} ms`;
  return `${(summary.successRatio * 100).toFixed(1)} % ok${latency}`;
}

/**
 * Exit code for a finished run: 0 held, 1 deviated / not run, 4 failed or a rollback not verified, 130
 * interrupted (and rolled back).
 *
 * @example
 * ```ts
 * process.exitCode = exitCodeForRun(journal);
 * ```
 */
export function exitCodeForRun(journal: RunJournal): number {
  // A store that may still hold our faults outranks every verdict.
  if (journal.targets.some((target) => target.rollback !== undefined && !target.rollback.ok))
    return exitCodes.storeError;
  if (journal.status === 'interrupted') return exitCodes.interrupted;
  if (journal.status === 'failed' && journal.verdict !== 'deviated') return exitCodes.storeError;
  return journal.verdict === 'held' ? exitCodes.ok : exitCodes.invalidOrDeviated;
}

/** `faultline run <file>`: the whole experiment loop with journal and HTML report. */
export const runCommand: Command = {
  name: 'run',
  summary:
    'Run an experiment: steady state → inject → observe with stop conditions → verdict → roll back → report',
  help: `Usage: faultline run <file> [--set NAME=VALUE]... [--target NAME]... [--out DIR] [--json]

Follows the file's run section:
  1. checks the steady state (HTTP probes: success ratio, latency percentiles; command probes);
     if it does not hold, stops before injecting anything
  2. pushes and enables the faults in every target's store (compare-and-set), with a window.end at the planned
     end of the fault window plus expiryMarginSeconds (so a killed run expires by itself); waits propagationWaitMs
  3. drives load (rate, concurrency) while checking the stop conditions every 200 ms over a sliding window;
     a breach switches the experiment off everywhere at once
  4. optional ramp: re-pushes with each step's probability
  5. measures and gives a verdict per target: hypothesis held / deviated, numbers vs tolerances
  6. ALWAYS rolls back (restores the previous stored experiment, or removes ours), also on errors, Ctrl-C,
     SIGTERM and SIGHUP; then reads every store back and reports what it holds
  7. writes journal.json and report.html (self-contained, charts) to --out (default reports/<id>-<time>/)

  --set NAME=VALUE   value for a \${NAME} placeholder in the run section (environment variables work too)
  --target NAME      only these targets (repeatable)
  --out DIR          where to write journal.json and report.html
  --allow-outside    let file stores create directories outside the working directory, and let the run
                     section's paths leave the experiment file's folder
  --json             print the journal instead of the table
  --allow-unreachable-stops
                     run although a stop condition can never fire with the planned load and duration (for
                     example minSamples above what ratePerSecond sends in its window); without it, run refuses

Exit codes: 0 held · 1 deviated or steady state did not hold · 4 store error or rollback not verified ·
130/143/129 interrupted by SIGINT/SIGTERM/SIGHUP (rolled back). SIGKILL cannot be caught: the pushed experiment
expires at its window.end.

Example:
  faultline run experiments/pricing-latency.yaml --set AWS_DEMO_URL=http://127.0.0.1:3001 --target aws`,
  flags: {
    values: ['out'],
    repeatable: ['set', 'target'],
    switches: ['json', 'allow-unreachable-stops', 'allow-outside'],
  },
  async run(context) {
    const file = singleFile(context, 'run', true) as string;
    const loaded = await loadExperimentFile(file);
    if (!loaded.ok) return reportInvalid(context, loaded);
    const assignments = parseAssignments(context.args.values('set'));
    const allowOutside = context.args.has('allow-outside');
    const resolved = resolveRunSection(loaded.raw, assignments, context.environment, { file, allowOutside });
    const wanted = context.args.values('target');
    for (const name of wanted) {
      if (!resolved.targets.some((target) => target.name === name)) {
        throw new UsageError(
          `--target ${name}: no such target`,
          `targets: ${resolved.targets.map((target) => target.name).join(', ')}`,
        );
      }
    }
    const run: RunSection =
      wanted.length === 0
        ? resolved
        : { ...resolved, targets: resolved.targets.filter((target) => wanted.includes(target.name)) };
    const { output } = context;
    // A stop button that cannot fire is worse than none: it looks like protection. Refuse before injecting.
    const unreachable = findUnreachableStopConditions(run);
    if (unreachable.length > 0) {
      if (!context.args.has('allow-unreachable-stops')) {
        throw new RunSectionError(
          `${unreachable.length === 1 ? 'a stop condition' : `${unreachable.length} stop conditions`} can never fire with the planned load and duration; nothing was injected. Fix the run section, or pass --allow-unreachable-stops to run anyway`,
          unreachable,
        );
      }
      for (const issue of unreachable)
        output.error(
          output.errorStyle.yellow(
            `! ${issue.path}: ${issue.message} (running anyway: --allow-unreachable-stops)`,
          ),
        );
    }
    if (run.stopConditions.length === 0)
      output.error(
        output.errorStyle.yellow(
          '! run.stopConditions is empty: nothing will stop this run early if the target breaks',
        ),
      );
    const journal = await runExperiment({
      document: toRuntimeDocument(loaded.raw),
      run,
      file,
      signal: context.signal,
      environment: context.environment,
      openStore: (coordinates) => createStore(coordinates, context.environment, { allowOutside }),
      secrets: resolveRunSecrets(loaded.raw, assignments, context.environment),
      progress: createProgressDisplay({ stream: output.progressStream, style: output.errorStyle }),
    });
    const stamp = journal.startedAt.replace(/[:.]/g, '-');
    const directory = resolve(
      context.args.value('out') ?? join('reports', `${loaded.experiment.id}-${stamp}`),
    );
    const { journalPath, reportPath } = await writeRunArtifacts(journal, run, directory);
    if (context.json) output.json({ ...journal, artifacts: { journal: journalPath, report: reportPath } });
    else {
      output.line();
      printVerdictTable(output, journal);
      output.line(output.style.dim(`report: ${reportPath}`));
      output.line(output.style.dim(`journal: ${journalPath}`));
    }
    return exitCodeForRun(journal);
  },
};
