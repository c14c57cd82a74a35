/**
 * The workspace as the checks see it: its packages (from `pnpm-workspace.yaml`), their manifests and their code
 * files, and what each code file imports, read with the TypeScript parser (so comments and `@example` blocks never
 * count as imports).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/** The repository root. */
export const repositoryRoot = resolve(import.meta.dirname, '../../..');

/** What a package.json says about a package (the fields the checks read). */
export interface PackageManifest {
  readonly name: string;
  readonly private?: boolean;
  readonly scripts?: Readonly<Record<string, string>>;
  readonly exports?: Readonly<Record<string, unknown>>;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly devDependencies?: Readonly<Record<string, string>>;
  readonly peerDependencies?: Readonly<Record<string, string>>;
}

/** One workspace package. */
export interface WorkspacePackage {
  /** Directory relative to the repository root, e.g. `packages/core`. */
  readonly directory: string;
  readonly manifest: PackageManifest;
}

/** Every package the workspace file lists (`packages/*`, `bench`, …), in a stable order. */
export function listWorkspacePackages(): WorkspacePackage[] {
  const workspaceFile = readFileSync(join(repositoryRoot, 'pnpm-workspace.yaml'), 'utf8');
  const patterns: string[] = [];
  let inPackages = false;
  for (const line of workspaceFile.split('\n')) {
    if (/^\S/.test(line)) inPackages = line.startsWith('packages:');
    const item = /^\s+-\s+['"]?([^'"\s]+)['"]?\s*$/.exec(line);
    if (inPackages && item?.[1] !== undefined) patterns.push(item[1]);
  }
  const directories = patterns.flatMap((pattern) => {
    if (!pattern.endsWith('/*')) return [pattern];
    const parent = pattern.slice(0, -2);
    return readdirSync(join(repositoryRoot, parent))
      .map((name) => `${parent}/${name}`)
      .filter((directory) => statSync(join(repositoryRoot, directory)).isDirectory());
  });
  return directories
    .filter((directory) => existsSync(join(repositoryRoot, directory, 'package.json')))
    .sort()
    .map((directory) => ({
      directory,
      manifest: JSON.parse(readFileSync(join(repositoryRoot, directory, 'package.json'), 'utf8')),
    }));
}

const skippedDirectories = new Set(['node_modules', 'dist', 'coverage', 'reports', '.turbo']);
const codeFile = /\.(?:[cm]?ts|tsx|[cm]?js)$/;

/** Every code file of a package (sources, tests, scripts, configs), absolute paths. */
export function listCodeFiles(directory: string): string[] {
  const files: string[] = [];
  const walk = (absolute: string) => {
    for (const entry of readdirSync(absolute, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (!skippedDirectories.has(entry.name)) walk(join(absolute, entry.name));
      } else if (codeFile.test(entry.name) && !entry.name.endsWith('.d.ts')) {
        files.push(join(absolute, entry.name));
      }
    }
  };
  walk(join(repositoryRoot, directory));
  return files.sort();
}

/** What one file refers to. */
export interface FileReferences {
  /** Module specifiers in import position: `import`/`export … from`, `import()`, `require()`, `resolve()`. */
  readonly specifiers: readonly string[];
  /** Every other string literal of the code (never comments). */
  readonly strings: readonly string[];
}

/** Reads the specifiers and string literals of one code file. */
export function readReferences(file: string): FileReferences {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const specifiers: string[] = [];
  const strings: string[] = [];
  const literalText = (node: ts.Node | undefined) =>
    node !== undefined && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node))
      ? node.text
      : undefined;
  const isRequireLike = (callee: ts.Expression): boolean => {
    if (callee.kind === ts.SyntaxKind.ImportKeyword) return true;
    if (ts.isIdentifier(callee)) return callee.text === 'require';
    // createRequire(import.meta.url)('x')
    if (ts.isCallExpression(callee)) return callee.expression.getText(source) === 'createRequire';
    // require.resolve('x'), createRequire(…).resolve('x'), import.meta.resolve('x') (not Promise.resolve('x'))
    if (!ts.isPropertyAccessExpression(callee) || callee.name.text !== 'resolve') return false;
    const owner = callee.expression;
    if (ts.isCallExpression(owner)) return owner.expression.getText(source) === 'createRequire';
    return /^(?:import\.meta|\w*[rR]equire)$/.test(owner.getText(source));
  };
  const visit = (node: ts.Node) => {
    let specifier: string | undefined;
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) {
      specifier = literalText(node.moduleSpecifier);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      specifier = literalText(node.argument.literal);
    } else if (ts.isCallExpression(node) && isRequireLike(node.expression)) {
      specifier = literalText(node.arguments[0]);
    }
    if (specifier !== undefined) {
      specifiers.push(specifier);
    } else if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
      strings.push(node.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { specifiers, strings };
}

/** `@scope/name/sub/path` → `@scope/name`; `name/sub` → `name`; relative and `node:` specifiers → undefined. */
export function packageNameOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.includes(':')) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** The workspace package a relative path from `file` lands in, if it leaves the file's own package. */
export function workspacePackageAt(
  file: string,
  relativePath: string,
  packages: readonly WorkspacePackage[],
): WorkspacePackage | undefined {
  if (!relativePath.startsWith('.')) return undefined;
  const target = relative(repositoryRoot, resolve(dirname(file), relativePath));
  return packages.find(
    (candidate) => target === candidate.directory || target.startsWith(candidate.directory + sep),
  );
}
