import * as s from '../../schema/schema-builders.js';
import { defineFaultType } from '../fault-type.js';
import { createPreparedModule } from '../prepared-module.js';

/** Every file this fault writes starts with this, so leftovers are recognizable (and swept). */
export const diskfillFilePrefix = 'faultline-diskfill-';

const bytesPerMb = 1024 * 1024;
/** Never fill the last few MB: the runtime itself (logs, extensions) must still be able to write. */
export const diskfillReserveBytes = 8 * bytesPerMb;
/** The largest fill one fault may ask for: 10 GB, Lambda's largest ephemeral storage. */
const maxSizeMb = 10_240;

// The effect needs `node:fs/promises` and `node:os`: it loads with the first experiment that has a diskfill fault,
// not with every experiment.
const diskfillEffect = createPreparedModule(() => import('./diskfill-effect.js'), 'the diskfill effect');

/** How many bytes to write: the requested size or "all but N MB", never more than what is free minus a reserve. */
export function diskfillTargetBytes(
  request: { readonly sizeMb?: number | undefined; readonly leaveFreeMb?: number | undefined },
  availableBytes: number,
): number {
  const fillable = Math.max(0, availableBytes - diskfillReserveBytes);
  const wanted =
    request.sizeMb !== undefined
      ? request.sizeMb * bytesPerMb
      : Math.max(0, availableBytes - (request.leaveFreeMb ?? 0) * bytesPerMb);
  return Math.floor(Math.min(wanted, fillable));
}

/**
 * `diskfill` (around the handler): fills the function's temp directory with real bytes (no sparse file) — `sizeMb`
 * MB, or everything but `leaveFreeMb` MB — before the handler runs, and deletes the file when the invocation ends,
 * also when the handler throws or times out. The fill is capped to the free space minus an 8 MB reserve, so the
 * runtime can still write logs. Files are named `faultline-diskfill-*`; leftovers of a killed instance older than
 * 20 minutes are swept the next time the fault runs in that directory.
 *
 * @example
 * ```yaml
 * faults:
 *   - id: tmp-almost-full
 *     type: diskfill
 *     scope: process
 *     probability: 0.05
 *     leaveFreeMb: 5
 * ```
 */
export const diskfillFault = defineFaultType({
  type: 'diskfill',
  summary: 'Fills the temp directory with real bytes for the invocation, then deletes them.',
  phase: 'around',
  reach: 'process',
  attributes: s.object(
    {
      sizeMb: s.optional(
        s.number({
          minimum: 1,
          maximum: maxSizeMb,
          unit: 'MB',
          description: 'MB to write (capped to free space).',
        }),
      ),
      leaveFreeMb: s.optional(
        s.number({
          minimum: 0,
          maximum: maxSizeMb,
          unit: 'MB',
          description: 'Fill until only this many MB are free.',
        }),
      ),
      directory: s.optional(
        s.string({
          minLength: 1,
          maxLength: 1024,
          description: 'Directory to fill (default: the OS temp dir).',
        }),
      ),
    },
    {
      refine: (value: { sizeMb?: number; leaveFreeMb?: number }, path, issues) => {
        const at = (key: string) => (path === '' ? key : `${path}.${key}`);
        if ((value.sizeMb === undefined) === (value.leaveFreeMb === undefined)) {
          issues.push({
            path: at('sizeMb'),
            message:
              value.sizeMb === undefined
                ? 'is required (or leaveFreeMb)'
                : 'cannot be combined with leaveFreeMb',
            hint: 'use sizeMb: 400 to write 400 MB, or leaveFreeMb: 5 to leave only 5 MB free',
          });
        }
      },
    },
  ),
  prepare: diskfillEffect.prepare,
  create(attributes, fault) {
    return diskfillEffect
      .get()
      .createDiskfillEffect(
        { sizeMb: attributes.sizeMb, leaveFreeMb: attributes.leaveFreeMb },
        attributes.directory,
        fault.id,
      );
  },
});
