import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Application, LogLevel, type ProjectReflection } from 'typedoc';
import { repositoryRoot } from './markdown.js';

/** One public entry point: a package's export, mapped to its TypeScript source. */
export interface PublicEntryPoint {
  readonly packageName: string;
  /** The export's subpath: `.`, `./ssm`, … */
  readonly subpath: string;
  /** Absolute path of its source file (the export's `source` condition). */
  readonly file: string;
}

/**
 * The public entry points of every published package, read from the packages' `exports` maps (the `source`
 * condition of each code export), so the reference follows whatever the packages export — never a hand-kept list.
 */
export function publicEntryPoints(): PublicEntryPoint[] {
  const entries: PublicEntryPoint[] = [];
  const packagesDirectory = join(repositoryRoot, 'packages');
  for (const directory of readdirSync(packagesDirectory).sort()) {
    const manifest = JSON.parse(readFileSync(join(packagesDirectory, directory, 'package.json'), 'utf8')) as {
      name: string;
      private?: boolean;
      exports?: Record<string, string | { source?: string }>;
    };
    if (manifest.private === true) continue;
    for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
      if (typeof target !== 'object' || target.source === undefined) continue;
      entries.push({
        packageName: manifest.name,
        subpath,
        file: join(packagesDirectory, directory, target.source),
      });
    }
  }
  return entries;
}

/** What a TypeDoc build said, and what it documented. */
export interface ApiReferenceBuild {
  readonly warnings: readonly string[];
  readonly errors: readonly string[];
  readonly project: ProjectReflection | undefined;
}

/**
 * Generates the HTML API reference of every public entry point from the TSDoc in the sources into `outputDirectory`
 * (`index.html` there). Nothing needs to be built first: the packages resolve through their `source` condition.
 * Returns TypeDoc's warnings and errors instead of printing them, so a test can require none.
 */
export async function buildApiReference(outputDirectory: string): Promise<ApiReferenceBuild> {
  const warnings: string[] = [];
  const errors: string[] = [];
  const entryPoints = publicEntryPoints();
  const app = await Application.bootstrapWithPlugins({
    name: 'faultline',
    entryPoints: entryPoints.map((entry) => entry.file),
    entryPointStrategy: 'resolve',
    tsconfig: join(import.meta.dirname, '..', 'tsconfig.api-reference.json'),
    readme: 'none',
    out: outputDirectory,
    excludePrivate: true,
    excludeInternal: true,
    githubPages: false,
    logLevel: LogLevel.Warn,
  });
  app.logger.log = (message: string, level: LogLevel) => {
    if (level === LogLevel.Error) errors.push(message);
    else if (level === LogLevel.Warn) warnings.push(message);
  };
  const project = await app.convert();
  if (project !== undefined) {
    for (const child of project.children ?? []) {
      const entry = entryPoints.find((candidate) =>
        child.sources?.some((source) => source.fullFileName === candidate.file),
      );
      if (entry !== undefined)
        child.name =
          entry.subpath === '.' ? entry.packageName : `${entry.packageName}/${entry.subpath.slice(2)}`;
    }
    app.validate(project);
    await app.generateDocs(project, outputDirectory);
  }
  return { warnings, errors, project };
}
