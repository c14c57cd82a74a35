/**
 * An adapter's code takes values from `@faultline/core/adapter-kit` (and `/interception`) and only types from the
 * core root, written `import type`, which compiles to nothing. A value import from the root (or `import { type X }`,
 * which `verbatimModuleSyntax` keeps as a bare import) would load the whole experiment format with every
 * unbundled import of the adapter: twice the modules, measured with `measure:imports`.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { listCodeFiles, repositoryRoot } from '../src/workspace.js';

const adapters = ['packages/aws-lambda', 'packages/gcp-functions', 'packages/azure-functions'];

/** The statements of a file that load `@faultline/core` (the root) at run time. */
function rootValueImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const isRoot = (node: ts.Expression | undefined) =>
    node !== undefined && ts.isStringLiteral(node) && node.text === '@faultline/core';
  const visit = (node: ts.Node) => {
    if (
      ts.isImportDeclaration(node) &&
      isRoot(node.moduleSpecifier) &&
      node.importClause?.isTypeOnly !== true
    ) {
      found.push(node.getText(source));
    } else if (ts.isExportDeclaration(node) && isRoot(node.moduleSpecifier) && !node.isTypeOnly) {
      found.push(node.getText(source));
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      isRoot(node.arguments[0])
    ) {
      found.push(node.getText(source));
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('adapters import values from the adapter kit only', () => {
  it.each(adapters)('%s', (directory) => {
    const offending = listCodeFiles(`${directory}/src`).flatMap((file) =>
      rootValueImports(file).map((statement) => `${relative(repositoryRoot, file)}: ${statement}`),
    );
    expect(offending).toEqual([]);
  });

  it('catches a value import, a mixed type import and a dynamic import from the root', () => {
    const directory = mkdtempSync(join(tmpdir(), 'faultline-adapter-imports-'));
    try {
      const file = join(directory, 'x.ts');
      writeFileSync(
        file,
        [
          "import type { Invocation } from '@faultline/core';",
          "import { createFaultWrapper } from '@faultline/core/adapter-kit';",
          "import { createFileSource } from '@faultline/core';",
          "import { type ConfigSource } from '@faultline/core';",
          "export const load = () => import('@faultline/core');",
        ].join('\n'),
      );
      expect(rootValueImports(file)).toEqual([
        "import { createFileSource } from '@faultline/core';",
        "import { type ConfigSource } from '@faultline/core';",
        "import('@faultline/core')",
      ]);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
