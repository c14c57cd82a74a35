// The one place that says how a published package's entry points map to files. Each `exports` entry with a
// `source` condition is an entry point: the build bundles `src/<path>.ts` into `dist/<path>.mjs` (ESM) and
// `dist/<path>.cjs` (CommonJS) with their types (`.d.mts`, `.d.cts`). A new subpath needs only its `source`: the
// build fills in the rest of the manifest (`exports`, `publishConfig.exports` without `source`, `main`, `module`,
// `types`, `typesVersions` for TypeScript's node10 resolution).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** `./src/ssm/index.ts` → `ssm/index`; throws on a path outside `src/` or not TypeScript. */
function entryNameOf(sourcePath, where) {
  const match = /^\.\/src\/(.+)\.ts$/.exec(sourcePath);
  if (match === null) {
    throw new Error(
      `${where}: the "source" condition must name a file ./src/<path>.ts, got ${JSON.stringify(sourcePath)}`,
    );
  }
  return match[1];
}

/** The files one entry point is built to, relative to the package (`./dist/…`). */
export function distributionFilesOf(entryName) {
  return {
    esm: `./dist/${entryName}.mjs`,
    esmTypes: `./dist/${entryName}.d.mts`,
    cjs: `./dist/${entryName}.cjs`,
    cjsTypes: `./dist/${entryName}.d.cts`,
  };
}

/** The library entry points of a manifest: `{ entryName: sourcePath }` for every `exports` entry with a `source`. */
export function entryPointsOf(manifest) {
  const entries = {};
  for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
    if (target === null || typeof target !== 'object' || typeof target.source !== 'string') continue;
    entries[entryNameOf(target.source, `${manifest.name} exports["${subpath}"]`)] = target.source;
  }
  return entries;
}

/** The commands of a manifest: `{ entryName: sourcePath }` for each `bin` (`./dist/<path>.mjs` from `./src/<path>.ts`). */
export function binaryEntryPointsOf(manifest) {
  const entries = {};
  const bins = typeof manifest.bin === 'string' ? { [manifest.name]: manifest.bin } : (manifest.bin ?? {});
  for (const [command, path] of Object.entries(bins)) {
    const match = /^\.\/dist\/(.+)\.mjs$/.exec(path);
    if (match === null) {
      throw new Error(
        `${manifest.name} bin "${command}" must be ./dist/<path>.mjs (built from ./src/<path>.ts), got ${path}`,
      );
    }
    entries[match[1]] = `./src/${match[1]}.ts`;
  }
  return entries;
}

/** The conditions of one built entry point, `source` first when `withSource`. */
function conditionsOf(target, entryName, withSource) {
  const files = distributionFilesOf(entryName);
  return {
    ...(withSource ? { source: target.source } : {}),
    import: { types: files.esmTypes, default: files.esm },
    require: { types: files.cjsTypes, default: files.cjs },
  };
}

/** The manifest as the build leaves it: every field derived from the `source` conditions filled in. */
export function normalizeManifest(manifest) {
  const exportsMap = manifest.exports ?? {};
  const development = {};
  const published = {};
  const typesVersions = {};
  for (const [subpath, target] of Object.entries(exportsMap)) {
    if (target === null || typeof target !== 'object' || typeof target.source !== 'string') {
      development[subpath] = target;
      published[subpath] = target;
      continue;
    }
    const entryName = entryNameOf(target.source, `${manifest.name} exports["${subpath}"]`);
    development[subpath] = conditionsOf(target, entryName, true);
    published[subpath] = conditionsOf(target, entryName, false);
    if (subpath !== '.') typesVersions[subpath.slice(2)] = [distributionFilesOf(entryName).cjsTypes];
  }
  const root = exportsMap['.'];
  const rootFiles =
    root !== null && typeof root === 'object' && typeof root.source === 'string'
      ? distributionFilesOf(entryNameOf(root.source, `${manifest.name} exports["."]`))
      : undefined;
  const normalized = {};
  // Keep the author's field order; derived fields sit next to `exports`.
  for (const [field, value] of Object.entries(manifest)) {
    if (['main', 'module', 'types', 'typesVersions'].includes(field)) continue;
    if (field === 'exports') {
      if (rootFiles !== undefined) {
        normalized.main = rootFiles.cjs;
        normalized.module = rootFiles.esm;
        normalized.types = rootFiles.cjsTypes;
      }
      if (Object.keys(typesVersions).length > 0) normalized.typesVersions = { '*': typesVersions };
      normalized.exports = development;
      continue;
    }
    if (field === 'publishConfig') continue;
    normalized[field] = value;
  }
  normalized.publishConfig = { ...(manifest.publishConfig ?? {}), exports: published };
  return normalized;
}

/** Reads `package.json` of `directory`, writes it back normalized when it was not; returns the normalized manifest. */
export function syncManifest(directory) {
  const path = join(directory, 'package.json');
  const text = readFileSync(path, 'utf8');
  const normalized = normalizeManifest(JSON.parse(text));
  const normalizedText = `${JSON.stringify(normalized, null, 2)}\n`;
  if (normalizedText !== text) writeFileSync(path, normalizedText);
  return normalized;
}
