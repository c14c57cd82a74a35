/**
 * The AWS error name of an SDK error (`ThrottlingException`, `ParameterNotFound`, …), for messages and hints;
 * `UnknownError` when there is none.
 *
 * @example
 * ```ts
 * awsErrorCode(Object.assign(new Error('slow down'), { name: 'ThrottlingException' })); // 'ThrottlingException'
 * ```
 */
export function awsErrorCode(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const { name, Code } = error as { name?: unknown; Code?: unknown };
    if (typeof name === 'string' && name !== 'Error') return name;
    if (typeof Code === 'string') return Code;
  }
  return 'UnknownError';
}
