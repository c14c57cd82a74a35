import { realpathSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import type { ExperimentDefinition, RunSection, ValidationIssue } from '@faultline/core';
import {
  createPlaceholderPattern,
  defaultMaxConfigSizeBytes,
  FaultlineError,
  isPlainObject,
  parseExperimentText,
  validateExperiment,
  validateRunSection,
} from '@faultline/core';
import { UsageError } from './arguments.js';
import { docsUrl } from './docs-links.js';
import { type LocatedIssue, locateIssues } from './issue-locations.js';
import { resolveCommandArgv, resolvePlaceholders } from './run-placeholders.js';
import { defaultSecretNames, isSecretName } from './runner/redact.js';
import { isInsideDirectory } from './stores/file-paths.js';
import { parseStoreCoordinates, type StoreCoordinates } from './stores/index.js';

/** A file that was read, parsed and validated. */
export type LoadedExperiment =
  | {
      readonly ok: true;
      readonly path: string;
      /** The document as written (placeholders kept), for pushing. */
      readonly raw: Record<string, unknown>;
      readonly experiment: ExperimentDefinition;
    }
  | {
      readonly ok: false;
      readonly path: string;
      /** Every problem, with its line and column in the file when it has one. */
      readonly issues: readonly LocatedIssue[];
      /** The parsed document when only validation failed (`off` still uses its run section). */
      readonly raw?: Record<string, unknown>;
    };

/**
 * Reads an experiment file (JSON or YAML, chosen by extension, size-capped) and validates it; every issue carries
 * the line and column of its JSON path when the file has them.
 *
 * @example
 * ```ts
 * const loaded = await loadExperimentFile('experiments/pricing-latency.yaml');
 * if (!loaded.ok) console.error(loaded.issues);
 * ```
 */
export async function loadExperimentFile(path: string): Promise<LoadedExperiment> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch {
    throw new UsageError(
      `cannot read ${path}: no such file`,
      'check the path (relative to the current directory)',
    );
  }
  if (size > defaultMaxConfigSizeBytes) {
    return {
      ok: false,
      path,
      issues: [
        {
          path: '',
          message: `the file is ${size} bytes; experiments are capped at ${defaultMaxConfigSizeBytes}`,
        },
      ],
    };
  }
  const text = await readFile(path, 'utf8');
  const extension = extname(path).toLowerCase();
  const format =
    extension === '.json' ? 'json' : extension === '.yaml' || extension === '.yml' ? 'yaml' : undefined;
  const parsed = await parseExperimentText(text, format === undefined ? {} : { format });
  if (!parsed.ok) return { ok: false, path, issues: await locateIssues(text, parsed.issues) };
  const result = validateExperiment(parsed.value);
  if (!result.ok) {
    const raw =
      typeof parsed.value === 'object' && parsed.value !== null
        ? (parsed.value as Record<string, unknown>)
        : undefined;
    const issues = await locateIssues(text, result.issues);
    return raw === undefined ? { ok: false, path, issues } : { ok: false, path, issues, raw };
  }
  return { ok: true, path, raw: parsed.value as Record<string, unknown>, experiment: result.experiment };
}

/**
 * What gets stored for the functions: the document without the `run` section (probe URLs and store coordinates
 * are none of the functions' business) and without `$schema`.
 *
 * @example
 * ```ts
 * const document = toRuntimeDocument(loaded.raw); // no `run`, no `$schema`
 * ```
 */
export function toRuntimeDocument(raw: Record<string, unknown>): Record<string, unknown> {
  const { run: _run, $schema: _schema, ...document } = raw;
  return document;
}

/**
 * The `run` section could not be used (missing, invalid after placeholder resolution, unset variable).
 *
 * @example
 * ```ts
 * try {
 *   resolveRunSection(raw, {}, process.env);
 * } catch (error) {
 *   if (error instanceof RunSectionError) console.error(error.message, error.issues);
 * }
 * ```
 */
export class RunSectionError extends FaultlineError {
  override readonly name = 'RunSectionError';
  constructor(
    message: string,
    readonly issues: readonly ValidationIssue[] = [],
    options?: ErrorOptions,
  ) {
    super('RUN_SECTION_INVALID', message, options);
  }
}

/**
 * Resolves `${NAME}` placeholders of the `run` section from `variables` (`--set`) then `environment`, drops
 * optional coordinates that resolved to an empty string (`${AWS_SSM_ENDPOINT:-}`), and validates the result again
 * (URLs are only checked once they are real).
 *
 * @example
 * ```ts
 * const run = resolveRunSection(loaded.raw, { AWS_DEMO_URL: 'http://127.0.0.1:3001' }, process.env);
 * ```
 */
