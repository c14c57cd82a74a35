import type { ValidationIssue } from '../schema/schema.js';

/**
 * Quoted text inside a message: what the validator and the JSON parser copy from the document ("got \"…\"",
 * `Unexpected token 'h', "hunter2" is not valid JSON`).
 */
const quotedText = /"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'/g;

/**
 * Masks every quoted value in a message. Validation messages quote the offending value, which is what a person at
 * a terminal needs (`faultline validate`) but must never reach function logs: a config source pointed at the wrong
 * SecureString or App Configuration key would otherwise print a secret. Numbers, paths and the shape of the
 * problem stay, so the line still says where to look.
 *
 * @example
 * ```ts
 * redactQuotedValues('(document): must be an object, got "hunter2"'); // '(document): must be an object, got "…"'
 * ```
 */
export function redactQuotedValues(message: string): string {
  return message.replace(quotedText, (quoted) => `${quoted[0]}…${quoted[0]}`);
}

/**
 * {@link redactQuotedValues} applied to the message, hint and path of each issue (paths quote keys that are not
 * identifiers). Use it before issues leave the process as runtime events.
 *
 * @example
 * ```ts
 * import { formatValidationIssues } from '@faultline/core';
 * logger.warn(formatValidationIssues(redactValidationIssues(result.issues)));
 * ```
 */
export function redactValidationIssues(issues: readonly ValidationIssue[]): ValidationIssue[] {
  return issues.map((issue) => ({
    path: redactQuotedValues(issue.path),
    message: redactQuotedValues(issue.message),
    ...(issue.hint === undefined ? {} : { hint: redactQuotedValues(issue.hint) }),
  }));
}
