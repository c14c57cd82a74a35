import { describeValue, joinContentKey } from '../../schema/schema.js';
import * as s from '../../schema/schema-builders.js';
import { defineFaultType } from '../fault-type.js';

// POSIX-portable environment variable names; anything else is almost certainly a typo in the experiment.
const variableName = s.string({
  minLength: 1,
  maxLength: 256,
  pattern: {
    regex: /^[A-Za-z_][A-Za-z0-9_]*$/,
    description: 'an environment variable name (letters, digits, _)',
  },
});

/** Variables faultline itself reads; changing them from an experiment could disable the safety switches. */
const protectedPrefix = 'FAULTLINE_';

/**
 * `config` (around the handler): runs the invocation with environment variables overridden (`env`) or removed
 * (`unset`), then restores every touched name exactly as it was — including names that were unset before — when
 * the invocation ends, also when the handler throws or times out. Overlapping invocations with overrides of the
 * same name restore correctly in any order. Use it to rehearse a wrong table name, a missing
 * feature flag or a bad endpoint setting.
 *
 * Caveat: `process.env` is global to the process, so the type has `reach: 'process'` and experiments must say
 * `scope: process`. On platforms that run concurrent invocations in one process (Cloud Functions gen2, Azure
 * Functions) other invocations running at the same time see the override too (each that starts meanwhile gets a
 * `neighbour-affected` event); sample with that in mind, or read settings through a per-request layer. On Lambda
 * (one invocation per process) it is exact. Code that copied the variable into a constant at start-up does not see the change.
 *
 * @example
 * ```yaml
 * faults:
 *   - id: wrong-table
 *     type: config
 *     scope: process
 *     probability: 0.1
 *     env:
 *       ORDERS_TABLE: orders-does-not-exist
 *     unset: [PRICING_URL]
 * ```
 */
export const configFault = defineFaultType({
  type: 'config',
  summary: 'Overrides or unsets environment variables for the invocation, then restores them exactly.',
  phase: 'around',
  reach: 'process',
  attributes: s.object(
    {
      env: s.optional(
        s.record(s.string({ maxLength: 32_768 }), {
          maxProperties: 64,
          description: 'Variables to set for the invocation (name → value).',
        }),
      ),
      unset: s.optional(
        s.array(variableName, { minItems: 1, maxItems: 64, description: 'Variables to remove.' }),
      ),
    },
    {
      refine: (value: { env?: Record<string, string>; unset?: string[] }, path, issues) => {
        const at = (key: string) => (path === '' ? key : `${path}.${key}`);
        const envNames = Object.keys(value.env ?? {});
        if (envNames.length === 0 && (value.unset === undefined || value.unset.length === 0)) {
          issues.push({
            path: at('env'),
            message: 'is required (or unset)',
            hint: 'e.g. env: { TABLE_NAME: wrong }',
          });
          return;
        }
        for (const name of [...envNames, ...(value.unset ?? [])]) {
          const where = envNames.includes(name) ? joinContentKey(at('env'), name) : at('unset');
          if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
            issues.push({
              path: where,
              message: `${describeValue(name)} is not an environment variable name`,
            });
          } else if (name.toUpperCase().startsWith(protectedPrefix)) {
            issues.push({
              path: where,
              message: `${describeValue(name)} is faultline's own setting and cannot be changed by a fault`,
              hint: 'use the experiment file or the kill switch instead',
            });
          }
        }
        for (const name of value.unset ?? []) {
          if (envNames.includes(name)) {
            issues.push({
              path: at('unset'),
              message: `${describeValue(name)} is both set (env) and unset`,
              hint: 'keep one',
            });
          }
        }
      },
    },
  ),
  create(attributes) {
    const changes: readonly EnvironmentChange[] = [
      ...Object.entries(attributes.env ?? {}).map(([name, value]) => ({ name, value })),
      ...(attributes.unset ?? []).map((name) => ({ name, value: undefined })),
    ];
    return {
      around(context, next) {
        const release = applyEnvironmentChanges(changes);
        // The finally covers the normal path; the deferred cleanup covers an invocation the engine ends early.
        context.defer(release);
        return next().finally(release);
      },
    };
  },
});

interface EnvironmentChange {
  readonly name: string;
  /** `undefined` removes the variable. */
  readonly value: string | undefined;
}

/**
 * Overrides active per variable, across concurrent invocations. The first override of a name remembers the
 * original value; when overrides overlap (concurrent invocations on Cloud Functions gen2 / Azure) and end in any
 * order, the variable shows the latest still-active override, and the original once the last one ends.
 */
const activeOverrides = new Map<
  string,
  { readonly original: string | undefined; readonly holders: EnvironmentChange[] }
>();

function setVariable(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

function applyEnvironmentChanges(changes: readonly EnvironmentChange[]): () => void {
  const holders: EnvironmentChange[] = [];
  for (const change of changes) {
    let active = activeOverrides.get(change.name);
    if (active === undefined) {
      active = {
        original: Object.hasOwn(process.env, change.name) ? process.env[change.name] : undefined,
        holders: [],
      };
      activeOverrides.set(change.name, active);
    }
    // A fresh object per invocation, so releasing removes exactly this invocation's override.
    const holder = { name: change.name, value: change.value };
    active.holders.push(holder);
    holders.push(holder);
    setVariable(change.name, change.value);
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    for (const holder of holders) {
      const active = activeOverrides.get(holder.name);
      if (active === undefined) continue;
      const index = active.holders.indexOf(holder);
      if (index !== -1) active.holders.splice(index, 1);
      const latest = active.holders[active.holders.length - 1];
      if (latest === undefined) {
        activeOverrides.delete(holder.name);
        setVariable(holder.name, active.original);
      } else {
        setVariable(holder.name, latest.value);
      }
    }
  };
}
