/**
 * API reports: every name each entry point of a package's `exports` map exports, with what it is (class,
 * function, const, interface, type, namespace), read by the TypeScript checker from the entry's source. Each
 * published package commits its report (`api-report.md`) and checks it with {@link describeApiReport}, so every
 * change to a public surface shows up in review. A subpath of its own: it loads the TypeScript compiler.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FaultlineError } from '@faultline/core';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/** One entry point: how users import it and its source file. */
export interface EntryPoint {
  /** How users import it, e.g. `@faultline/core/testing`. */
  readonly specifier: string;
  /** Absolute path of its TypeScript source. */
  readonly sourceFile: string;
}

/**
 * The entry points of the package in `packageDirectory`: the `exports` map's subpaths with a `source` condition
 * (JSON files and `./package.json` have none).
 *
 * @example
 * ```ts
 * listEntryPoints('packages/aws-lambda').map((entry) => entry.specifier); // ['@faultline/aws-lambda', '@faultline/aws-lambda/ssm', …]
 * ```
 */
export function listEntryPoints(packageDirectory: string): EntryPoint[] {
  const manifest = JSON.parse(readFileSync(join(packageDirectory, 'package.json'), 'utf8')) as {
    readonly name: string;
    readonly exports?: Readonly<Record<string, unknown>>;
  };
  return Object.entries(manifest.exports ?? {}).flatMap(([subpath, target]) => {
    const source =
      typeof target === 'object' && target !== null ? (target as Record<string, unknown>).source : undefined;
    if (typeof source !== 'string') return [];
    const specifier = subpath === '.' ? manifest.name : `${manifest.name}/${subpath.slice(2)}`;
    return [{ specifier, sourceFile: join(packageDirectory, source) }];
  });
}

/** One exported name and what it is. */
export interface ExportedName {
  readonly name: string;
  /** `class`, `function`, `const`, `interface`, `type`, `namespace`, …; `type-only class` for `export type { C }`. */
  readonly kind: string;
}

function kindOf(symbol: ts.Symbol): string {
  const flags = symbol.flags;
  if (flags & ts.SymbolFlags.Class) return 'class';
  if (flags & ts.SymbolFlags.Function) return 'function';
  if (flags & ts.SymbolFlags.Enum) return 'enum';
  if (flags & ts.SymbolFlags.ValueModule) return 'namespace';
  if (flags & ts.SymbolFlags.Variable) {
    const declaration = symbol.valueDeclaration;
    const constant =
      declaration !== undefined &&
      ts.isVariableDeclaration(declaration) &&
      (ts.getCombinedNodeFlags(declaration) & ts.NodeFlags.Const) !== 0;
    return constant ? 'const' : 'let';
  }
  if (flags & ts.SymbolFlags.Interface) return 'interface';
  if (flags & ts.SymbolFlags.TypeAlias) return 'type';
  return 'unknown';
}

/** True when an alias on the way is `export type { … }` / `import type`: only the type is reachable. */
function isTypeOnlyExport(checker: ts.TypeChecker, symbol: ts.Symbol): boolean {
  let current: ts.Symbol | undefined = symbol;
  for (let depth = 0; current !== undefined && current.flags & ts.SymbolFlags.Alias && depth < 32; depth++) {
    for (const declaration of current.declarations ?? []) {
      if (
        (ts.isExportSpecifier(declaration) || ts.isImportSpecifier(declaration)) &&
        (declaration.isTypeOnly || declaration.parent.parent.isTypeOnly)
      ) {
        return true;
      }
    }
    current = checker.getImmediateAliasedSymbol(current);
  }
  return false;
}

/**
 * Reads the exported names of entry points with one TypeScript program, sorted by name.
 *
 * @example
 * ```ts
 * const names = readExportedNames(listEntryPoints('packages/core')).get('@faultline/core');
 * ```
 */
export function readExportedNames(entryPoints: readonly EntryPoint[]): Map<string, ExportedName[]> {
  const program = ts.createProgram(
    entryPoints.map((entry) => entry.sourceFile),
    {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      customConditions: ['source'],
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: ['node'],
    },
  );
  const checker = program.getTypeChecker();
  const result = new Map<string, ExportedName[]>();
  for (const entry of entryPoints) {
    const sourceFile = program.getSourceFile(entry.sourceFile);
    const moduleSymbol = sourceFile === undefined ? undefined : checker.getSymbolAtLocation(sourceFile);
    if (moduleSymbol === undefined)
      throw new FaultlineError('INTERNAL', `cannot read the exports of ${entry.sourceFile}`);
    const names = checker.getExportsOfModule(moduleSymbol).map((exported) => {
      const target = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const kind = kindOf(target);
      const typeOnly = isTypeOnlyExport(checker, exported) && kind !== 'interface' && kind !== 'type';
      return { name: exported.name, kind: typeOnly ? `type-only ${kind}` : kind };
    });
    names.sort(
      (a, b) => a.name.localeCompare(b.name, 'en', { sensitivity: 'base' }) || (a.name < b.name ? -1 : 1),
    );
    result.set(entry.specifier, names);
  }
  return result;
}

/**
 * The report of the package in `packageDirectory`, as committed in its `api-report.md`.
 *
 * @example
 * ```ts
 * writeFileSync('packages/core/api-report.md', renderApiReport('packages/core'));
 * ```
 */
export function renderApiReport(packageDirectory: string): string {
  const entryPoints = listEntryPoints(packageDirectory);
  const names = readExportedNames(entryPoints);
  const packageName = entryPoints[0]?.specifier ?? packageDirectory;
  const lines = [
    `# ${packageName}: API report`,
    '',
    "Generated from the package's `exports` map: every name each entry point exports. A change here is a change",
    'of the public API. After a deliberate change, update it with `pnpm --filter <package> exec vitest run',
    'tests/unit/api-report.test.ts -u` and let the diff be reviewed.',
  ];
  for (const entry of entryPoints) {
    const exported = names.get(entry.specifier) ?? [];
    lines.push('', `## \`${entry.specifier}\` (${exported.length})`, '');
    for (const { name, kind } of exported) lines.push(`- ${kind} \`${name}\``);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Registers the API report test of a published package: its current exports must match its committed
 * `api-report.md`. Run with `-u` to accept a deliberate change.
 *
 * @example
 * ```ts
 * // packages/aws-lambda/tests/unit/api-report.test.ts
 * import { describeApiReport } from '@faultline/testkit/api-report';
 * describeApiReport(new URL('../..', import.meta.url).pathname);
 * ```
 */
export function describeApiReport(packageDirectory: string): void {
  describe('API report', () => {
    it('every entry point exports exactly the names of the committed api-report.md', async () => {
      await expect(renderApiReport(packageDirectory)).toMatchFileSnapshot(
        join(packageDirectory, 'api-report.md'),
      );
    }, 180_000);
  });
}
