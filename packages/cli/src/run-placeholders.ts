// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${NAME}` placeholders are literal text in this file.
/**
 * Resolution of the `run` section's `${NAME}` / `${NAME:-default}` placeholders. The syntax belongs to the file
 * format (core's `createPlaceholderPattern`, which validation uses to accept a URL that is not one yet); putting in
 * the values is the CLI's job, at run time, from `--set NAME=value` and the environment.
 */
import {
  createPlaceholderPattern,
  FaultlineError,
  isPlainObject,
  joinPath,
  splitCommandLine,
} from '@faultline/core';

const placeholderPattern = createPlaceholderPattern();

/**
 * Raised by {@link resolvePlaceholders} when a placeholder has neither a value nor a default.
 *
 * @example
 * ```ts
 * try {
 *   resolvePlaceholders({ url: '${AWS_DEMO_URL}/orders' }, {}, {});
 * } catch (error) {
 *   if (error instanceof UnsetPlaceholderError) console.error(`set ${error.variable} (used at ${error.path})`);
 * }
 * ```
 */
export class UnsetPlaceholderError extends FaultlineError {
  override readonly name = 'UnsetPlaceholderError';
  constructor(
    readonly variable: string,
    readonly path: string,
  ) {
    super(
      'PLACEHOLDER_UNSET',
      `${path}: \${${variable}} is not set — pass --set ${variable}=VALUE or export ${variable}, or write \${${variable}:-default}`,
    );
  }
}

/**
 * Replaces `${NAME}` / `${NAME:-default}` in every string of `value` (deeply). Values come from `variables` first,
 * then `environment`. Throws {@link UnsetPlaceholderError} naming the first unset variable and where it is used.
 *
 * @example
 * ```ts
 * const run = resolvePlaceholders(section, { AWS_DEMO_URL: 'http://127.0.0.1:3001' }, process.env);
 * ```
 */
export function resolvePlaceholders<T>(
  value: T,
  variables: Readonly<Record<string, string | undefined>>,
  environment: Readonly<Record<string, string | undefined>> = {},
  path = 'run',
): T {
  if (typeof value === 'string') {
    return value.replace(placeholderPattern, (_match, variable: string, fallback: string | undefined) => {
      const resolved = variables[variable] ?? environment[variable];
      if (resolved !== undefined && resolved !== '') return resolved;
      if (fallback !== undefined) return fallback;
      throw new UnsetPlaceholderError(variable, path);
    }) as T;
  }
  if (Array.isArray(value)) {
    return value.map((item, index) =>
      resolvePlaceholders(item, variables, environment, joinPath(path, index)),
    ) as T;
  }
  if (isPlainObject(value)) {
    const result: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      result[key] = resolvePlaceholders(item, variables, environment, joinPath(path, key));
    }
    return result as T;
  }
  return value;
}

/** The program and arguments of one steady-state command, ready to run without a shell. */
export type CommandArgv = readonly [string, ...string[]];

/**
 * Resolves the placeholders of one `steadyState.commands[].run` into an argv list that runs without a shell, so a
 * value from `--set` or the environment is always data, never shell syntax (`QUEUE='q; touch x'` is one
 * argument):
 *
 * - an argv list: each element resolved on its own, one argument each;
 * - a string: split into arguments first (`splitCommandLine`), then each argument resolved;
 * - a string with `shell: true`: run by `/bin/sh -c`, each placeholder replaced by a quoted positional parameter
 *   (`"$1"`, `"$2"`, …) whose value is passed as an argument of `sh`, so the shell never parses it.
 *
 * Throws {@link UnsetPlaceholderError} for an unset placeholder without a default; a string that cannot be split is
 * returned as `undefined` (validation reports it).
 *
 * @example
 * ```ts
 * resolveCommandArgv('./check.sh --queue ${QUEUE}', false, { QUEUE: 'q; touch x' }, {}, 'run.steadyState.commands[0].run');
 * // ['./check.sh', '--queue', 'q; touch x']
 * ```
 */
export function resolveCommandArgv(
  run: string | readonly string[],
  shell: boolean,
  variables: Readonly<Record<string, string | undefined>>,
  environment: Readonly<Record<string, string | undefined>>,
  path: string,
): CommandArgv | undefined {
  if (typeof run !== 'string') {
    const argv = run.map((argument, index) =>
      resolvePlaceholders(argument, variables, environment, joinPath(path, index)),
    );
    return argv.length === 0 ? undefined : (argv as unknown as CommandArgv);
  }
  if (shell) {
    const values: string[] = [];
    const script = replaceInShellScript(run, (placeholder) => {
      values.push(resolvePlaceholders(placeholder, variables, environment, path));
      return values.length;
    });
    // `sh -c script name arg1 arg2`: the arguments become $1, $2, … inside the script, as data.
    return ['/bin/sh', '-c', script, 'faultline-command', ...values];
  }
  const split = splitCommandLine(run);
  if (!split.ok) return undefined;
  const argv = split.words.map((word) => resolvePlaceholders(word, variables, environment, path));
  return argv as unknown as CommandArgv;
}

/**
 * Replaces each placeholder of a shell script with a reference to positional parameter N, quoted for where it
 * stands, so the expansion is always exactly one word and never parsed as shell syntax: `"${N}"` outside quotes,
 * `${N}` inside double quotes, and `'"${N}"'` inside single quotes (close, expand quoted, reopen).
 */
function replaceInShellScript(script: string, positionOf: (placeholder: string) => number): string {
  const pattern = createPlaceholderPattern();
  let result = '';
  let quote: "'" | '"' | undefined;
  let index = 0;
  while (index < script.length) {
    pattern.lastIndex = index;
    const match = pattern.exec(script);
    if (match !== null && match.index === index) {
      const position = positionOf(match[0]);
      result +=
        quote === '"' ? `\${${position}}` : quote === "'" ? `'"\${${position}}"'` : `"\${${position}}"`;
      index += match[0].length;
      continue;
    }
    const character = script.charAt(index);
    if (character === '\\' && quote !== "'") {
      result += script.slice(index, index + 2);
      index += 2;
      continue;
    }
    if ((character === "'" || character === '"') && (quote === undefined || quote === character)) {
      quote = quote === undefined ? character : undefined;
    }
    result += character;
    index++;
  }
  return result;
}
