/**
 * One error base: every error class in library code (packages/*\/src) extends `FaultlineError` (directly or through
 * a subclass such as `InjectedFaultError`), and no library code creates a bare `Error`. An error that must look like
 * someone else's (Node's network errors, the user's own failure in a contract) says so in a comment containing
 * "deliberately not a FaultlineError" on the line or the two lines before it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repositoryRoot } from '../src/workspace.js';

const bareErrorClasses = ['Error', 'TypeError', 'RangeError', 'SyntaxError', 'ReferenceError'];
const exemptionMarker = 'deliberately not a FaultlineError';

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

const packagesDirectory = join(repositoryRoot, 'packages');
const libraryFiles = readdirSync(packagesDirectory, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .flatMap((entry) => {
    const source = join(packagesDirectory, entry.name, 'src');
    try {
      return sourceFiles(source);
    } catch {
      return [];
    }
  });

/** Lines of code only: comment lines (TSDoc examples show user code) are skipped. */
function codeLines(file: string): { line: number; text: string; before: string }[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  return lines
    .map((text, index) => ({
      line: index + 1,
      text,
      before: lines.slice(Math.max(0, index - 2), index).join('\n'),
    }))
    .filter(({ text }) => !/^\s*(\*|\/\/|\/\*)/.test(text));
}

describe('errors in library code', () => {
  it('finds the library sources', () => {
    expect(libraryFiles.length).toBeGreaterThan(50);
  });

  it('creates no bare Error', () => {
    const bare = new RegExp(`\\bnew (${bareErrorClasses.join('|')})\\(`);
    const offenders = libraryFiles.flatMap((file) =>
      codeLines(file)
        .filter(({ text, before }) => bare.test(text) && !`${before}\n${text}`.includes(exemptionMarker))
        .map(({ line, text }) => `${relative(repositoryRoot, file)}:${line}: ${text.trim()}`),
    );
    expect(offenders).toEqual([]);
  });

  it('declares every error class on the FaultlineError base', () => {
    const extendsBare = new RegExp(`\\bclass \\w+ extends (${bareErrorClasses.join('|')})\\b`);
    const offenders = libraryFiles.flatMap((file) =>
      codeLines(file)
        // The base itself is the one class that extends Error.
        .filter(
          ({ text, before }) =>
            extendsBare.test(text) &&
            !/\bclass FaultlineError extends Error\b/.test(text) &&
            !`${before}\n${text}`.includes(exemptionMarker),
        )
        .map(({ line, text }) => `${relative(repositoryRoot, file)}:${line}: ${text.trim()}`),
    );
    expect(offenders).toEqual([]);
  });

  it('would catch a bare Error and a class on the Error base', () => {
    const bare = new RegExp(`\\bnew (${bareErrorClasses.join('|')})\\(`);
    const extendsBare = new RegExp(`\\bclass \\w+ extends (${bareErrorClasses.join('|')})\\b`);
    expect(bare.test("throw new RangeError('boom');")).toBe(true);
    expect(bare.test("throw new FaultlineError('INTERNAL', 'boom');")).toBe(false);
    expect(extendsBare.test('export class StoreError extends Error {')).toBe(true);
    expect(extendsBare.test('export class StoreError extends FaultlineError {')).toBe(false);
  });
});
