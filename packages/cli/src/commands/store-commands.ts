import { parseAssignments, UsageError } from '../arguments.js';
import type { CommandContext } from '../command.js';
import { exitCodes } from '../exit-codes.js';
import {
  type LoadedExperiment,
  loadExperimentFile,
  type RunTargetStore,
  resolveRunTargetStores,
} from '../experiment-file.js';
import { formatLocatedIssue } from '../issue-locations.js';
import { loadSeenVersions } from '../seen-versions.js';
import { selectStores } from '../store-selection.js';
import {
  createStore,
  describeCoordinates,
  type ExperimentStore,
  StoreAccessError,
  StoreConflictError,
  type StoredExperiment,
} from '../stores/index.js';

/**
 * A selected store with its client, or the reason it could not be opened (an unresolvable run-target store, a
 * missing connection string, an unreadable CA file). Each store is opened on its own, so one that cannot be
 * configured never keeps a command from acting on the others.
 */
export type OpenStore =
  | { readonly label: string; readonly name: string; readonly store: ExperimentStore }
  | { readonly label: string; readonly name: string; readonly store?: undefined; readonly error: Error };

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
 * Loads the optional experiment file, resolves the stores of its run targets when the stores come from it (each
 * store on its own, nothing else of the run section: no probe URL is needed to reach a store), and opens every
 * store independently. An invalid file is returned as `invalid` when `requireValid` (the caller exits 1).
 */
export async function openStores(
  context: CommandContext,
  options: { readonly file: string | undefined; readonly requireValid: boolean },
): Promise<{ loaded: LoadedExperiment | undefined; stores: OpenStore[] } | { invalid: LoadedExperiment }> {
  const loaded = options.file === undefined ? undefined : await loadExperimentFile(options.file);
  if (loaded !== undefined && !loaded.ok && options.requireValid) return { invalid: loaded };
  let targets: RunTargetStore[] | undefined;
  const allowOutside = context.args.has('allow-outside');
  // Without a validation gate (status, off, on) a file whose faults are broken still names its stores.
  const raw = loaded?.ok ? loaded.raw : loaded?.raw;
  if (raw !== undefined && raw.run !== undefined && needsRunSection(context)) {
    targets = resolveRunTargetStores(raw, parseAssignments(context.args.values('set')), context.environment, {
      ...(options.file === undefined ? {} : { file: options.file }),
      allowOutside,
    });
  }
  const stores = selectStores(context.args, targets).map((entry): OpenStore => {
    if (entry.coordinates === undefined) {
      return {
        label: entry.label,
        name: entry.label,
        error: new StoreAccessError(entry.problem, entry.label),
      };
    }
    const name = describeCoordinates(entry.coordinates);
    try {
      const store = createStore(entry.coordinates, context.environment, {
        allowOutside,
        onWarning: (message) => context.output.progress(`warning: ${message}`),
      });
      return { label: entry.label, name, store };
    } catch (error) {
      return {
        label: entry.label,
        name,
        error: error instanceof Error ? error : new StoreAccessError(`${name}: ${String(error)}`, name),
      };
    }
  });
  return { loaded, stores };
}

/** A per-store outcome of {@link forEachStore}: the action's result, or the error that kept the store from it. */
export type StoreOutcome<T extends object> = { target: string; store: string; elapsedMs: number } & (
  | T
  | { error: unknown }
);

/**
 * Runs `action` on every store that could be opened, all in parallel, and turns a store that could not be opened
 * or whose action failed into an `error` outcome: every store gets an answer, none is skipped because another
 * failed.
 */
export async function forEachStore<T extends object>(
  stores: readonly OpenStore[],
  action: (store: ExperimentStore) => Promise<T>,
): Promise<StoreOutcome<T>[]> {
  return Promise.all(
    stores.map(async (entry) => {
      const startedAt = performance.now();
      const elapsed = () => Math.round(performance.now() - startedAt);
      if (entry.store === undefined)
        return { target: entry.label, store: entry.name, error: entry.error, elapsedMs: 0 };
      try {
        const result = await action(entry.store);
        return { target: entry.label, store: entry.store.name, ...result, elapsedMs: elapsed() };
      } catch (error) {
        return { target: entry.label, store: entry.store.name, error, elapsedMs: elapsed() };
      }
    }),
  );
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
  await Promise.allSettled(stores.map((entry) => entry.store?.close()));
}

/**
 * For commands that must not half-apply (`push`): the stores that could not be opened, reported, or an empty list.
 */
export function unopenedStores(
  stores: readonly OpenStore[],
): { label: string; name: string; error: Error }[] {
  return stores.flatMap((entry) =>
    entry.store === undefined ? [{ label: entry.label, name: entry.name, error: entry.error }] : [],
  );
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

/** The errors among per-store outcomes. */
export function errorsOf(results: readonly ({ error: unknown } | object)[]): unknown[] {
  return results.flatMap((result) => ('error' in result ? [result.error] : []));
}

/**
 * Reads every store in parallel and remembers each version read as the one reviewed (a following `push` replaces
 * exactly that version): `diff` and `status`.
 */
export async function readEveryStore(
  context: CommandContext,
  stores: readonly OpenStore[],
): Promise<StoreOutcome<{ current: StoredExperiment | undefined }>[]> {
  const seen = await loadSeenVersions(context.statePath);
  const results = await forEachStore(stores, async (store) => {
    const current = await store.read();
    seen.set(store.name, current?.version ?? null);
    return { current };
  });
  await seen.save();
  return results;
}
