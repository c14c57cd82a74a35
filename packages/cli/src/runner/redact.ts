import type { RunJournal } from './journal.js';
import type { RunProgress } from './progress.js';

/**
 * Names whose values are secrets unless the run section says more (`run.redact`): an Azure function key travels as
 * `?code=`, SAS tokens as `sig=`, API keys as `key=`, and so on.
 */
export const defaultSecretNames = ['code', 'key', 'sig', 'token', 'signature', 'secret', 'password'] as const;

/** What a masked value is replaced with (URL-safe, so a masked URL still reads as a URL). */
const mask = '***';

/** Secret values shorter than this are not searched for in text: masking `"1"` everywhere would garble it. */
const minSecretLength = 4;

/**
 * True when `name` (a query parameter or a placeholder variable) holds a secret: it equals one of `names`, or
 * ends with one after `_`, `-` or `.` (`AZURE_FUNCTION_KEY`, `access_token`, `X-Amz-Signature`); case is ignored.
 *
 * @example
 * ```ts
 * import { isSecretName } from '@faultline/cli';
 * isSecretName('AZURE_FUNCTION_KEY'); // true
 * isSecretName('AWS_DEMO_URL'); // false
 * ```
 */
export function isSecretName(name: string, names: readonly string[] = defaultSecretNames): boolean {
  const lower = name.toLowerCase();
  return names.some((candidate) => {
    const secret = candidate.toLowerCase();
    if (lower === secret) return true;
    if (!lower.endsWith(secret)) return false;
    const separator = lower.charAt(lower.length - secret.length - 1);
    return separator === '_' || separator === '-' || separator === '.';
  });
}

/** Masks secrets in what a run records and prints. */
export interface RunRedactor {
  /** The text with URL credentials, secret query values and secret placeholder values masked. */
  text(text: string): string;
  /** A copy of the journal with {@link RunRedactor.text} applied to every string in it. */
  journal(journal: RunJournal): RunJournal;
  /** Progress whose texts are masked before they are shown. */
  progress(progress: RunProgress): RunProgress;
}

/**
 * Creates the redactor of one run: URLs lose their userinfo (`https://…@host`) and the values of query parameters
 * with a secret name (`?code=***`), and every value that came from a secret placeholder is masked wherever it
 * appears (in a URL path, an error message, a step detail).
 *
 * @example
 * ```ts
 * import { createRunRedactor } from '@faultline/cli';
 * const redact = createRunRedactor({ names: ['x-functions-key'], secrets: ['s3cr3t-value'] });
 * redact.text('https://fn.example/api/orders?code=abc&id=1'); // 'https://fn.example/api/orders?code=***&id=1'
 * ```
 */
export function createRunRedactor(options: {
  /** Added to {@link defaultSecretNames}. */
  readonly names?: readonly string[];
  /** Values to mask wherever they appear (from secret placeholders). */
  readonly secrets?: readonly string[];
}): RunRedactor {
  const names = [...defaultSecretNames, ...(options.names ?? [])];
  // Longest first, so a secret that contains another is masked whole.
  const secrets = [...new Set(options.secrets ?? [])]
    .filter((secret) => secret.length >= minSecretLength)
    .sort((a, b) => b.length - a.length);
  const text = (input: string): string => {
    let result = input.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]+/gi, (url) => maskUrl(url, names));
    for (const secret of secrets) {
      result = result.split(secret).join(mask);
      // Also as it appears percent-encoded in a URL.
      const encoded = encodeURIComponent(secret);
      if (encoded !== secret) result = result.split(encoded).join(mask);
    }
    return result;
  };
  const deep = (value: unknown): unknown => {
    if (typeof value === 'string') return text(value);
    if (Array.isArray(value)) return value.map(deep);
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, deep(item)]));
    }
    return value;
  };
  return {
    text,
    journal: (journal) => deep(journal) as RunJournal,
    progress: (progress) => ({
      phase: (phase, message, durationMs) => progress.phase(phase, text(message), durationMs),
      note: (message) => progress.note(text(message)),
      end: () => progress.end(),
    }),
  };
}

/** Masks the userinfo and the secret query values of one URL, keeping everything else as written. */
function maskUrl(url: string, names: readonly string[]): string {
  let result = url.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*@)/i, `$1${mask}@`);
  const queryStart = result.indexOf('?');
  if (queryStart === -1) return result;
  const hashStart = result.indexOf('#', queryStart);
  const query = result.slice(queryStart + 1, hashStart === -1 ? undefined : hashStart);
  const masked = query
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      if (equals === -1) return pair;
      let name = pair.slice(0, equals);
      try {
        name = decodeURIComponent(name.replace(/\+/g, ' '));
      } catch {
        // A malformed escape: judge the name as written.
      }
      return isSecretName(name, names) ? `${pair.slice(0, equals)}=${mask}` : pair;
    })
    .join('&');
  result = `${result.slice(0, queryStart + 1)}${masked}${hashStart === -1 ? '' : result.slice(hashStart)}`;
  return result;
}