export function resolveRunSection(
  raw: Record<string, unknown>,
  variables: Readonly<Record<string, string>>,
  environment: Readonly<Record<string, string | undefined>>,
  options: RunPathOptions = {},
): RunSection {
  if (raw.run === undefined) {
    throw new RunSectionError('the experiment has no run section', [
      {
        path: 'run',
        message: 'is required for this command',
        hint: `see ${docsUrl('running-experiments', 'the-run-section')}`,
      },
    ]);
  }
  let resolved: unknown;
  try {
    resolved = dropEmptyStrings(resolveRunPlaceholders(raw.run, variables, environment));
  } catch (error) {
    throw new RunSectionError((error as Error).message, [], { cause: error });
  }
  const result = validateRunSection(resolved, 'run');
  if (!result.ok)
    throw new RunSectionError('the run section is invalid once its placeholders are resolved', result.issues);
  const issues: ValidationIssue[] = [];
  const targets = result.run.targets.map((target, index) => {
    const store = containStorePaths(raw.run, index, target.store as StoreCoordinates, options);
    if (typeof store === 'string') {
      issues.push({
        path: `run.targets[${index}].store`,
        message: store,
        hint: 'paths in an experiment file stay in its folder; move the file, or pass --allow-outside',
      });
      return target;
    }
    return { ...target, store };
  });
  if (issues.length > 0) throw new RunSectionError('the run section names paths outside its folder', issues);
  return { ...result.run, targets };
}

/** Where the file paths of a run section (file stores, `caFile`) are resolved and contained. */
export interface RunPathOptions {
  /**
   * The experiment file the run section was read from. A path written in it is relative to its folder and must
   * stay inside it; without a file, paths are relative to the working directory.
   */
  readonly file?: string;
  /** Accept paths outside the experiment file's folder (`--allow-outside`). */
  readonly allowOutside?: boolean;
}

/**
 * Resolves the paths of one target's store against the experiment file's folder and checks they stay inside it
 * (symbolic links followed). A path whose text starts with a placeholder (`${DEMO_DIR}/demo.json`) comes from the
 * operator (`--set`, the environment), not from the file, and is taken relative to the working directory. Returns
 * the store with absolute paths, or why it cannot be used.
 */
