import type { Command } from '../command.js';
import { exitCodes } from '../exit-codes.js';
import { toRuntimeDocument } from '../experiment-file.js';
import { storeCommandFlags, storeFlagsHelp } from '../store-selection.js';
import { type DocumentChange, diffDocuments, formatChanges } from '../structural-diff.js';
import {
  closeStores,
  describeError,
  errorsOf,
  exitCodeFor,
  openStores,
  readEveryStore,
  reportInvalid,
  singleFile,
} from './store-commands.js';

/** `faultline diff <file> --to …`: what a push would change, per store. */
export const diffCommand: Command = {
  name: 'diff',
  summary: 'Show what a push would change in each store (and remember the version you reviewed)',
  help: `Usage: faultline diff <file> [--to KIND[:ADDRESS]]... [--json]

Reads each store and prints a structural diff of the stored experiment against the local file (faults are matched
by id): + added, - removed, ~ changed. The version you reviewed is remembered, so a following push replaces
exactly that version and nothing newer. Exit code 0 whether or not there are differences; 3/4 on store errors.

${storeFlagsHelp}

Example:
  faultline diff experiments/pricing-latency.yaml --to file:.faultline/demo.json`,
  flags: storeCommandFlags,
  async run(context) {
    const file = singleFile(context, 'diff', true);
    const opened = await openStores(context, { file, requireValid: true });
    if ('invalid' in opened) return reportInvalid(context, opened.invalid);
    const { loaded, stores } = opened;
    if (loaded === undefined || !loaded.ok) return exitCodes.invalidOrDeviated;
    const local = toRuntimeDocument(loaded.raw);
    const results = (await readEveryStore(context, stores)).map((result) => {
      if ('error' in result) return result;
      const { current, ...outcome } = result;
      const changes: DocumentChange[] = diffDocuments(current?.document, local);
      return { ...outcome, version: current?.version ?? null, changes };
    });
    await closeStores(stores);
    const errors = errorsOf(results);
    if (context.json) {
      context.output.json({
        experiment: loaded.experiment.id,
        results: results.map((result) =>
          'error' in result ? { ...result, error: describeError(result.error) } : result,
        ),
      });
    } else {
      const { style } = context.output;
      for (const result of results) {
        if ('error' in result) {
          context.output.line(
            `${style.red('✗')} ${result.target}  ${style.red(describeError(result.error))}`,
          );
          continue;
        }
        const heading = `${result.target === result.store ? style.bold(result.store) : `${style.bold(result.target)} ${style.dim(result.store)}`} (stored version ${result.version ?? 'none'})`;
        if (result.changes.length === 0) {
          context.output.line(`${style.green('=')} ${heading}: identical`);
          continue;
        }
        context.output.line(
          `${style.yellow('≠')} ${heading}: ${result.changes.length} change${result.changes.length === 1 ? '' : 's'}`,
        );
        for (const line of formatChanges(result.changes)) {
          const colour = line.startsWith('+') ? style.green : line.startsWith('-') ? style.red : style.yellow;
          context.output.line(`    ${colour(line)}`);
        }
      }
    }
    return exitCodeFor(errors);
  },
};
