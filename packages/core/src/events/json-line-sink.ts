import { type EventLevel, type EventSink, eventLevels, type FaultlineEvent } from './events.js';

const levelRank: Readonly<Record<EventLevel, number>> = { debug: 0, info: 1, warn: 2, error: 3, silent: 4 };

/**
 * Whether an event at `level` passes a sink configured at `threshold`.
 *
 * @example
 * ```ts
 * isLevelEnabled('debug', 'info'); // false
 * ```
 */
export function isLevelEnabled(level: Exclude<EventLevel, 'silent'>, threshold: EventLevel): boolean {
  return levelRank[level] >= levelRank[threshold];
}

/**
 * Reads `FAULTLINE_LOG_LEVEL` (debug | info | warn | error | silent). Unknown or absent values give `fallback`
 * (default `info`), so a typo in an environment variable never breaks a function. (Engines and the platform sinks
 * also take the platform's level when it is not set: see `readSinkLogLevel`.)
 *
 * @example
 * ```ts
 * const level = readLogLevel(process.env); // 'info' unless FAULTLINE_LOG_LEVEL says otherwise
 * ```
 */
export function readLogLevel(
  environment: Readonly<Record<string, string | undefined>>,
  fallback: EventLevel = 'info',
): EventLevel {
  const raw = environment.FAULTLINE_LOG_LEVEL?.trim().toLowerCase();
  return raw !== undefined && (eventLevels as readonly string[]).includes(raw)
    ? (raw as EventLevel)
    : fallback;
}

/**
 * Options of {@link createJsonLineSink}.
 *
 * @example
 * ```ts
 * createJsonLineSink({ level: 'warn', write: (line) => process.stderr.write(`${line}\n`) });
 * ```
 */
export interface JsonLineSinkOptions {
  /** Lowest level written. Default: `FAULTLINE_LOG_LEVEL` read once at creation, else `info`. */
  readonly level?: EventLevel;
  /**
   * Receives each serialized line (without a newline) and its level. Default: `console.debug`, `console.info`,
   * `console.warn` or `console.error` by level — which Lambda, Cloud Functions and Azure all collect.
   */
  readonly write?: (line: string, level: Exclude<EventLevel, 'silent'>) => void;
  /** Environment to read `FAULTLINE_LOG_LEVEL` from when `level` is absent. Default: `process.env`. */
  readonly environment?: Readonly<Record<string, string | undefined>>;
}

/**
 * One console method per level, so a platform that filters by level (Lambda's advanced logging controls) and shows
 * levels (its JSON log format's `level`) sees ours.
 */
function writeToConsole(line: string, level: Exclude<EventLevel, 'silent'>): void {
  console[level](line);
}

function safeStringify(event: FaultlineEvent): string {
  try {
    return JSON.stringify(event);
  } catch {
    // details may hold something unserializable (a cycle, a BigInt); keep the identifying fields.
    const { details: _details, ...rest } = event;
    return JSON.stringify({ ...rest, details: { unserializable: true } });
  }
}

/**
 * The default event sink: one JSON object per line, filtered by level. Errors while writing are swallowed — logging
 * must never break the function it observes. Events carry ids and config versions only, never config documents,
 * credentials or connection strings.
 *
 * @example
 * ```ts
 * import { createJsonLineSink } from '@faultline/core';
 * import { withFaults } from '@faultline/aws-lambda';
 *
 * export const handler = withFaults(baseHandler, { onEvent: createJsonLineSink({ level: 'debug' }) });
 * // {"source":"faultline","type":"inject","level":"info","experimentId":"orders","faultId":"slow",...}
 * ```
 */
export function createJsonLineSink(options: JsonLineSinkOptions = {}): EventSink {
  const threshold = options.level ?? readLogLevel(options.environment ?? process.env);
  const write = options.write ?? writeToConsole;
  return (event) => {
    if (!isLevelEnabled(event.level, threshold)) return;
    try {
      write(safeStringify(event), event.level);
    } catch {
      // Swallowed on purpose: see the TSDoc above.
    }
  };
}
