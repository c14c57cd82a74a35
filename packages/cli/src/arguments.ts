/**
 * A small argument parser: `--flag value`, `--flag=value`, repeatable flags, boolean switches, `--` to end flags.
 * Unknown flags are usage errors with a "did you mean" hint, because a mistyped `--forse` must never be ignored
 * on a command that writes to production stores.
 */

import { closestName, FaultlineError } from '@faultline/core';
/** Declares the flags a command accepts. */
export interface FlagSpec {
  /** Flags taking a value, e.g. `to`, `set`. */
  readonly values?: readonly string[];
  /** Value flags that may repeat (collected in order). */
  readonly repeatable?: readonly string[];
  /** Boolean switches, e.g. `json`, `force`. */
  readonly switches?: readonly string[];
  /** One-letter aliases, e.g. `{ h: 'help' }`. */
  readonly aliases?: Readonly<Record<string, string>>;
}

/** The parsed command line. */
export interface ParsedArguments {
  readonly positionals: readonly string[];
  /** Last value of a value flag. */
  value(name: string): string | undefined;
  /** Every value of a repeatable flag. */
  values(name: string): readonly string[];
  /** Whether a switch was given. */
  has(name: string): boolean;
}

/**
 * The command line is wrong (unknown flag, missing value…). Exit code 2.
 *
 * @example
 * ```ts
 * throw new UsageError('validate needs a file', 'faultline validate experiment.yaml');
 * ```
 */
export class UsageError extends FaultlineError {
  override readonly name = 'UsageError';
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super('USAGE', message);
  }
}

/**
 * Parses `argv` (without the node binary, script and command name).
 *
 * @example
 * ```ts
 * const args = parseArguments(['file.yaml', '--to', 'file', '--force'], { values: ['to'], switches: ['force'] });
 * args.value('to'); // 'file'
 * ```
 */
export function parseArguments(argv: readonly string[], spec: FlagSpec): ParsedArguments {
  const valueFlags = new Set([...(spec.values ?? []), ...(spec.repeatable ?? [])]);
  const switches = new Set(spec.switches ?? []);
  const positionals: string[] = [];
  const values = new Map<string, string[]>();
  const given = new Set<string>();

  for (let index = 0; index < argv.length; index++) {
    const token = argv[index] as string;
    if (token === '--') {
      positionals.push(...argv.slice(index + 1));
      break;
    }
    if (!token.startsWith('-') || token === '-') {
      positionals.push(token);
      continue;
    }
    const body = token.startsWith('--') ? token.slice(2) : token.slice(1);
    const equals = body.indexOf('=');
    const rawName = equals === -1 ? body : body.slice(0, equals);
    const name = token.startsWith('--') ? rawName : (spec.aliases?.[rawName] ?? rawName);
    if (switches.has(name)) {
      if (equals !== -1) throw new UsageError(`--${name} is a switch and takes no value`);
      given.add(name);
      continue;
    }
    if (!valueFlags.has(name)) {
      const known = [...valueFlags, ...switches];
      const suggestion = closestName(name, known);
      throw new UsageError(
        `unknown option ${token}`,
        suggestion === undefined
          ? `known options: ${known.map((flag) => `--${flag}`).join(', ')}`
          : `did you mean --${suggestion}?`,
      );
    }
    let value: string | undefined;
    if (equals !== -1) value = body.slice(equals + 1);
    else {
      value = argv[index + 1];
      if (value === undefined || (value.startsWith('--') && value.length > 2)) {
        throw new UsageError(`--${name} needs a value`);
      }
      index++;
    }
    const list = values.get(name) ?? [];
    list.push(value);
    values.set(name, list);
    given.add(name);
  }

  for (const [name, list] of values) {
    if (list.length > 1 && !(spec.repeatable ?? []).includes(name)) {
      throw new UsageError(`--${name} was given ${list.length} times; give it once`);
    }
  }

  return {
    positionals,
    value: (name) => values.get(name)?.at(-1),
    values: (name) => values.get(name) ?? [],
    has: (name) => given.has(name),
  };
}

/**
 * Parses repeated `--set NAME=value` flags into a record.
 *
 * @example
 * ```ts
 * parseAssignments(['AWS_DEMO_URL=http://127.0.0.1:3001']); // { AWS_DEMO_URL: 'http://127.0.0.1:3001' }
 * ```
 */
export function parseAssignments(assignments: readonly string[]): Record<string, string> {
  const result: Record<string, string> = {};
  for (const assignment of assignments) {
    const equals = assignment.indexOf('=');
    const name = equals === -1 ? '' : assignment.slice(0, equals);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new UsageError(
        `--set ${assignment}: expected NAME=value`,
        'e.g. --set AWS_DEMO_URL=http://127.0.0.1:3001',
      );
    }
    result[name] = assignment.slice(equals + 1);
  }
  return result;
}
