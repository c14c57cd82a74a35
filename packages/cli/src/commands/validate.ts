import { UsageError } from '../arguments.js';
import type { Command } from '../command.js';
import { exitCodes } from '../exit-codes.js';
import { loadExperimentFile } from '../experiment-file.js';
import { formatLocatedIssue } from '../issue-locations.js';

/** `faultline validate <file>…`: checks experiment files; exit 1 when any is invalid. */
export const validateCommand: Command = {
  name: 'validate',
  summary: 'Check experiment files (JSON or YAML); errors name the JSON path and the fix',
  help: `Usage: faultline validate <file>... [--json]

Validates each experiment file against schema v1 (the same checks the functions run) and prints every problem
as file:line:column, its JSON path and a hint (--json: the same, with "line" and "column" fields). Exit code 1
when any file is invalid.

Example:
  faultline validate experiments/pricing-latency.yaml`,
  flags: { switches: ['json'] },
  async run({ args, output, json }) {
    if (args.positionals.length === 0)
      throw new UsageError('validate needs a file', 'faultline validate experiment.yaml');
    const results = [];
    for (const path of args.positionals) results.push(await loadExperimentFile(path));
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
