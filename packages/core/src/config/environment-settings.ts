import type { EventLevel } from '../events/events.js';
import { eventLevels } from '../events/events.js';
import { type CachedConfigOptions, defaultCachedConfigOptions } from './cache-options.js';
import { environmentFlagWords, parseEnvironmentFlag } from './environment-values.js';

/**
 * The FAULTLINE_* settings, read once (at wrapper or engine creation), never per invocation.
 *
 * @example
 * ```ts
 * const settings: EnvironmentSettings = readEnvironmentSettings(process.env);
 * for (const warning of settings.warnings) console.warn(warning);
 * if (settings.disabled) console.log('faultline is switched off by FAULTLINE_DISABLED');
 * ```
 */
export interface EnvironmentSettings {
  /** `FAULTLINE_DISABLED`: the kill switch. Wrappers return the handler unchanged. */
  readonly disabled: boolean;
  /**
   * `FAULTLINE_LOG_LEVEL`: debug | info | warn | error | silent (case-insensitive). When it is not set, engines take
   * the platform's level (`readPlatformLogLevel`: `AWS_LAMBDA_LOG_LEVEL`, then `POWERTOOLS_LOG_LEVEL`).
   */
  readonly logLevel: EventLevel | undefined;
  /** `FAULTLINE_CONFIG_TTL_MS`. */
  readonly ttlMs: number | undefined;
  /** `FAULTLINE_CONFIG_FETCH_BUDGET_MS`. */
  readonly fetchBudgetMs: number | undefined;
  /** `FAULTLINE_CONFIG_MAX_STALE_MS`. */
  readonly maxStaleMs: number | undefined;
  /** `FAULTLINE_CONFIG_MAX_SIZE_BYTES`. */
  readonly maxSizeBytes: number | undefined;
  /** `FAULTLINE_CONFIG_FILE`: path of a local JSON experiment file. */
  readonly configFile: string | undefined;
  /** Whether `FAULTLINE_CONFIG` holds an inline experiment (the value itself is not copied here). */
  readonly hasInlineConfig: boolean;
  /** One sentence per variable that was set to something unusable, naming the variable and what was used instead. */
  readonly warnings: readonly string[];
}

const durationVariables = [
  ['ttlMs', 'FAULTLINE_CONFIG_TTL_MS'],
  ['fetchBudgetMs', 'FAULTLINE_CONFIG_FETCH_BUDGET_MS'],
  ['maxStaleMs', 'FAULTLINE_CONFIG_MAX_STALE_MS'],
  ['maxSizeBytes', 'FAULTLINE_CONFIG_MAX_SIZE_BYTES'],
] as const;

/**
 * Reads every FAULTLINE_* setting once, validating as it goes. A bad value never throws: it is ignored (the option
 * or default applies) and described in `warnings`. An unrecognised `FAULTLINE_DISABLED` value counts as disabled,
 * because whoever set it most likely meant to switch faults off.
 *
 * @example
 * ```ts
 * const settings = readEnvironmentSettings({ FAULTLINE_CONFIG_TTL_MS: '5000', FAULTLINE_LOG_LEVEL: 'loud' });
 * settings.ttlMs; // 5000
 * settings.logLevel; // undefined
 * settings.warnings; // ['FAULTLINE_LOG_LEVEL="loud" is not one of debug, info, warn, error, silent; using the default (info).']
 * ```
 */
