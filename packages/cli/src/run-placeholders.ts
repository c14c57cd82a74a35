// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${NAME}` placeholders are literal text in this file.
/**
 * Resolution of the `run` section's `${NAME}` / `${NAME:-default}` placeholders. The syntax belongs to the file
 * format (core's `createPlaceholderPattern`, which validation uses to accept a URL that is not one yet); putting in
 * the values is the CLI's job, at run time, from `--set NAME=value` and the environment.
 */
import { createPlaceholderPattern, FaultlineError, isPlainObject, joinPath } from '@faultline/core';

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