function containStorePaths(
  rawRun: unknown,
  index: number,
  coordinates: StoreCoordinates,
  options: RunPathOptions,
): StoreCoordinates | string {
  const rawStore = (rawRun as { targets?: { store?: Record<string, unknown> }[] } | undefined)?.targets?.[
    index
  ]?.store;
  const field =
    coordinates.kind === 'file'
      ? 'path'
      : coordinates.kind === 'azure-app-configuration'
        ? 'caFile'
        : undefined;
  if (field === undefined) return coordinates;
  const value = (coordinates as Record<string, unknown>)[field];
  if (typeof value !== 'string') return coordinates;
  const written = rawStore?.[field];
  const fromOperator = typeof written === 'string' && /^\$\{/.test(written);
  if (fromOperator || options.file === undefined) return coordinates;
  const folder = dirname(resolve(options.file));
  const absolute = resolve(folder, value);
  if (
    !options.allowOutside &&
    !(
      isInsideDirectory(absolute, folder) &&
      isInsideDirectory(resolveThroughLinksSync(absolute), resolveThroughLinksSync(folder))
    )
  ) {
    return `${field} ${JSON.stringify(value)} resolves to ${absolute}, outside the experiment's folder ${folder}`;
  }
  return { ...coordinates, [field]: absolute };
}

/** Synchronous `resolveThroughLinks` (the run section is resolved synchronously). */
function resolveThroughLinksSync(path: string): string {
  let existing = resolve(path);
  const missing: string[] = [];
  while (true) {
    try {
      return join(realpathSync(existing), ...missing.reverse());
    } catch {
      const parent = dirname(existing);
      if (parent === existing) return resolve(path);
      missing.push(basename(existing));
      existing = parent;
    }
  }
}

/**
 * {@link resolvePlaceholders} for a whole run section, except that steady-state commands become argv lists
 * (`resolveCommandArgv`): a placeholder's value is one argument, never shell syntax. Each command keeps the text
 * it was written with (placeholders unresolved) as its `name`, so a value never reaches the verdict or the report.
 */
function resolveRunPlaceholders(
  run: unknown,
  variables: Readonly<Record<string, string>>,
  environment: Readonly<Record<string, string | undefined>>,
): unknown {
  const steadyState = isPlainObject(run) ? run.steadyState : undefined;
  const commands = isPlainObject(steadyState) ? steadyState.commands : undefined;
  if (!isPlainObject(run) || !isPlainObject(steadyState) || !Array.isArray(commands)) {
    return resolvePlaceholders(run, variables, environment, 'run');
  }
  const { commands: _commands, ...otherSteadyState } = steadyState;
  const resolved = resolvePlaceholders(
    { ...run, steadyState: otherSteadyState },
    variables,
    environment,
    'run',
  ) as Record<string, unknown>;
  const resolvedCommands = commands.map((command: unknown, index) => {
    const path = `run.steadyState.commands[${index}]`;
    if (!isPlainObject(command)) return command;
    const { run: template, shell, name, ...rest } = command;
    const isTemplate =
      typeof template === 'string' ||
      (Array.isArray(template) && template.every((argument) => typeof argument === 'string'));
    if (!isTemplate) return resolvePlaceholders(command, variables, environment, path);
    const argv = resolveCommandArgv(
      template as string | string[],
      shell === true,
      variables,
      environment,
      `${path}.run`,
    );
    return {
      ...resolvePlaceholders(rest, variables, environment, path),
      // Left as written when it cannot be split: validation then says why.
      run: argv ?? template,
      // A shell string is now `/bin/sh -c …` with its values as arguments; anything else keeps its flag.
      ...((argv === undefined || Array.isArray(template)) && shell !== undefined ? { shell } : {}),
      name:
        typeof name === 'string'
          ? name
          : typeof template === 'string'
            ? template
            : (template as string[]).join(' '),
    };
  });
  return { ...resolved, steadyState: { ...(resolved.steadyState as object), commands: resolvedCommands } };
}

/**
 * The values that come from secret placeholders of the run section: those whose variable has a secret name
 * (`AZURE_FUNCTION_KEY`, `DB_PASSWORD`; see `isSecretName`) or is listed in `run.redact`. `faultline run` masks
 * them wherever they would appear in the journal, the report and the progress output.
 *
 * @example
 * ```ts
 * resolveRunSecrets({ run: { targets: [{ probe: { url: '${URL}?code=${FUNCTION_KEY}' } }] } }, {}, process.env);
 * // [the value of FUNCTION_KEY]
 * ```
 */
export function resolveRunSecrets(
  raw: Record<string, unknown>,
  variables: Readonly<Record<string, string>>,
  environment: Readonly<Record<string, string | undefined>>,
): string[] {
  const run = raw.run;
  const listed =
    isPlainObject(run) && Array.isArray(run.redact)
      ? run.redact.filter((name) => typeof name === 'string')
      : [];
  const names = [...defaultSecretNames, ...listed];
  const secrets: string[] = [];
  const visit = (value: unknown): void => {
    if (typeof value === 'string') {
      for (const match of value.matchAll(createPlaceholderPattern())) {
        const variable = match[1] as string;
        if (!isSecretName(variable, names)) continue;
        const resolved = variables[variable] ?? environment[variable];
        const secret = resolved !== undefined && resolved !== '' ? resolved : match[2];
        if (secret !== undefined && secret !== '') secrets.push(secret);
      }
    } else if (Array.isArray(value)) value.forEach(visit);
    else if (isPlainObject(value)) Object.values(value).forEach(visit);
  };
  visit(run);
  return secrets;
}

/** One run target's store, resolved on its own: its coordinates, or why it cannot be used. */
export type RunTargetStore =
  | { readonly name: string; readonly kind: string | undefined; readonly coordinates: StoreCoordinates }
  | { readonly name: string; readonly kind: string | undefined; readonly problem: string };

/**
 * Resolves only the `store` of every run target, each on its own: the commands that write to stores (`off`, `on`,
 * `status`) must not need a probe URL, and one target whose store cannot be resolved (an unset `${NAME}`, a typo)
 * must not keep the others from being switched off. `undefined` when the file has no run section.
 *
 * @example
 * ```ts
 * const stores = resolveRunTargetStores(loaded.raw, {}, process.env);
 * // [{ name: 'aws', kind: 'aws-ssm', coordinates: { kind: 'aws-ssm', parameter: '/faultline/demo' } }, …]
 * ```
 */
export function resolveRunTargetStores(
  raw: Record<string, unknown>,
  variables: Readonly<Record<string, string>>,
  environment: Readonly<Record<string, string | undefined>>,
  options: RunPathOptions = {},
): RunTargetStore[] | undefined {
  const run = raw.run;
  if (run === undefined) return undefined;
  const targets = (run as { targets?: unknown } | null)?.targets;
  if (!Array.isArray(targets)) {
    throw new RunSectionError('the run section names no targets', [
      { path: 'run.targets', message: 'must be a list of targets', hint: 'see docs/running-experiments.md' },
    ]);
  }
  return targets.map((target: unknown, index): RunTargetStore => {
    const fields = (typeof target === 'object' && target !== null ? target : {}) as {
      name?: unknown;
      store?: unknown;
    };
    const name = typeof fields.name === 'string' ? fields.name : `targets[${index}]`;
    const path = `run.targets[${index}].store`;
    const kind = (fields.store as { kind?: unknown } | undefined)?.kind;
    const known = typeof kind === 'string' ? kind : undefined;
    let resolved: unknown;
    try {
      resolved = dropEmptyStrings(resolvePlaceholders(fields.store, variables, environment, path));
    } catch (error) {
      return { name, kind: known, problem: (error as Error).message };
    }
    const parsed = parseStoreCoordinates(resolved, path);
    if (!parsed.ok) return { name, kind: known, problem: parsed.message };
    const contained = containStorePaths(run, index, parsed.coordinates, options);
    return typeof contained === 'string'
      ? { name, kind: known, problem: `${path}: ${contained}; move the file, or pass --allow-outside` }
      : { name, kind: known, coordinates: contained };
  });
}

function dropEmptyStrings(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropEmptyStrings);
  if (typeof value === 'object' && value !== null) {
    const result: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      if (item === '') continue;
      result[key] = dropEmptyStrings(item);
    }
    return result;
  }
  return value;
}
