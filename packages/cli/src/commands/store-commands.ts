import type { RunSection } from '@faultline/core';
import { parseAssignments, UsageError } from '../arguments.js';
import type { CommandContext } from '../command.js';
import { exitCodes } from '../exit-codes.js';
import { type LoadedExperiment, loadExperimentFile, resolveRunSection } from '../experiment-file.js';
import { formatLocatedIssue } from '../issue-locations.js';
import { type SelectedStore, selectStores } from '../store-selection.js';
import { createStore, type ExperimentStore, StoreAccessError, StoreConflictError } from '../stores/index.js';

/** A selected store with its client. */
export interface OpenStore extends SelectedStore {
  readonly store: ExperimentStore;
}

/** Whether `--to` names every store completely (then the run section is not needed). */
function needsRunSection(context: CommandContext): boolean {
  const specs = context.args.values('to');
  return (
    specs.length === 0 ||
    specs.some((spec) => !spec.includes(':')) ||
    context.args.values('target').length > 0
  );
}

/**
 * Loads the optional experiment file, resolves its run section when the stores come from it, and opens the stores.
 * An invalid file is reported and returned as `undefined` stores (the caller exits 1).
 */
export async function openStores(
  context: CommandContext,
  options: { readonly file: string | undefined; readonly requireValid: boolean },
): Promise<{ loaded: LoadedExperiment | undefined; stores: OpenStore[] } | { invalid: LoadedExperiment }> {
  const loaded = options.file === undefined ? undefined : await loadExperimentFile(options.file);
  if (loaded !== undefined && !loaded.ok && options.requireValid) return { invalid: loaded };
  let run: RunSection | undefined;
  // Without a validation gate (status, off, on) a file whose faults are broken still names its stores.
  const raw = loaded?.ok ? loaded.raw : loaded?.raw;
  if (raw !== undefined && raw.run !== undefined && needsRunSection(context)) {
    run = resolveRunSection(raw, parseAssignments(context.args.values('set')), context.environment);
  }
  const selected = selectStores(context.args, run);
  const stores = selected.map((entry) => ({
    ...entry,
    store: createStore(entry.coordinates, context.environment),
  }));
  return { loaded, stores };
}

/** Prints an invalid file and returns exit code 1. */
export function reportInvalid(context: CommandContext, loaded: LoadedExperiment): number {
  if (loaded.ok) return exitCodes.ok;
  if (context.json) context.output.json({ valid: false, path: loaded.path, issues: loaded.issues });
  else {
    context.output.error(
      `${context.output.errorStyle.red('✗')} ${loaded.path} is invalid; nothing was written:`,
    );
    for (const issue of loaded.issues) context.output.error(`  ${formatLocatedIssue(loaded.path, issue)}`);
  }
  return exitCodes.invalidOrDeviated;
}

/** The exit code for a set of per-store outcomes: conflicts win over store errors (both mean "look again"). */
export function exitCodeFor(errors: readonly unknown[]): number {
  if (errors.some((error) => error instanceof StoreConflictError)) return exitCodes.conflict;
  if (errors.length > 0) return exitCodes.storeError;
  return exitCodes.ok;
}

/** A one-line description of an error for tables. */
export function describeError(error: unknown): string {
  if (error instanceof StoreConflictError || error instanceof StoreAccessError) return error.message;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Closes every store, ignoring errors (we are exiting). */
export async function closeStores(stores: readonly OpenStore[]): Promise<void> {
  await Promise.allSettled(stores.map((entry) => entry.store.close()));
}

/** Throws a usage error when the command got more positionals than it takes. */
export function singleFile(context: CommandContext, command: string, required: boolean): string | undefined {
  const [file, ...rest] = context.args.positionals;
  if (rest.length > 0)
    throw new UsageError(`${command} takes one experiment file, got ${context.args.positionals.length}`);
  if (required && file === undefined)
    throw new UsageError(
      `${command} needs an experiment file`,
      `faultline ${command} experiment.yaml --to …`,
    );
  return file;
}

/** `aws  aws-ssm:/faultline/demo` for run-section targets; the address once when the target is the address. */
export function storeHeading(target: string, store: string, dim: (text: string) => string): string {
  return target === store ? store : `${target.padEnd(8)} ${dim(store)}`;
}
