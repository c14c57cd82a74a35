import { readFile } from 'node:fs/promises';
import { validateRunSection } from '@faultline/core';
import { UsageError } from '../arguments.js';
import type { Command } from '../command.js';
import { exitCodes } from '../exit-codes.js';
import { loadExperimentFile } from '../experiment-file.js';
import { formatLocatedIssue, type LocatedIssue, locateIssues } from '../issue-locations.js';
import { findUnreachableStopConditions } from '../runner/stop-condition-check.js';

/** `faultline validate <file>…`: checks experiment files; exit 1 when any is invalid. */
export const validateCommand: Command = {
  name: 'validate',
  summary: 'Check experiment files (JSON or YAML); errors name the JSON path and the fix',
  help: `Usage: faultline validate <file>... [--json]

Validates each experiment file against schema v1 (the same checks the functions run) and prints every problem
as file:line:column, its JSON path and a hint (--json: the same, with "line" and "column" fields). Exit code 1
when any file is invalid. A valid file whose run section has a stop condition that can never fire with its
planned load and duration gets a warning (faultline run refuses it unless --allow-unreachable-stops).

Example:
  faultline validate experiments/pricing-latency.yaml`,
  flags: { switches: ['json'] },
  async run({ args, output, json }) {
    if (args.positionals.length === 0)
      throw new UsageError('validate needs a file', 'faultline validate experiment.yaml');
    const results = [];
    for (const path of args.positionals) results.push(await loadExperimentFile(path));
    // Valid, but a stop condition of the run section can never fire: `run` refuses it, so say it here first.
    const warnings = new Map<string, LocatedIssue[]>();
    for (const result of results) {
      if (!result.ok || result.raw.run === undefined) continue;
      const run = validateRunSection(result.raw.run);
      const found = run.ok ? findUnreachableStopConditions(run.run) : [];
      if (found.length > 0)
        warnings.set(result.path, await locateIssues(await readFile(result.path, 'utf8'), found));
    }
    const warningsOf = (path: string): LocatedIssue[] => warnings.get(path) ?? [];
    const valid = results.every((result) => result.ok);
    if (json) {
      output.json({
        valid,
        files: results.map((result) =>
          result.ok
            ? {
                path: result.path,
                valid: true,
                id: result.experiment.id,
                faults: result.experiment.faults.length,
                warnings: warningsOf(result.path),
              }
            : { path: result.path, valid: false, issues: result.issues },
        ),
      });
    } else {
      const { style } = output;
      for (const result of results) {
        if (result.ok) {
          const faults = result.experiment.faults.length;
          output.line(
            `${style.green('✓')} ${result.path}: experiment "${result.experiment.id}", ${faults} fault${faults === 1 ? '' : 's'}${result.raw.run === undefined ? '' : ', run section'}`,
          );
          for (const warning of warningsOf(result.path))
            output.line(
              `  ${style.yellow('!')} ${formatLocatedIssue(result.path, warning)} (faultline run refuses it)`,
            );
        } else {
          output.line(
            `${style.red('✗')} ${result.path}: ${result.issues.length} problem${result.issues.length === 1 ? '' : 's'}`,
          );
          for (const issue of result.issues) output.line(`  ${formatLocatedIssue(result.path, issue)}`);
        }
      }
    }
    return valid ? exitCodes.ok : exitCodes.invalidOrDeviated;
  },
};
