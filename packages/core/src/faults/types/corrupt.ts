import * as s from '../../schema/schema-builders.js';
import { defineFaultType, type NeutralResponse } from '../fault-type.js';
import { noResponseToChange } from './http-only.js';

/**
 */
export const corruptModes = ['replace', 'truncate', 'mangle'] as const;
/**
 * @example
 * ```ts
 * const mode: CorruptMode = 'mangle';
 * ```
 */
export type CorruptMode = (typeof corruptModes)[number];

const swaps: Record<string, string> = { '{': '}', '}': '{', '[': ']', ']': '[', '"': '`', ':': '=' };

/**
 * Garbles a body deterministically so JSON (and most other) parsers reject it while its length stays the same:
 * brackets and braces are swapped, quotes become backticks, letters are ROT13-rotated and digits shifted by 5.
 * A body that would still parse as a bare JSON number gets a `#` in front.
 *
 * @example
 * ```ts
 * mangleBody('{"ok":true}'); // '}`bx`=gehr{'
 * ```
 */
export function mangleBody(body: string): string {
  let result = '';
  for (const character of body) {
    const code = character.charCodeAt(0);
    const swapped = swaps[character];
    if (swapped !== undefined) result += swapped;
    else if (code >= 65 && code <= 90) result += String.fromCharCode(((code - 65 + 13) % 26) + 65);
    else if (code >= 97 && code <= 122) result += String.fromCharCode(((code - 97 + 13) % 26) + 97);
    else if (code >= 48 && code <= 57) result += String.fromCharCode(((code - 48 + 5) % 10) + 48);
    else result += character;
  }
  const first = result.trimStart().charAt(0);
  return first === '-' || (first >= '0' && first <= '9') ? `#${result}` : result;
}

/**
 * `corrupt` (after the handler): the handler runs, then its response is changed: `replace` the body (with `body`,
 * default empty), `truncate` it to its first half, or `mangle` it so clients cannot parse it. `status` optionally
 * overrides the status code. Responses that are not HTTP-like (queue results) are left alone.
 *
 * @example
 * ```yaml
 * faults:
 *   - id: broken-json
 *     type: corrupt
 *     probability: 0.05
 *     mode: mangle
 * ```
 */
export const corruptFault = defineFaultType({
  type: 'corrupt',
  summary:
    "Changes the handler's response afterwards: replaces, truncates or mangles the body, or the status.",
  phase: 'after',
  attributes: s.object({
    mode: s.defaulted(
      s.oneOf(corruptModes, {
        description:
          '`replace` the body, `truncate` it to half its length, or `mangle` it into unparseable text.',
      }),
      'replace',
    ),
    body: s.optional(
      s.string({ maxLength: 65_536, description: 'Replacement body for mode `replace` (default: empty).' }),
    ),
    status: s.optional(
      s.number({
        integer: true,
        minimum: 100,
        maximum: 599,
        description: 'Status code to report instead, e.g. 200.',
      }),
    ),
  }),
  create(attributes) {
    const { mode, status } = attributes;
    const replacement = attributes.body ?? '';
    const transform = (body: string | undefined): string | undefined => {
      if (mode === 'replace') return replacement;
      if (body === undefined) return body;
      if (mode === 'truncate') return body.slice(0, Math.floor(body.length / 2));
      return mangleBody(body);
    };
    return {
      cannotAct: noResponseToChange,
      // Replacing the body outright needs nothing of the old one, so a streamed body is never read for it.
      readsResponseBody: mode !== 'replace',
      after: (context, response): NeutralResponse => {
        if (response.body === undefined && mode !== 'replace') {
          context.report?.(
            'debug',
            `corrupt fault ${context.fault.id} left the body alone: the response has none it could read (no body, or a stream the adapter passes through unread, e.g. one over its buffer limit)`,
            { mode },
          );
        }
        return {
          status: status ?? response.status,
          headers: response.headers,
          body: transform(response.body),
        };
      },
    };
  },
});
