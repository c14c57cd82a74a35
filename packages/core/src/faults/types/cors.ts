import * as s from '../../schema/schema-builders.js';
import { defineFaultType, type NeutralResponse } from '../fault-type.js';
import { noResponseToChange } from './http-only.js';

export const corsModes = ['remove', 'override'] as const;

const corsPrefix = 'access-control-';

function isCorsHeader(name: string): boolean {
  return name.length > corsPrefix.length && name.slice(0, corsPrefix.length).toLowerCase() === corsPrefix;
}

/**
 * `cors` (after the handler): breaks the response's CORS contract the way a misconfigured gateway or a bad deploy
 * does. `remove` drops every `Access-Control-*` header (compared case-insensitively); `override` replaces them
 * with `headers` (e.g. a wrong `Access-Control-Allow-Origin`), keeping none of the originals. Browsers then refuse
 * the response, which is what front ends must survive.
 *
 * @example
 * ```yaml
 * faults:
 *   - id: wrong-origin
 *     type: cors
 *     probability: 0.2
 *     mode: override
 *     headers:
 *       Access-Control-Allow-Origin: https://attacker.invalid
 * ```
 */
export const corsFault = defineFaultType({
  type: 'cors',
  summary: 'Removes or overrides the Access-Control-* headers of the response.',
  phase: 'after',
  attributes: s.object(
    {
      mode: s.defaulted(
        s.oneOf(corsModes, {
          description: 'remove: drop every Access-Control-* header; override: replace them with `headers`.',
        }),
        'remove',
      ),
      headers: s.optional(
        s.record(s.string({ maxLength: 4096 }), {
          maxProperties: 32,
          description: 'Access-Control-* headers to set in override mode, e.g. Access-Control-Allow-Origin.',
        }),
      ),
    },
    {
      refine: (value: { mode: string; headers?: Record<string, string> }, path, issues) => {
        const at = path === '' ? 'headers' : `${path}.headers`;
        if (
          value.mode === 'override' &&
          (value.headers === undefined || Object.keys(value.headers).length === 0)
        ) {
          issues.push({
            path: at,
            message: 'is required in override mode',
            hint: 'e.g. headers: { Access-Control-Allow-Origin: "https://wrong.example" }',
          });
          return;
        }
        if (value.mode === 'remove' && value.headers !== undefined) {
          issues.push({
            path: at,
            message: 'only applies in override mode',
            hint: 'set mode: override, or drop headers',
          });
          return;
        }
        for (const name of Object.keys(value.headers ?? {})) {
          if (!isCorsHeader(name)) {
            issues.push({
              path: `${at}.${name}`,
              message: 'is not an Access-Control-* header',
              hint: 'this fault only changes CORS headers; use a `corrupt` or `status` fault for others',
            });
          }
        }
      },
    },
  ),
  create(attributes) {
    const overrides = Object.freeze({ ...attributes.headers });
    return {
      cannotAct: noResponseToChange,
      // Headers only: a streamed body is never read for this fault.
      readsResponseBody: false,
      after(_context, response): NeutralResponse {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(response.headers)) {
          if (!isCorsHeader(name)) headers[name] = value;
        }
        if (attributes.mode === 'override') Object.assign(headers, overrides);
        return { status: response.status, headers, body: response.body };
      },
    };
  },
});
