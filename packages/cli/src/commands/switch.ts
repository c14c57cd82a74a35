import type { Command, CommandContext } from '../command.js';
import { exitCodes } from '../exit-codes.js';
import { storeCommandFlags, storeFlagsHelp } from '../store-selection.js';
import {
  closeStores,
  describeError,
  errorsOf,
  exitCodeFor,
  forEachStore,
  openStores,
  singleFile,
  storeHeading,
} from './store-commands.js';

/** Flips the experiment-level kill switch in every store, in parallel, without a validation gate. */
async function flip(context: CommandContext, enabled: boolean): Promise<number> {
  const file = singleFile(context, enabled ? 'on' : 'off', false);
  const startedAt = performance.now();
  // No validation gate: switching off must work even when the local file is broken.
  const opened = await openStores(context, { file, requireValid: false });
  if ('invalid' in opened) return 1;
  const { stores } = opened;
  // Every store that could be opened is switched, in parallel; one that could not is reported, never a reason to
  // skip the others.
  const results = await forEachStore(stores, (store) => store.setEnabled(enabled));
  await closeStores(stores);
  const elapsedMs = Math.round(performance.now() - startedAt);
  const errors = errorsOf(results);
  if (context.json) {
    context.output.json({
      enabled,
      elapsedMs,
      results: results.map((result) =>
        'error' in result ? { ...result, error: describeError(result.error) } : result,
      ),
    });
  } else {
    const { style } = context.output;
    for (const result of results) {
      const head = storeHeading(result.target, result.store, style.dim);
      if ('error' in result)
        context.output.line(`${style.red('✗')} ${head}  ${style.red(describeError(result.error))}`);
      else {
        const text =
          result.outcome === 'missing'
            ? 'no experiment stored (nothing to switch)'
            : result.outcome === 'unchanged'
              ? `already ${enabled ? 'on' : 'off'}`
              : `switched ${enabled ? 'on' : 'off'} (version ${result.version})`;
        context.output.line(`${style.green('✓')} ${head}  ${text}  ${style.dim(`${result.elapsedMs} ms`)}`);
        for (const lost of result.lostUpdates ?? [])
          context.output.line(`  ${style.yellow('!')} overwrote someone else's concurrent write: ${lost}`);
      }
    }
    context.output.line(
      style.dim(
        `${enabled ? 'on' : 'off'}: ${results.length - errors.length}/${results.length} stores in ${elapsedMs} ms; functions pick it up within their config TTL`,
      ),
    );
  }
  // The switch took effect, but someone's write was overwritten on a store without compare-and-set: say so with
  // the conflict code instead of exiting 0.
  const lostUpdates = results.some((result) => !('error' in result) && (result.lostUpdates?.length ?? 0) > 0);
  const code = exitCodeFor(errors);
  return code === exitCodes.ok && lostUpdates ? exitCodes.conflict : code;
}

/** `faultline off [file] --to …`: the stop button. */
export const offCommand: Command = {
  name: 'off',
  summary: 'Switch experiments off in every named store, at once (the stop button)',
  help: `Usage: faultline off [file] [--to KIND[:ADDRESS]]... [--json]

Sets enabled: false in every named store (or every target of the file's run section), all stores in parallel,
one read and one conditional write each, retrying when someone writes at the same time. No validation gate: it
works even when the local file is broken, and it needs only the stores' coordinates (no probe URL, no other
placeholder). A store that cannot be configured or reached is reported and the others are still switched off;
the exit code (4, or 3 on a conflict) comes after every store was tried. SSM has no compare-and-set: if someone
else's write lands between off's read and its write, off still switches the experiment off, names the
overwritten version (and how to get it back from the parameter history) and exits 3. Functions stop injecting
within their config TTL; for an immediate stop without any store, set FAULTLINE_DISABLED=1 on the functions.

${storeFlagsHelp}

Example:
  faultline off --to aws-ssm:/faultline/orders --to gcp-firestore:faultline/orders`,
  flags: storeCommandFlags,
  run: (context) => flip(context, false),
};

/** `faultline on [file] --to …`: switch a stored experiment back on. */
export const onCommand: Command = {
  name: 'on',
  summary: 'Switch stored experiments back on in every named store',
  help: `Usage: faultline on [file] [--to KIND[:ADDRESS]]... [--json]

Sets enabled: true in every named store (the stored experiment must exist; push it first). Like off, it needs
only the stores' coordinates and reports every store on its own.

${storeFlagsHelp}

Example:
  faultline on experiments/pricing-latency.yaml --target aws`,
  flags: storeCommandFlags,
  run: (context) => flip(context, true),
};
