/** A process environment, or a test's stand-in for one. */
export type EnvironmentVariables = Readonly<Record<string, string | undefined>>;

const onWords = new Set(['1', 'true', 'yes', 'on']);
const offWords = new Set(['', '0', 'false', 'no', 'off']);

/** The words an on/off variable accepts, for messages. */
export const environmentFlagWords = '1, true, yes, on, 0, false, no, off';

/**
 * Reads an on/off variable the same way for every FAULTLINE_* flag: `1`, `true`, `yes`, `on` are on; unset, empty,
 * `0`, `false`, `no`, `off` are off (trimmed, any case). Anything else is `undefined`, so the caller decides what an
 * unrecognised value means and says so (the kill switch counts it as on).
 *
 * @example
 * ```ts
 * import { parseEnvironmentFlag } from '@faultline/core/adapter-kit';
 *
 * parseEnvironmentFlag(' Yes '); // true
 * parseEnvironmentFlag(undefined); // false
 * parseEnvironmentFlag('enabled'); // undefined: not a flag word
 * ```
 */
export function parseEnvironmentFlag(text: string | undefined): boolean | undefined {
  const word = (text ?? '').trim().toLowerCase();
  if (onWords.has(word)) return true;
  return offWords.has(word) ? false : undefined;
}

/**
 * The value of the first of `names` that is set to something other than blanks, trimmed: a variable set to `''` or
 * `' '` counts as unset everywhere (a stage of `' prod '` would otherwise not be recognised as production).
 *
 * @example
 * ```ts
 * import { readEnvironmentValue } from '@faultline/core/adapter-kit';
 *
 * readEnvironmentValue({ AWS_REGION: ' ', AWS_DEFAULT_REGION: 'eu-west-1' }, 'AWS_REGION', 'AWS_DEFAULT_REGION');
 * // 'eu-west-1'
 * ```
 */
export function readEnvironmentValue(
  environment: EnvironmentVariables,
  ...names: readonly string[]
): string | undefined {
  for (const name of names) {
    const value = nonBlank(environment[name]);
    if (value !== undefined) return value;
  }
  return undefined;
}

/**
 * `value` trimmed, or `undefined` when it is unset or only blanks: the rule {@link readEnvironmentValue} applies,
 * for settings given in code that fall back to a variable.
 *
 * @example
 * ```ts
 * import { nonBlank, readEnvironmentValue } from '@faultline/core/adapter-kit';
 *
 * const key = nonBlank(options.key) ?? readEnvironmentValue(process.env, 'FAULTLINE_AZURE_APPCONFIG_KEY');
 * ```
 */
export function nonBlank(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}
