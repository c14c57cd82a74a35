import { isDeepStrictEqual } from 'node:util';
import { generateExperimentJsonSchema } from '@faultline/core';
import type { Command } from '../command.js';
import { exitCodes } from '../exit-codes.js';
import { toRuntimeDocument } from '../experiment-file.js';
import { loadSeenVersions } from '../seen-versions.js';
import { storeFlags, storeFlagsHelp } from '../store-selection.js';
import { compactJsonSchema, StoreAccessError, StoreConflictError } from '../stores/index.js';
import { diffDocuments, formatChanges } from '../structural-diff.js';
import {
  closeStores,
  describeError,
  openStores,
  reportInvalid,
  singleFile,
  storeHeading,
  unopenedStores,
} from './store-commands.js';

/** Outcome of pushing to one store. */
export interface PushOutcome {
  readonly target: string;
  readonly store: string;
  /** `skipped`: not written because another store of the same push could not be opened (nothing half-applied). */
  readonly outcome:
    | 'created'
    | 'updated'
    | 'unchanged'
    | 'would-create'
    | 'would-update'
    | 'failed'
    | 'skipped';
  readonly previousVersion?: string | null;
  readonly version?: string;
  readonly changes?: number;
  readonly error?: string;
  readonly conflict?: boolean;
}

