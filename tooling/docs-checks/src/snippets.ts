import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import type { CodeBlock } from './markdown.js';

/** Fence languages that are type-checked. */
export const typescriptLanguages: readonly string[] = ['ts', 'typescript', 'mts'];

/**
 * The fence flag for a deliberately partial snippet (```` ```ts partial ````): it may use names it does not
 * declare (the reader's handler, client, event), but everything else is checked as strictly as a full snippet —
 * imports must exist, options must be spelled right, types must fit.
 */
export const partialFlag = 'partial';

/**
 * The packages documentation snippets may import (besides `node:` modules), each a devDependency of this package
 * so the snippets resolve exactly as a user's code would. A snippet importing anything else fails the check: add
 * the package here and to package.json, deliberately.
 */
export const snippetPackages: readonly string[] = [
  '@faultline/core',
  '@faultline/aws-lambda',
  '@faultline/gcp-functions',
  '@faultline/azure-functions',
  '@faultline/cli',
  '@faultline/aws-cdk',
  'aws-cdk-lib',
  'constructs',
  '@aws-lambda-powertools/logger',
  '@aws-lambda-powertools/parameters',
  '@aws-sdk/client-dynamodb',
  '@azure/functions',
  '@google-cloud/functions-framework',
  '@middy/core',
  'aws-lambda', // the types of @types/aws-lambda
  'vitest',
];

/** The package an import specifier names (`@scope/name/sub` → `@scope/name`), or undefined for `node:` and relative ones. */
export function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:'))
    return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Every package a snippet imports. */
export function importedPackages(code: string): string[] {
  const source = ts.createSourceFile('snippet.ts', code, ts.ScriptTarget.Latest);
  const found: string[] = [];
  for (const statement of source.statements) {
    if (
      (ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) &&
      statement.moduleSpecifier !== undefined &&
      ts.isStringLiteral(statement.moduleSpecifier)
    ) {
      const name = packageOf(statement.moduleSpecifier.text);
      if (name !== undefined) found.push(name);
    }
  }
  return found;
}

/** "Cannot find name" diagnostics: the only ones a partial snippet may have. */
const undeclaredNameCodes = new Set([2304, 2552, 2582, 2593]);

/** A type error in a snippet, located in its Markdown file. */
export interface SnippetProblem {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

const snippetDirectory = join(import.meta.dirname, '..', '.snippets');

// Parsed declaration and source files of the packages and SDKs, shared by every check in this process: parsing
// them is most of the cost, and they do not change while the tests run.
const sourceFileCache = new Map<string, ts.SourceFile>();

function cachingHost(options: ts.CompilerOptions): ts.CompilerHost {
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    if (fileName.startsWith(snippetDirectory))
      return getSourceFile(fileName, languageVersion, onError, shouldCreate);
    let file = sourceFileCache.get(fileName);
    if (file === undefined) {
      file = getSourceFile(fileName, languageVersion, onError, shouldCreate);
      if (file !== undefined) sourceFileCache.set(fileName, file);
    }
    return file;
  };
  return host;
}

/**
 * Type-checks TypeScript snippets against the packages' real exports (resolved through the workspace with the
 * `source` condition, so no build is needed), with the repository's strict compiler options. Each snippet is its
 * own module.
 */
export function checkSnippets(blocks: readonly CodeBlock[]): SnippetProblem[] {
  rmSync(snippetDirectory, { recursive: true, force: true });
  mkdirSync(snippetDirectory, { recursive: true });
  const files = new Map<string, CodeBlock>();
  for (const block of blocks) {
    const name = `${block.file.replace(/[^\w]+/g, '-')}-${block.line}.ts`;
    const path = join(snippetDirectory, name);
    // `export {}` makes every snippet a module, so top-level await works and names do not clash across snippets.
    writeFileSync(path, `${block.code}\nexport {};\n`);
    files.set(path, block);
  }
  const configPath = join(import.meta.dirname, '..', '..', '..', 'tsconfig.base.json');
  const config = ts.readConfigFile(configPath, (path) => ts.sys.readFile(path));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, join(import.meta.dirname, '..'));
  const options: ts.CompilerOptions = {
    ...parsed.options,
    noEmit: true,
    declaration: false,
    declarationMap: false,
    sourceMap: false,
    types: ['node'],
  };
  const program = ts.createProgram([...files.keys()], options, cachingHost(options));
  const problems: SnippetProblem[] = [];
  // Diagnostics of the snippets only: the packages' own sources are type-checked by their own `typecheck`.
  const diagnostics = [
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...[...files.keys()].flatMap((path) => {
      const sourceFile = program.getSourceFile(path);
      return sourceFile === undefined
        ? []
        : [...program.getSyntacticDiagnostics(sourceFile), ...program.getSemanticDiagnostics(sourceFile)];
    }),
  ];
  for (const diagnostic of diagnostics) {
    const block = diagnostic.file === undefined ? undefined : files.get(diagnostic.file.fileName);
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    if (block === undefined || diagnostic.file === undefined) {
      problems.push({ file: diagnostic.file?.fileName ?? '(program)', line: 0, message });
      continue;
    }
    if (block.flags.includes(partialFlag) && undeclaredNameCodes.has(diagnostic.code)) continue;
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
    problems.push({
      file: block.file,
      line: block.line + 1 + line,
      message: `TS${diagnostic.code}: ${message}`,
    });
  }
  return problems;
}
