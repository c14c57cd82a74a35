import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root folder. */
export const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The fields of a package.json these checks read. */
export interface PackageManifest {
  readonly name: string;
  readonly version: string;
  readonly private?: boolean;
  readonly engines?: { readonly node?: string };
  readonly [field: string]: unknown;
}

/** One package of the workspace: its folder and its manifest. */
export interface WorkspacePackage {
  readonly directory: string;
  readonly manifest: PackageManifest;
}

/** Every package of the pnpm workspace (the globs of `pnpm-workspace.yaml`: `packages/*`, `apps/*`, `bench`, `tooling/*`). */
export function readWorkspacePackages(): WorkspacePackage[] {
  const workspace = readFileSync(join(repositoryRoot, 'pnpm-workspace.yaml'), 'utf8');
  const globs = [...workspace.matchAll(/^\s+-\s+(\S+)\s*$/gm)].map((match) => match[1] as string);
  const directories = globs.flatMap((glob) => {
    if (!glob.endsWith('/*')) return [join(repositoryRoot, glob)];
    const parent = join(repositoryRoot, glob.slice(0, -2));
    return readdirSync(parent, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => join(parent, entry.name));
  });
  return directories.flatMap((directory) => {
    try {
      const manifest = JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')) as PackageManifest;
      return [{ directory, manifest }];
    } catch {
      return [];
    }
  });
}

/** The packages we publish (not `private`). */
export function readPublishedPackages(): WorkspacePackage[] {
  return readWorkspacePackages().filter((workspacePackage) => workspacePackage.manifest.private !== true);
}