export function readEnvironmentSettings(
  environment: Readonly<Record<string, string | undefined>> = process.env,
): EnvironmentSettings {
  const warnings: string[] = [];

  let disabled = false;
  const disabledText = environment.FAULTLINE_DISABLED;
  if (disabledText !== undefined) {
    const flag = parseEnvironmentFlag(disabledText);
    disabled = flag ?? true;
    if (flag === undefined) {
      warnings.push(
        `FAULTLINE_DISABLED=${JSON.stringify(disabledText)} is not one of ${environmentFlagWords}; ` +
          'treating it as disabled (set FAULTLINE_DISABLED=1 to silence this warning).',
      );
    }
  }

  let logLevel: EventLevel | undefined;
  const levelText = environment.FAULTLINE_LOG_LEVEL;
  if (levelText !== undefined && levelText.trim() !== '') {
    const word = levelText.trim().toLowerCase();
    if ((eventLevels as readonly string[]).includes(word)) logLevel = word as EventLevel;
    else {
      warnings.push(
        `FAULTLINE_LOG_LEVEL=${JSON.stringify(levelText)} is not one of ${eventLevels.join(', ')}; ` +
          'using the default (info).',
      );
    }
  }

  const durations: Partial<Record<(typeof durationVariables)[number][0], number>> = {};
  for (const [option, variable] of durationVariables) {
    const text = environment[variable];
    if (text === undefined || text.trim() === '') continue;
    const value = /^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN;
    if (Number.isSafeInteger(value)) durations[option] = value;
    else {
      const unit = option === 'maxSizeBytes' ? 'bytes' : 'milliseconds';
      warnings.push(
        `${variable}=${JSON.stringify(text)} is not a whole number of ${unit} ≥ 0; ` +
          `using the default (${defaultCachedConfigOptions[option]}).`,
      );
    }
  }

  const configFile = environment.FAULTLINE_CONFIG_FILE?.trim();
  return {
    disabled,
    logLevel,
    ttlMs: durations.ttlMs,
    fetchBudgetMs: durations.fetchBudgetMs,
    maxStaleMs: durations.maxStaleMs,
    maxSizeBytes: durations.maxSizeBytes,
    configFile: configFile === '' ? undefined : configFile,
    hasInlineConfig: (environment.FAULTLINE_CONFIG ?? '').trim() !== '',
    warnings,
  };
}

/**
 * What the snapshot keeps, by prefix: every `FAULTLINE_*` variable {@link readEnvironmentSettings} reads, and what the
 * engine's default sinks read (`AWS_LAMBDA_LOG_LEVEL`/`_FORMAT`/`_FUNCTION_NAME`, `POWERTOOLS_LOG_LEVEL`, the Google
 * Cloud project). Prefixes keep this short in the code adapters load at import.
 */
const snapshotPrefixes = [
  'FAULTLINE_',
  'AWS_LAMBDA_',
  'POWERTOOLS_',
  'GOOGLE_CLOUD_PROJECT',
  'GCLOUD_PROJECT',
  'GCP_PROJECT',
];

/**
 * A copy of the variables {@link readEnvironmentSettings} and the default sinks read (renamed `FAULTLINE_*` ones
 * still set under their old names included), so settings read later (an engine created on the
 * first invocation) see the values of when the wrapper was created, as documented. Not exported from the package.
 *
 * @example
 * ```ts
 * const environment = snapshotSettingsVariables(process.env);
 * readEnvironmentSettings(environment); // the same settings, whatever process.env becomes
 * ```
 */
export function snapshotSettingsVariables(
  environment: Readonly<Record<string, string | undefined>>,
): Readonly<Record<string, string | undefined>> {
  const snapshot: Record<string, string | undefined> = {};
  for (const variable in environment) {
    const value = environment[variable];
    if (value !== undefined && snapshotPrefixes.some((prefix) => variable.startsWith(prefix))) {
      snapshot[variable] = value;
    }
  }
  return snapshot;
}

/**
 * The one place cache options are resolved: an option given in code wins over the environment, which wins over
 * the default.
 *
 * @example
 * ```ts
 * const settings = readEnvironmentSettings({ FAULTLINE_CONFIG_TTL_MS: '5000' });
 * resolveCachedConfigOptions({ fetchBudgetMs: 300 }, settings);
 * // → { ttlMs: 5000, fetchBudgetMs: 300, jitterRatio: 0.1, maxStaleMs: 900000, … }
 * ```
 */
export function resolveCachedConfigOptions(
  options: CachedConfigOptions = {},
  settings?: EnvironmentSettings,
): Required<CachedConfigOptions> {
  return {
    ttlMs: options.ttlMs ?? settings?.ttlMs ?? defaultCachedConfigOptions.ttlMs,
    jitterRatio: options.jitterRatio ?? defaultCachedConfigOptions.jitterRatio,
    fetchBudgetMs:
      options.fetchBudgetMs ?? settings?.fetchBudgetMs ?? defaultCachedConfigOptions.fetchBudgetMs,
    maxStaleMs: options.maxStaleMs ?? settings?.maxStaleMs ?? defaultCachedConfigOptions.maxStaleMs,
    errorBackoffMs: options.errorBackoffMs ?? defaultCachedConfigOptions.errorBackoffMs,
    maxBackoffMs: options.maxBackoffMs ?? defaultCachedConfigOptions.maxBackoffMs,
    maxSizeBytes: options.maxSizeBytes ?? settings?.maxSizeBytes ?? defaultCachedConfigOptions.maxSizeBytes,
  };
}
