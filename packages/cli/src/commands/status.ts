import type { Command } from '../command.js';
import { storeCommandFlags, storeFlagsHelp } from '../store-selection.js';
import {
  closeStores,
  describeError,
  errorsOf,
  exitCodeFor,
  openStores,
  readEveryStore,
  singleFile,
  storeHeading,
} from './store-commands.js';

/** What a store holds, summarized. */
export interface StoreStatus {
  readonly target: string;
  readonly store: string;
  readonly state: 'present' | 'missing' | 'unreadable' | 'error';
  readonly id?: string;
  readonly enabled?: boolean;
  readonly mode?: string;
  readonly window?: unknown;
  readonly faults?: number;
  readonly version?: string;
  readonly error?: string;
}

/** `faultline status [file] --to …`: what every store holds (id, enabled, window, version). */
export const statusCommand: Command = {
  name: 'status',
  summary: 'Show what each store holds: experiment id, enabled, mode, window, version',
  help: `Usage: faultline status [file] [--to KIND[:ADDRESS]]... [--json]

Reads every named store (or every target of the file's run section) in parallel and shows the stored experiment:
id, enabled, mode, time window, number of faults and version. Needs only the stores' coordinates; a store that
cannot be configured or read is reported next to the others. Exit code 4 if a store could not be read.

${storeFlagsHelp}

Example:
  faultline status --to aws-ssm:/faultline/orders --to file:.faultline/demo.json`,
  flags: storeCommandFlags,
  async run(context) {
    const file = singleFile(context, 'status', false);
    const opened = await openStores(context, { file, requireValid: false });
    if ('invalid' in opened) return 1;
    const { stores } = opened;
    const results = await readEveryStore(context, stores);
    const errors = errorsOf(results);
    const statuses = results.map((result): StoreStatus => {
      const { target, store } = result;
      if ('error' in result) return { target, store, state: 'error', error: describeError(result.error) };
      const { current } = result;
      if (current === undefined) return { target, store, state: 'missing' };
      const document = current.document as Record<string, unknown> | undefined;
      if (typeof document !== 'object' || document === null) {
        return { target, store, state: 'unreadable', version: current.version };
      }
      return {
        target,
        store,
        state: 'present',
        ...(typeof document.id === 'string' ? { id: document.id } : {}),
        enabled: document.enabled !== false,
        mode: typeof document.mode === 'string' ? document.mode : 'enforce',
        ...(document.window === undefined ? {} : { window: document.window }),
        faults: Array.isArray(document.faults) ? document.faults.length : 0,
        version: current.version,
      };
    });
    await closeStores(stores);
    if (context.json) context.output.json({ stores: statuses });
    else {
      const { style } = context.output;
      for (const status of statuses) {
        const head = storeHeading(status.target, status.store, style.dim);
        if (status.state === 'error')
          context.output.line(`${style.red('✗')} ${head}  ${style.red(status.error ?? '')}`);
        else if (status.state === 'missing') context.output.line(`${style.dim('·')} ${head}  no experiment`);
        else if (status.state === 'unreadable')
          context.output.line(
            `${style.yellow('?')} ${head}  not a JSON experiment (version ${status.version})`,
          );
        else {
          const switchText = status.enabled ? style.yellow('ENABLED') : style.green('disabled');
          const window = status.window === undefined ? '' : `  window ${formatWindow(status.window)}`;
          context.output.line(
            `${status.enabled ? style.yellow('●') : style.green('○')} ${head}  "${status.id}" ${switchText} ${status.mode}, ${status.faults} fault${status.faults === 1 ? '' : 's'}${window}  version ${status.version}`,
          );
        }
      }
    }
    return exitCodeFor(errors);
  },
};

function formatWindow(window: unknown): string {
  const { start, end } = (window ?? {}) as { start?: string; end?: string };
  return `${start ?? '…'} → ${end ?? '…'}`;
}
