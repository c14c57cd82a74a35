import { readFile } from 'node:fs/promises';
import { formatValidationIssues, parseExperimentText, validateExperiment } from '@faultline/core';
import { UsageError } from '../arguments.js';
import type { Command } from '../command.js';
import { exitCodes } from '../exit-codes.js';
import {
  ImportError,
  type ImportResult,
  importChaosLambda,
  importFailureLambda,
} from '../importers/index.js';

/** Formats `faultline import --from` understands. */
export const importFormats = ['failure-lambda', 'chaos-lambda'] as const;
export type ImportFormat = (typeof importFormats)[number];

const importers: Readonly<Record<ImportFormat, (input: unknown, options: { id?: string }) => ImportResult>> =
  {
    'failure-lambda': importFailureLambda,
    'chaos-lambda': importChaosLambda,
  };

/** `faultline import <file> --from failure-lambda|chaos-lambda`: converts a competitor's config. */
export const importCommand: Command = {
  name: 'import',
  summary: 'Convert a failure-lambda or chaos_lambda config into a faultline experiment',
  help: `Usage: faultline import <file> --from failure-lambda|chaos-lambda [--id ID] [--json]

Reads a failure-lambda config (v1 feature flags or the v0 flat format) or a chaos_lambda config (JSON or YAML,
e.g. the SSM parameter value) and prints the equivalent faultline experiment as JSON on stdout, validated.
Anything that could not be carried over exactly is listed as a warning on stderr (with --json: in the output).
Exit code 1 when the input is not such a config or the result does not validate.

  --from FORMAT   failure-lambda | chaos-lambda
  --id ID         id of the new experiment (default: named after the format)

Example:
  aws ssm get-parameter --name failureLambdaConfig --query Parameter.Value --output text > old.json
  faultline import old.json --from failure-lambda --id checkout-chaos > experiments/checkout-chaos.json`,
  flags: { values: ['from', 'id'], switches: ['json'] },
  async run({ args, output, json }) {
    const [file, ...rest] = args.positionals;
    if (file === undefined || rest.length > 0) {
      throw new UsageError('import takes one file', 'faultline import old.json --from failure-lambda');
    }
    const from = args.value('from');
    if (from === undefined || !(importFormats as readonly string[]).includes(from)) {
      throw new UsageError(`--from must be one of ${importFormats.join(', ')}`, '--from failure-lambda');
    }
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      throw new UsageError(`cannot read ${file}`, 'check the path');
    }
    const parsed = await parseExperimentText(text);
    if (!parsed.ok) {
      output.error(formatValidationIssues(parsed.issues));
      return exitCodes.invalidOrDeviated;
    }
    const id = args.value('id');
    let result: ImportResult;
    try {
      result = importers[from as ImportFormat](parsed.value, id === undefined ? {} : { id });
    } catch (error) {
      if (!(error instanceof ImportError)) throw error;
      if (json) output.json({ ok: false, error: error.message });
      else output.error(`✗ ${file} is not a ${from} config: ${error.message}`);
      return exitCodes.invalidOrDeviated;
    }
    const validated = validateExperiment(result.experiment);
    if (!validated.ok) {
      if (json)
        output.json({
          ok: false,
          experiment: result.experiment,
          issues: validated.issues,
          warnings: result.warnings,
        });
      else {
        output.error(`✗ the converted experiment does not validate:`);
        output.error(formatValidationIssues(validated.issues));
      }
      return exitCodes.invalidOrDeviated;
    }
    if (json) output.json({ ok: true, experiment: result.experiment, warnings: result.warnings });
    else {
      output.json(result.experiment);
      for (const warning of result.warnings) output.progress(`warning: ${warning}`);
    }
    return exitCodes.ok;
  },
};
