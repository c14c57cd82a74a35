/**
 * Glob matching for function names, stages, hosts and `glob` match conditions. Only `*` (any run of characters,
 * including none) and `?` (one character) are special; everything else is literal. Patterns are anchored at both
 * ends. Matching is linear-time greedy with single-star backtracking, so a hostile pattern cannot blow up the way a
 * regular expression can.
 */

/** Upper bound on pattern length; longer patterns are rejected by validation. */
export const maxGlobLength = 256;

/** A compiled glob: call it with a candidate string. */
export type GlobMatcher = (candidate: string) => boolean;

/**
 * Compiles a glob into a matcher. Literal patterns compile to an equality check.
 *
 * @example
 * ```ts
 * const isDynamo = compileGlob('*.dynamodb.*.amazonaws.com', { caseInsensitive: true });
 * isDynamo('dynamodb.us-east-1.amazonaws.com'); // false: `*.` needs a label before it
 * isDynamo('streams.dynamodb.us-east-1.amazonaws.com'); // true
 * ```
 */
export function compileGlob(
  pattern: string,
  options: { readonly caseInsensitive?: boolean } = {},
): GlobMatcher {
  const caseInsensitive = options.caseInsensitive === true;
  const normalized = caseInsensitive ? pattern.toLowerCase() : pattern;
  if (!normalized.includes('*') && !normalized.includes('?')) {
    return caseInsensitive
      ? (candidate) => candidate.length === normalized.length && candidate.toLowerCase() === normalized
      : (candidate) => candidate === normalized;
  }
  return (candidate) => globMatches(normalized, caseInsensitive ? candidate.toLowerCase() : candidate);
}

/** Whether `candidate` matches `pattern` (`*`, `?`; anchored). O(pattern × candidate) worst case, no recursion. */
export function globMatches(pattern: string, candidate: string): boolean {
  let p = 0;
  let c = 0;
  let starP = -1;
  let starC = 0;
  while (c < candidate.length) {
    const token = pattern.charCodeAt(p);
    if (p < pattern.length && (token === 63 /* ? */ || token === candidate.charCodeAt(c))) {
      p++;
      c++;
    } else if (p < pattern.length && token === 42 /* * */) {
      starP = p++;
      starC = c;
    } else if (starP !== -1) {
      p = starP + 1;
      c = ++starC;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern.charCodeAt(p) === 42) p++;
  return p === pattern.length;
}

/** Compiles a list of globs into one matcher that accepts a candidate matching any of them. */
export function compileGlobList(
  patterns: readonly string[],
  options: { readonly caseInsensitive?: boolean } = {},
): GlobMatcher {
  const matchers = patterns.map((pattern) => compileGlob(pattern, options));
  if (matchers.length === 1) return matchers[0] as GlobMatcher;
  return (candidate) => {
    for (const matcher of matchers) if (matcher(candidate)) return true;
    return false;
  };
}
