import { type EventLevel, eventLevels } from '../events/events.js';

/** Lambda's advanced logging controls and Powertools name some levels their own way: these map to faultline's. */
const platformAliases: Readonly<Record<string, EventLevel>> = {
  trace: 'debug',
  warning: 'warn',
  critical: 'error',
  fatal: 'error',
};

/**
 * The log level the platform asks for: Lambda's advanced logging controls (`AWS_LAMBDA_LOG_LEVEL`), then Powertools
 * for AWS Lambda (`POWERTOOLS_LOG_LEVEL`), in that order of precedence as Powertools itself applies them. `TRACE`
 * reads as `debug`, `FATAL`/`CRITICAL` as `error`; other values are ignored. (Kept out of the JSON line sink's module,
 * which adapters load at import: engines and platform sinks load with the runtime.)
 *
 * @example
 * ```ts
 * readPlatformLogLevel({ AWS_LAMBDA_LOG_LEVEL: 'WARN', POWERTOOLS_LOG_LEVEL: 'DEBUG' }); // 'warn'
 * ```
 */
export function readPlatformLogLevel(
  environment: Readonly<Record<string, string | undefined>>,
): EventLevel | undefined {
  for (const variable of ['AWS_LAMBDA_LOG_LEVEL', 'POWERTOOLS_LOG_LEVEL'] as const) {
    const word = environment[variable]?.trim().toLowerCase() ?? '';
    if ((eventLevels as readonly string[]).includes(word)) return word as EventLevel;
    if (Object.hasOwn(platformAliases, word)) return platformAliases[word];
  }
  return undefined;
}

/**
 * The level of an engine or platform sink when none is given: `FAULTLINE_LOG_LEVEL`, else the platform's
 * ({@link readPlatformLogLevel}), else `info`.
 *
 * @example
 * ```ts
 * readSinkLogLevel({ POWERTOOLS_LOG_LEVEL: 'DEBUG' }); // 'debug'
 * ```
 */
export function readSinkLogLevel(environment: Readonly<Record<string, string | undefined>>): EventLevel {
  const own = environment.FAULTLINE_LOG_LEVEL?.trim().toLowerCase() ?? '';
  if ((eventLevels as readonly string[]).includes(own)) return own as EventLevel;
  return readPlatformLogLevel(environment) ?? 'info';
}