/** `faultline push <file> --to …`: validated, optimistic-concurrency writes to every named store. */
export const pushCommand: Command = {
  name: 'push',
  summary: 'Validate an experiment and write it to config stores (refuses to overwrite newer versions)',
  help: `Usage: faultline push <file> [--to KIND[:ADDRESS]]... [--force] [--expected-version V] [--dry-run] [--json]

Validates the file, then writes it (without its run section) to every named store, in parallel. Writes are
compare-and-set: AppConfig LatestVersionNumber and LatestDeploymentNumber, Firestore lastUpdateTime precondition,
App Configuration If-Match, the file store's version check under a lock file. A stored experiment is replaced only if it is still the version you last saw with diff, status
or push (remembered in .faultline/cli-state.json); otherwise push stops with exit code 3 and overwrites nothing.
Review it with \`faultline diff\`, then push again, or pass --force.

SSM has no compare-and-set: push checks the version, then writes. Someone else's write landing in between is
overwritten and cannot be prevented, but it is always reported (exit 3) with the overwritten version, its author
and \`aws ssm get-parameter --name NAME:VERSION\` to get it back from the parameter history.

  --force                  overwrite whatever is stored
  --expected-version V     replace only version V (e.g. from \`faultline status --json\`)
  --dry-run                show what would change, write nothing
  --attach-schema          first make the store validate experiments itself with faultline's JSON Schema
                           (AWS AppConfig: the profile's JSON Schema validator, annotations stripped)
${storeFlagsHelp}

Examples:
  faultline push experiments/pricing-latency.yaml --to aws-ssm:/faultline/orders --region eu-west-1
  faultline push experiments/pricing-latency.yaml --to aws-appconfig:orders/prod/faultline --attach-schema
  faultline push experiments/pricing-latency.yaml --target aws --set AWS_SSM_ENDPOINT=http://127.0.0.1:5000`,
  flags: {
    values: [...storeFlags.values, 'expected-version'],
    repeatable: storeFlags.repeatable,
    switches: [...storeFlags.switches, 'json', 'force', 'dry-run', 'attach-schema'],
  },
  async run(context) {
    const file = singleFile(context, 'push', true);
    const opened = await openStores(context, { file, requireValid: true });
    if ('invalid' in opened) return reportInvalid(context, opened.invalid);
    const { loaded, stores } = opened;
    if (loaded === undefined || !loaded.ok) return exitCodes.invalidOrDeviated;
    const document = toRuntimeDocument(loaded.raw);
    const seen = await loadSeenVersions(context.statePath);
    const force = context.args.has('force');
    const dryRun = context.args.has('dry-run');
    const explicitVersion = context.args.value('expected-version');
    const attachSchema = context.args.has('attach-schema');
    const schema = attachSchema
      ? JSON.stringify(compactJsonSchema(generateExperimentJsonSchema()))
      : undefined;
    const { output } = context;
    if (!context.json)
      output.progress(
        `pushing "${loaded.experiment.id}" to ${stores.length} store${stores.length === 1 ? '' : 's'}…`,
      );

    // A push must not half-apply: when a store cannot even be opened (an unset placeholder, a missing connection
    // string), nothing is written anywhere.
    const unopened = unopenedStores(stores);
    const outcomes = await Promise.all(
      stores.map(async (entry): Promise<PushOutcome> => {
        const { label, store } = entry;
        if (store === undefined)
          return { target: label, store: entry.name, outcome: 'failed', error: describeError(entry.error) };
        if (unopened.length > 0) {
          return {
            target: label,
            store: store.name,
            outcome: 'skipped',
            error: `not written: ${unopened.length === 1 ? 'another store' : `${unopened.length} other stores`} could not be opened`,
          };
        }
        try {
          if (schema !== undefined && !dryRun) {
            if (store.attachSchema === undefined) {
              throw new StoreAccessError(
                `${store.name}: --attach-schema needs a store that validates on its own (aws-appconfig); the others are validated by push`,
                store.name,
              );
            }
            const attached = await store.attachSchema(schema);
            if (!context.json) output.progress(`${store.name}: JSON Schema validator ${attached}`);
          }
          const current = await store.read();
          const changes = diffDocuments(current?.document, document);
          if (current !== undefined && isDeepStrictEqual(current.document, document)) {
            seen.set(store.name, current.version);
            return {
              target: label,
              store: store.name,
              outcome: 'unchanged',
              version: current.version,
              changes: 0,
            };
          }
          if (dryRun) {
            if (!context.json) for (const line of formatChanges(changes)) output.line(`  ${label}: ${line}`);
            return {
              target: label,
              store: store.name,
              outcome: current === undefined ? 'would-create' : 'would-update',
              previousVersion: current?.version ?? null,
              changes: changes.length,
            };
          }
          const expectedVersion =
            current === undefined ? null : (explicitVersion ?? seen.get(store.name) ?? undefined);
          if (!force && current !== undefined && expectedVersion !== current.version) {
            throw new StoreConflictError(
              expectedVersion === undefined || expectedVersion === null
                ? `${store.name} holds version ${current.version}, which you have not reviewed; run faultline diff, then push again (or --force)`
                : `${store.name} holds version ${current.version}, newer than the version ${expectedVersion} you last saw; run faultline diff, then push again (or --force)`,
              store.name,
              expectedVersion,
              current.version,
            );
          }
          const written = await store.write(document, { expectedVersion, force });
          seen.set(store.name, written.version);
          return {
            target: label,
            store: store.name,
            outcome: current === undefined ? 'created' : 'updated',
            previousVersion: current?.version ?? null,
            version: written.version,
            changes: changes.length,
          };
        } catch (error) {
          return {
            target: label,
            store: store.name,
            outcome: 'failed',
            error: describeError(error),
            conflict: error instanceof StoreConflictError,
          };
        }
      }),
    );
    await seen.save();
    await closeStores(stores);
    const errors = outcomes.filter(
      (outcome) => outcome.outcome === 'failed' || outcome.outcome === 'skipped',
    );
    if (context.json) output.json({ experiment: loaded.experiment.id, dryRun, results: outcomes });
    else {
      const { style } = output;
      for (const outcome of outcomes) {
        const mark =
          outcome.outcome === 'failed'
            ? style.red('✗')
            : outcome.outcome === 'skipped'
              ? style.yellow('·')
              : style.green('✓');
        const detail =
          outcome.outcome === 'failed' || outcome.outcome === 'skipped'
            ? style.red(outcome.error ?? '')
            : outcome.outcome === 'unchanged'
              ? `unchanged (version ${outcome.version})`
              : outcome.outcome.startsWith('would')
                ? `${outcome.outcome.replace('-', ' ')} (${outcome.changes} change${outcome.changes === 1 ? '' : 's'})`
                : outcome.outcome === 'created'
                  ? `created (version ${outcome.version})`
                  : `updated: version ${outcome.previousVersion} → ${outcome.version}`;
        output.line(`${mark} ${storeHeading(outcome.target, outcome.store, style.dim)}  ${detail}`);
      }
    }
    // Conflicts win over store errors: both mean "look again", but a conflict says what to do next.
    if (errors.some((outcome) => outcome.conflict)) return exitCodes.conflict;
    return errors.length > 0 ? exitCodes.storeError : exitCodes.ok;
  },
};
