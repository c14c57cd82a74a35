/**
 * Every package declares what its code imports, and imports what it declares. A declared dependency that no code
 * file, no package script and no string of the code mentions is dead weight for every install (and, for a published
 * package, for every user); an imported package that is not declared works only by accident of hoisting.
 */
import { readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  listCodeFiles,
  listWorkspacePackages,
  packageNameOf,
  readReferences,
  repositoryRoot,
  type WorkspacePackage,
  workspacePackageAt,
} from '../src/workspace.js';

const packages = listWorkspacePackages();
const rootManifest = JSON.parse(
  readFileSync(join(repositoryRoot, 'package.json'), 'utf8'),
) as WorkspacePackage['manifest'];

interface Usage {
  /** Package names imported (import position), with one file each for the message. */
  readonly imported: Map<string, string>;
  /** Package names mentioned anywhere in the code: imports, string literals, relative paths into the workspace. */
  readonly mentioned: Set<string>;
}

function usageOf(workspacePackage: WorkspacePackage): Usage {
  const imported = new Map<string, string>();
  const mentioned = new Set<string>();
  for (const file of listCodeFiles(workspacePackage.directory)) {
    const { specifiers, strings } = readReferences(file);
    for (const text of [...specifiers, ...strings]) {
      const name = packageNameOf(text);
      if (name !== undefined && (text === name || text.startsWith(`${name}/`))) mentioned.add(name);
      const target = workspacePackageAt(file, text, packages);
      if (target !== undefined && target !== workspacePackage) mentioned.add(target.manifest.name);
    }
    for (const specifier of specifiers) {
      const name = packageNameOf(specifier);
      if (name !== undefined && !isBuiltin(specifier) && !imported.has(name)) {
        imported.set(name, relative(repositoryRoot, file));
      }
    }
  }
  return { imported, mentioned };
}

const declaredIn = (manifest: WorkspacePackage['manifest']) =>
  new Set([
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.devDependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
  ]);

/** `@types/aws-lambda` provides the types of `aws-lambda`, `@types/foo__bar` those of `@foo/bar`. */
const typesPackageFor = (name: string) =>
  `@types/${name.startsWith('@') ? name.slice(1).replace('/', '__') : name}`;

const rootDeclared = declaredIn(rootManifest);

describe.each(packages.map((entry) => [entry.manifest.name, entry] as const))(
  '%s',
  (_name, workspacePackage) => {
    const usage = usageOf(workspacePackage);
    const declared = declaredIn(workspacePackage.manifest);
    const scripts = Object.values(workspacePackage.manifest.scripts ?? {}).join('\n');

    it('uses every dependency it declares', () => {
      const unused = [...declared].filter((name) => {
        if (usage.mentioned.has(name) || scripts.includes(name)) return false;
        if (name.startsWith('@types/')) {
          return ![...usage.mentioned].some((used) => typesPackageFor(used) === name);
        }
        return true;
      });
      expect(unused, `declared in ${workspacePackage.directory}/package.json but never used`).toEqual([]);
    });

    it('declares every package it imports', () => {
      const undeclared = [...usage.imported]
        .filter(
          ([name]) =>
            name !== workspacePackage.manifest.name &&
            !declared.has(name) &&
            !declared.has(typesPackageFor(name)) &&
            !rootDeclared.has(name),
        )
        .map(([name, file]) => `${name} (${file})`);
      expect(undeclared, `imported but not declared in ${workspacePackage.directory}/package.json`).toEqual(
        [],
      );
    });
  },
);
