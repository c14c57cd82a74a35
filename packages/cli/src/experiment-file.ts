import { readFile, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import type { ExperimentDefinition, RunSection, ValidationIssue } from '@faultline/core';
import {
  defaultMaxConfigSizeBytes,
  parseExperimentText,
  validateExperiment,
  validateRunSection,
} from '@faultline/core';
import { UsageError } from './arguments.js';
import { docsUrl } from './docs-links.js';
import { type LocatedIssue, locateIssues } from './issue-locations.js';
import { resolvePlaceholders } from './run-placeholders.js';

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
export class RunSectionError extends Error {
  override readonly name = 'RunSectionError';
  constructor(
    message: string,
    readonly issues: readonly ValidationIssue[] = [],
    options?: ErrorOptions,
  ) {
    super(message, options);
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
    resolved = dropEmptyStrings(resolvePlaceholders(raw.run, variables, environment, 'run'));
  } catch (error) {
    throw new RunSectionError((error as Error).message, [], { cause: error });
  }
  const result = validateRunSection(resolved, 'run');
  if (!result.ok)
    throw new RunSectionError('the run section is invalid once its placeholders are resolved', result.issues);
  return result.run;
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
