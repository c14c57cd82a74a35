import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileGlob, compileGlobList, globMatches } from '../../src/matching/glob.js';

/** A reference implementation through a regular expression, used only to check ours on small inputs. */
function referenceMatch(pattern: string, candidate: string): boolean {
  const source = [...pattern]
    .map((character) =>
      character === '*' ? '.*' : character === '?' ? '.' : character.replace(/[.+^${}()|[\]\\]/g, '\\$&'),
    )
    .join('');
  return new RegExp(`^${source}$`, 's').test(candidate);
}

describe('glob matching', () => {
  it('anchors literal patterns at both ends', () => {
    expect(globMatches('firestore.googleapis.com', 'firestore.googleapis.com')).toBe(true);
    expect(globMatches('firestore.googleapis.com', 'evil-firestore.googleapis.com.example')).toBe(false);
  });

  it('matches host globs the way operators expect', () => {
    const dynamo = compileGlob('*.dynamodb.*.amazonaws.com');
    expect(dynamo('streams.dynamodb.us-east-1.amazonaws.com')).toBe(true);
    expect(dynamo('dynamodb.us-east-1.amazonaws.com')).toBe(false);
    expect(dynamo('s3.us-east-1.amazonaws.com')).toBe(false);
  });

  it('treats ? as exactly one character', () => {
    expect(globMatches('prod-?', 'prod-1')).toBe(true);
    expect(globMatches('prod-?', 'prod-12')).toBe(false);
    expect(globMatches('prod-?', 'prod-')).toBe(false);
  });

  it('compares case-insensitively when asked (host names)', () => {
    expect(compileGlob('LocalHost', { caseInsensitive: true })('localhost')).toBe(true);
    expect(compileGlob('*.Example.com', { caseInsensitive: true })('API.example.COM')).toBe(true);
    expect(compileGlob('LocalHost')('localhost')).toBe(false);
  });

  it('accepts a candidate matching any glob of a list', () => {
    const stages = compileGlobList(['prod', 'prod-*', 'live']);
    expect(stages('prod-eu')).toBe(true);
    expect(stages('live')).toBe(true);
    expect(stages('staging')).toBe(false);
  });

  it('agrees with a regular-expression reference on arbitrary small inputs', () => {
    const alphabet = fc.constantFrom('a', 'b', '.', '*', '?');
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 8 }).map((characters) => characters.join('')),
        fc.array(fc.constantFrom('a', 'b', '.'), { maxLength: 10 }).map((characters) => characters.join('')),
        (pattern, candidate) => globMatches(pattern, candidate) === referenceMatch(pattern, candidate),
      ),
      { numRuns: 5000 },
    );
  });

  it('stays linear on patterns that make backtracking regular expressions explode', () => {
    const pattern = `${'*a'.repeat(40)}*b`;
    const candidate = 'a'.repeat(5000);
    const matcher = compileGlob(pattern);
    // A backtracking engine needs exponential steps here; ours finishes in a bounded number of steps.
    expect(matcher(candidate)).toBe(false);
  });
});
