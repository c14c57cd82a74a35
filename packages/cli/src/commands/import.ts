import { readFile } from 'node:fs/promises';
import * as core from '@faultline/core';
import { formatValidationIssues, parseExperimentText, validateExperiment } from '@faultline/core';
import { UsageError } from '../arguments.js';
import type { Command } from '../command.js';
import { exitCodes } from '../exit-codes.js';

/** Formats `faultline import --from` understands. */
export const importFormats = ['failure-lambda', 'chaos-lambda'] as const;
export type ImportFormat = (typeof importFormats)[number];

type Importer = (input: unknown, options?: { id?: string }) => unknown;

/** Finds core's importer for `format` (the importers live in `@faultline/core`, owned by the schema area). */
function findImporter(format: ImportFormat): Importer | undefined {
  const exports = core as unknown as Record<string, unknown>;
  const candidates =
    format === 'failure-lambda'
      ? ['importFailureLambda', 'importFailureLambdaConfig', 'fromFailureLambda']
      : ['importChaosLambda', 'importChaosLambdaConfig', 'fromChaosLambda'];
  for (const name of candidates) {
    const candidate = exports[name];
    if (typeof candidate === 'function') return candidate as Importer;
  }
  const generic = exports.importExperiment;
  if (typeof generic === 'function')
    return (input, options) =>
      (generic as (f: string, i: unknown, o?: unknown) => unknown)(format, input, options);
  return undefined;
}

/** `faultline import <file> --from failure-lambda|chaos-lambda`: converts a competitor's config. */
export const importCommand: Command = {
  name: 'import',
  summary: 'Convert a failure-lambda or chaos_lambda config into a faultline experiment',
  help: `Usage: faultline import <file> --from failure-lambda|chaos-lambda [--id ID] [--json]

Reads a failure-lambda (v1 feature flags or v0 flat format) or chaos_lambda config (JSON, e.g. the SSM parameter
value) and prints the equivalent faultline experiment as JSON (validated), with notes about anything that could
not be carried over. Exit code 1 when the input cannot be converted.

Example:
  aws ssm get-parameter --name failureLambdaConfig --query Parameter.Value --output text > old.json
  faultline import old.json --from failure-lambda > experiments/migrated.json`,
  flags: { values: ['from', 'id'], switches: ['json'] },
  async run({ args, output }) {
    const [file, ...rest] = args.positionals;
    if (file === undefined || rest.length > 0)
      throw new UsageError('import takes one file', 'faultline import old.json --from failure-lambda');
    const from = args.value('from');
    if (from === undefined || !(importFormats as readonly string[]).includes(from)) {
      throw new UsageError(`--from must be one of ${importFormats.join(', ')}`, '--from failure-lambda');
    }
    const importer = findImporter(from as ImportFormat);
    if (importer === undefined) {
      output.line(`faultline import: this build of @faultline/core has no ${from} importer`);
      return exitCodes.storeError;
    }
    const parsed = await parseExperimentText(await readFile(file, 'utf8'));
    if (!parsed.ok) {
      output.line(formatValidationIssues(parsed.issues));
      return exitCodes.invalidOrDeviated;
    }
    const id = args.value('id');
    const result = importer(parsed.value, id === undefined ? {} : { id }) as {
      ok?: boolean;
      experiment?: unknown;
      issues?: core.ValidationIssue[];
      notes?: string[];
      warnings?: string[];
    };
    const experiment = result.experiment ?? (result.ok === undefined ? result : undefined);
    if (result.ok === false || experiment === undefined) {
      output.line(formatValidationIssues(result.issues ?? [{ path: '', message: 'could not be converted' }]));
      return exitCodes.invalidOrDeviated;
    }
    const validated = validateExperiment(experiment);
    if (!validated.ok) {
      output.line(formatValidationIssues(validated.issues));
      return exitCodes.invalidOrDeviated;
    }
    output.json(experiment);
    for (const note of [...(result.notes ?? []), ...(result.warnings ?? [])])
      output.progress(`note: ${note}`);
    return exitCodes.ok;
  },
};
