/**
 * `@example` blocks teach how to call something: functions, classes, options. On a constant (a limit, a list of
 * names, a default) they only restate the value, and readers learn to skip examples. The style guide says so; this
 * check keeps it true for every exported constant in the packages' code.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { listCodeFiles, listWorkspacePackages, repositoryRoot } from '../src/workspace.js';

/** Unwraps `x as const`, `x satisfies T`, `(x)` and `Object.freeze(x)` to the value underneath. */
function valueUnder(expression: ts.Expression): ts.Expression {
  if (
    ts.isAsExpression(expression) ||
    ts.isSatisfiesExpression(expression) ||
    ts.isParenthesizedExpression(expression)
  ) {
    return valueUnder(expression.expression);
  }
  if (
    ts.isCallExpression(expression) &&
    expression.expression.getText() === 'Object.freeze' &&
    expression.arguments[0] !== undefined
  ) {
    return valueUnder(expression.arguments[0]);
  }
  return expression;
}

/** A constant: a literal, a list, a record, a set, another constant or arithmetic on them — not a function. */
function isPlainValue(expression: ts.Expression): boolean {
  const value = valueUnder(expression);
  return (
    ts.isNumericLiteral(value) ||
    ts.isStringLiteralLike(value) ||
    ts.isTemplateExpression(value) ||
    ts.isArrayLiteralExpression(value) ||
    ts.isObjectLiteralExpression(value) ||
    ts.isIdentifier(value) ||
    ts.isPropertyAccessExpression(value) ||
    ts.isBinaryExpression(value) ||
    ts.isNewExpression(value) ||
    value.kind === ts.SyntaxKind.TrueKeyword ||
    value.kind === ts.SyntaxKind.FalseKeyword ||
    (ts.isCallExpression(value) && value.expression.getText() === 'join')
  );
}

/** `name (line)` of every exported constant in a file whose TSDoc carries an `@example`. */
function constantsWithExamples(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  for (const statement of source.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    if (!statement.modifiers?.some((modifier) => modifier.kind === ts.SyntaxKind.ExportKeyword)) continue;
    const hasExample = ts.getJSDocTags(statement).some((tag) => tag.tagName.text === 'example');
    if (!hasExample) continue;
    for (const declaration of statement.declarationList.declarations) {
      if (declaration.initializer !== undefined && isPlainValue(declaration.initializer)) {
        const line = source.getLineAndCharacterOfPosition(declaration.getStart(source)).line + 1;
        found.push(`${declaration.name.getText(source)} (line ${line})`);
      }
    }
  }
  return found;
}

describe('TSDoc examples teach calls, not constants', () => {
  it('no exported constant in the packages carries an @example', () => {
    const offending = listWorkspacePackages()
      .filter((workspacePackage) => workspacePackage.directory.startsWith('packages/'))
      .flatMap((workspacePackage) =>
        listCodeFiles(`${workspacePackage.directory}/src`).flatMap((file) =>
          constantsWithExamples(file).map((name) => `${relative(repositoryRoot, file)}: ${name}`),
        ),
      );
    expect(offending).toEqual([]);
  });

  it('catches a limit, a frozen record and a list, and leaves functions and factories alone', () => {
    const directory = mkdtempSync(join(tmpdir(), 'faultline-tsdoc-examples-'));
    try {
      const file = join(directory, 'x.ts');
      const example = ' *\n * @example\n * ```ts\n * use(it);\n * ```\n';
      writeFileSync(
        file,
        [
          `/**\n * A limit.\n${example} */\nexport const maxThings = 10;`,
          `/**\n * Defaults.\n${example} */\nexport const defaults = Object.freeze({ a: 1 });`,
          `/**\n * Names.\n${example} */\nexport const names = ['a', 'b'] as const;`,
          `/**\n * A function.\n${example} */\nexport const run = (value: number) => value;`,
          `/**\n * A fault type.\n${example} */\nexport const latency = defineFaultType({ type: 'latency' });`,
          '/** A limit without an example. */\nexport const maxOthers = 5;',
        ].join('\n'),
      );
      expect(constantsWithExamples(file)).toEqual([
        'maxThings (line 9)',
        'defaults (line 18)',
        'names (line 27)',
      ]);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
