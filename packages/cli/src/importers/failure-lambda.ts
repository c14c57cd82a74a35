import { isPlainObject } from '@faultline/core';
import {
  fieldForEventPath,
  ImportError,
  type ImportOptions,
  type ImportResult,
  keepValidFaults,
  readBoolean,
  readImportInput,
  readNumber,
  regexToGlob,
  roundProbability,
  truncate,
} from './import-support.js';

/** Largest delay the latency fault accepts (15 minutes, the longest serverless invocation). */
const maxLatencyMs = 900_000;
/** Limits of the exception message and corrupt body attributes. */
const maxMessageLength = 1024;
const maxBodyLength = 65_536;
/** Largest fill the diskfill fault accepts (10 GiB, the largest Lambda /tmp). */
const maxDiskFillMb = 10_240;

/**
 * Converts a failure-lambda configuration into a faultline experiment. Two formats are understood:
 *
 * - **v0.x** (also used by failure-cloudfunctions and failure-azurefunctions): one flat object
 *   `{ isEnabled, failureMode, rate, minLatency, maxLatency, exceptionMsg, statusCode, diskSpace, denylist }`, one
 *   mode at a time, `rate` a fraction.
 * - **v1** feature flags: `{ latency, exception, statuscode, diskspace, denylist, timeout, corruption }`, each
 *   `{ enabled, percentage, match?, …settings }` with an integer percentage.
 *
 * Each mode or flag becomes one fault (`latency`, `exception`, `status`, `diskfill`, `blackhole`, `timeout`,
 * `corrupt`), listed in failure-lambda's order. Where faultline behaves differently or a setting cannot be carried
 * over exactly, a warning says what changed and what to check. Accepts the object or its JSON text (as stored in
 * SSM).
 *
 * @throws {ImportError} when the input is not a failure-lambda configuration at all.
 *
 * @example
 * ```ts
 * import { importFailureLambda } from '@faultline/cli';
 * import { validateExperiment } from '@faultline/core';
 *
 * const { experiment, warnings } = importFailureLambda({
 *   latency: { enabled: true, percentage: 20, min_latency: 100, max_latency: 400 },
 *   exception: { enabled: false, percentage: 5, exception_msg: 'boom' },
 * });
 * warnings.forEach((warning) => console.warn(warning));
 * validateExperiment(experiment).ok; // true
 * ```
 */
export function importFailureLambda(input: unknown, options: ImportOptions = {}): ImportResult {
  const config = readImportInput(input, 'failure-lambda');
  const id = options.id ?? 'failure-lambda-import';
  if (Object.hasOwn(config, 'failureMode') || Object.hasOwn(config, 'isEnabled')) {
    return importVersion0(config, id);
  }
  if (flagNames.some((name) => Object.hasOwn(config, name))) return importVersion1(config, id);
  throw new ImportError(
    'faultline: this is not a failure-lambda configuration: expected v0.x keys (isEnabled, failureMode, rate, …) or ' +
      `v1 feature flags (${flagNames.join(', ')})`,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// v0.x

const version0Keys = [
  'isEnabled',
  'failureMode',
  'rate',
  'minLatency',
  'maxLatency',
  'exceptionMsg',
  'statusCode',
  'diskSpace',
  'denylist',
];
const version0Modes = ['latency', 'exception', 'statuscode', 'diskspace', 'denylist'];

function importVersion0(config: Record<string, unknown>, id: string): ImportResult {
  const warnings: string[] = [];
  for (const key of Object.keys(config)) {
    if (!version0Keys.includes(key)) warnings.push(`${key}: not a failure-lambda v0.x setting; ignored`);
  }
  const enabled = readBoolean(config.isEnabled);
  if (enabled === undefined) {
    warnings.push(
      'isEnabled: missing or not a boolean; the experiment is imported switched off (enabled: false)',
    );
  }
  const rate = readNumber(config.rate);
  let probability = 1;
  if (rate === undefined) {
    warnings.push(
      'rate: missing or not a number; imported as probability 1 (every invocation) — set the rate you want',
    );
  } else if (rate < 0 || rate > 1) {
    probability = roundProbability(rate > 1 && rate <= 100 ? rate / 100 : rate);
    warnings.push(`rate: ${rate} is outside 0–1; imported as probability ${probability}`);
  } else {
    probability = roundProbability(rate);
  }
  const mode = typeof config.failureMode === 'string' ? config.failureMode : undefined;
  const faults: Record<string, unknown>[] = [];
  const settings: Record<string, unknown> = {
    min_latency: config.minLatency,
    max_latency: config.maxLatency,
    exception_msg: config.exceptionMsg,
    status_code: config.statusCode,
    disk_space: config.diskSpace,
    deny_list: config.denylist,
  };
  const pathOf: Record<string, string> = {
    min_latency: 'minLatency',
    max_latency: 'maxLatency',
    exception_msg: 'exceptionMsg',
    status_code: 'statusCode',
    disk_space: 'diskSpace',
    deny_list: 'denylist',
  };
  if (mode === undefined || !version0Modes.includes(mode)) {
    warnings.push(
      `failureMode: ${mode === undefined ? 'missing' : JSON.stringify(mode)} is not one of ${version0Modes.join(', ')}; no fault imported`,
    );
  } else {
    const fault = convertFlag(
      mode as FlagName,
      settings,
      { probability, enabled: true },
      (key) => pathOf[key] ?? key,
      warnings,
    );
    if (fault !== undefined) faults.push(fault);
  }
  return {
    experiment: {
      schemaVersion: 1,
      id,
      description: `Imported from a failure-lambda v0.x configuration (failureMode ${mode ?? 'missing'}).`,
      enabled: enabled ?? false,
      faults: keepValidFaults(faults, warnings),
    },
    warnings,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// v1 feature flags

/** failure-lambda v1's flags, in the fixed order it applies them (corruption runs after the handler). */
const flagNames = [
  'latency',
  'timeout',
  'diskspace',
  'denylist',
  'statuscode',
  'exception',
  'corruption',
] as const;
type FlagName = (typeof flagNames)[number];

const flagSettings: Record<FlagName, readonly string[]> = {
  latency: ['min_latency', 'max_latency'],
  timeout: ['timeout_buffer_ms'],
  diskspace: ['disk_space'],
  denylist: ['deny_list'],
  statuscode: ['status_code'],
  exception: ['exception_msg'],
  corruption: ['body'],
};

function importVersion1(config: Record<string, unknown>, id: string): ImportResult {
  const warnings: string[] = [];
  for (const key of Object.keys(config)) {
    if (!(flagNames as readonly string[]).includes(key)) {
      warnings.push(`${key}: not a failure-lambda v1 feature flag; ignored`);
    }
  }
  const faults: Record<string, unknown>[] = [];
  const percentages: string[] = [];
  for (const name of flagNames) {
    const flag = config[name];
    if (flag === undefined) continue;
    if (!isPlainObject(flag)) {
      warnings.push(`${name}: must be an object with enabled and percentage; not imported`);
      continue;
    }
    for (const key of Object.keys(flag)) {
      if (!['enabled', 'percentage', 'match', ...flagSettings[name]].includes(key)) {
        warnings.push(`${name}.${key}: not a setting of the ${name} flag; ignored`);
      }
    }
    const enabled = readBoolean(flag.enabled);
    if (enabled === undefined)
      warnings.push(`${name}.enabled: missing or not a boolean; imported as enabled: false`);
    const percentage = readNumber(flag.percentage);
    let probability = 1;
    if (percentage === undefined) {
      warnings.push(
        `${name}.percentage: missing or not a number; imported as probability 1 — set the rate you want`,
      );
    } else {
      probability = roundProbability(percentage / 100);
      if (percentage < 0 || percentage > 100) {
        warnings.push(
          `${name}.percentage: ${percentage} is outside 0–100; clamped to probability ${probability}`,
        );
      }
      percentages.push(`${name} ${percentage} % → probability ${probability}`);
    }
    const fault = convertFlag(
      name,
      flag,
      { probability, enabled: enabled ?? false },
      (key) => `${name}.${key}`,
      warnings,
    );
    if (fault === undefined) continue;
    const match = convertMatch(flag.match, `${name}.match`, warnings);
    if (match.conditions.length > 0) fault.match = match.conditions;
    if (match.disable && fault.enabled === true) {
      fault.enabled = false;
      warnings.push(
        `${name}: imported switched off (enabled: false) because a match condition was dropped and the fault would otherwise apply to more invocations than before; review its match, then enable it`,
      );
    }
    faults.push(fault);
  }
  if (percentages.length > 0) {
    warnings.push(
      `percentages became probabilities (${percentages.join('; ')}); faultline also accepts fractions below 1 %, e.g. 0.001`,
    );
  }
  if (faults.filter((fault) => fault.enabled === true).length > 1) {
    warnings.push(
      'order: failure-lambda applies flags in a fixed order (latency → timeout → diskspace → denylist → statuscode → exception → handler → corruption); ' +
        'faultline applies faults by phase (before → around → handler → after) and in list order within a phase, so diskfill and blackhole wrap the handler instead of running before statuscode/exception; the faults are listed in failure-lambda’s order',
    );
  }
  return {
    experiment: {
      schemaVersion: 1,
      id,
      description: 'Imported from a failure-lambda v1 feature-flag configuration.',
      enabled: true,
      faults: keepValidFaults(faults, warnings),
    },
    warnings,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// One flag or mode → one fault

interface Common {
  readonly probability: number;
  readonly enabled: boolean;
}

function convertFlag(
  name: FlagName,
  settings: Record<string, unknown>,
  common: Common,
  pathOf: (key: string) => string,
  warnings: string[],
): Record<string, unknown> | undefined {
  const base = (type: string): Record<string, unknown> => ({
    id: name,
    type,
    enabled: common.enabled,
    probability: common.probability,
  });
  switch (name) {
    case 'latency': {
      const min = readNumber(settings.min_latency);
      const max = readNumber(settings.max_latency);
      if (min === undefined && max === undefined) {
        warnings.push(`${pathOf('min_latency')}/${pathOf('max_latency')}: missing; latency not imported`);
        return undefined;
      }
      const low = Math.max(0, Math.min(min ?? max ?? 0, max ?? min ?? 0));
      const high = Math.max(0, min ?? max ?? 0, max ?? min ?? 0);
      if ((min ?? 0) < 0 || (max ?? 0) < 0)
        warnings.push(`${pathOf('min_latency')}: negative delays became 0`);
      if (high > maxLatencyMs) {
        warnings.push(
          `${pathOf('max_latency')}: ${high} ms is above faultline's ${maxLatencyMs} ms limit; capped`,
        );
        return low >= maxLatencyMs
          ? { ...base('latency'), delayMs: maxLatencyMs }
          : { ...base('latency'), minDelayMs: low, maxDelayMs: maxLatencyMs };
      }
      if (min !== undefined && max !== undefined && min > max) {
        warnings.push(`${pathOf('min_latency')}: larger than max_latency; the two were swapped`);
      }
      return low === high
        ? { ...base('latency'), delayMs: low }
        : { ...base('latency'), minDelayMs: low, maxDelayMs: high };
    }
    case 'exception': {
      const message =
        typeof settings.exception_msg === 'string' && settings.exception_msg !== ''
          ? truncate(settings.exception_msg, maxMessageLength, pathOf('exception_msg'), warnings)
          : undefined;
      if (message === undefined)
        warnings.push(`${pathOf('exception_msg')}: missing; faultline's default message is used`);
      return message === undefined ? base('exception') : { ...base('exception'), message };
    }
    case 'statuscode': {
      const status = readNumber(settings.status_code);
      if (status === undefined || !Number.isInteger(status) || status < 100 || status > 599) {
        warnings.push(
          `${pathOf('status_code')}: ${JSON.stringify(settings.status_code)} is not an HTTP status (100–599); statuscode not imported`,
        );
        return undefined;
      }
      warnings.push(
        `${pathOf('status_code')}: the synthetic response is cloud-neutral (status ${status}, no body); failure-lambda returned an API Gateway-shaped object — add body/headers to the status fault if clients rely on them`,
      );
      return { ...base('status'), status };
    }
    case 'diskspace': {
      const sizeMb = readNumber(settings.disk_space);
      if (sizeMb === undefined || sizeMb <= 0) {
        warnings.push(
          `${pathOf('disk_space')}: missing or not a positive number of MB; diskspace not imported`,
        );
        return undefined;
      }
      warnings.push(
        `${pathOf('disk_space')}: imported as a diskfill of ${Math.min(maxDiskFillMb, Math.max(1, Math.ceil(sizeMb)))} MB in the OS temp directory, removed when the invocation ends (failure-lambda left its file in /tmp until the next cold start)`,
      );
      const boundedMb = Math.min(maxDiskFillMb, Math.max(1, Math.ceil(sizeMb)));
      if (boundedMb !== sizeMb) {
        warnings.push(
          `${pathOf('disk_space')}: ${sizeMb} MB became ${boundedMb} MB (whole MB, 1 to ${maxDiskFillMb})`,
        );
      }
      return { ...base('diskfill'), scope: 'process', sizeMb: boundedMb };
    }
    case 'denylist': {
      const list = settings.deny_list;
      if (!Array.isArray(list) || list.length === 0) {
        warnings.push(`${pathOf('deny_list')}: missing or empty; denylist not imported`);
        return undefined;
      }
      const hosts: string[] = [];
      for (const [index, entry] of list.entries()) {
        const host = convertDenylistEntry(entry, `${pathOf('deny_list')}[${index}]`, warnings);
        if (host !== undefined && !hosts.includes(host)) hosts.push(host);
      }
      if (hosts.length === 0) {
        warnings.push(`${pathOf('deny_list')}: no entry could be converted; denylist not imported`);
        return undefined;
      }
      warnings.push(
        `${pathOf('deny_list')}: imported as a blackhole with behavior "dns" (lookups fail like failure-lambda's dns.lookup patch); faultline also blocks connections to matching IP addresses and the block ends with the invocation`,
      );
      return { ...base('blackhole'), hosts, behavior: 'dns' };
    }
    case 'timeout': {
      const bufferMs = readNumber(settings.timeout_buffer_ms);
      if (settings.timeout_buffer_ms !== undefined && (bufferMs === undefined || bufferMs < 0)) {
        warnings.push(
          `${pathOf('timeout_buffer_ms')}: not a non-negative number; faultline's default buffer (50 ms) is used`,
        );
      }
      // failure-lambda sleeps to the deadline minus the buffer and then lets the handler run into the timeout.
      const timeout: Record<string, unknown> = base('timeout');
      if (bufferMs !== undefined && bufferMs > maxLatencyMs) {
        warnings.push(
          `${pathOf('timeout_buffer_ms')}: ${bufferMs} ms is above faultline's ${maxLatencyMs} ms limit; capped`,
        );
      }
      if (bufferMs !== undefined && bufferMs >= 0) timeout.bufferMs = Math.min(bufferMs, maxLatencyMs);
      timeout.afterWait = 'continue';
      return timeout;
    }
    case 'corruption': {
      if (typeof settings.body === 'string') {
        return {
          ...base('corrupt'),
          mode: 'replace',
          body: truncate(settings.body, maxBodyLength, pathOf('body'), warnings),
        };
      }
      if (settings.body !== undefined) {
        warnings.push(`${pathOf('body')}: not a string; the JSON text of it is used as the replacement body`);
        const body = JSON.stringify(settings.body) ?? '';
        return {
          ...base('corrupt'),
          mode: 'replace',
          body: truncate(body, maxBodyLength, pathOf('body'), warnings),
        };
      }
      warnings.push(
        `${pathOf('body')}: absent, so the response is mangled (mode "mangle") rather than failure-lambda's exact corruption`,
      );
      return { ...base('corrupt'), mode: 'mangle' };
    }
  }
}

function convertDenylistEntry(entry: unknown, path: string, warnings: string[]): string | undefined {
  if (typeof entry !== 'string' || entry === '') {
    warnings.push(`${path}: not a non-empty string; dropped`);
    return undefined;
  }
  if (!isValidRegex(entry)) {
    // failure-azurefunctions documented `*.documents.azure.com`, which is a glob, not a regex: take it as meant.
    if (hostGlobPattern.test(entry)) {
      warnings.push(
        `${path}: ${JSON.stringify(entry)} is not a valid regular expression; read as the glob ${JSON.stringify(entry.toLowerCase())}`,
      );
      return entry.toLowerCase();
    }
    warnings.push(`${path}: ${JSON.stringify(entry)} is not a valid regular expression; dropped`);
    return undefined;
  }
  const converted = regexToGlob(entry);
  if (converted.ok && !hostGlobPattern.test(converted.glob)) {
    warnings.push(
      `${path}: the regex ${JSON.stringify(entry)} does not describe host names (only letters, digits, . - _ : [ ] * ? are possible); dropped`,
    );
    return undefined;
  }
  if (!converted.ok) {
    warnings.push(
      `${path}: the regex ${JSON.stringify(entry)} cannot be expressed as a host glob (${converted.reason}); dropped — list the hosts as globs`,
    );
    return undefined;
  }
  if (!converted.exact) {
    warnings.push(
      `${path}: the regex ${JSON.stringify(entry)} became the glob ${JSON.stringify(converted.glob)}, which is anchored and treats "." as a dot: ` +
        `it matches hosts like ${exampleHost(converted.glob)} but no longer hosts that merely contain the pattern (the unanchored regex also matched unrelated hosts); write *${converted.glob}* if you relied on that`,
    );
  }
  return converted.glob.toLowerCase();
}

/** What a blackhole host glob may contain: host names, IP literals and the two glob characters. */
const hostGlobPattern = /^[A-Za-z0-9.*?:[\]_-]+$/;

function isValidRegex(pattern: string): boolean {
  try {
    // Compiled only to tell a regex from a glob; never executed against anything.
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

function exampleHost(glob: string): string {
  return glob.replace(/\*/g, 'x').replace(/\?/g, 'x');
}

// ---------------------------------------------------------------------------------------------------------------
// match

function convertMatch(
  input: unknown,
  path: string,
  warnings: string[],
): { conditions: Record<string, unknown>[]; disable: boolean } {
  if (input === undefined) return { conditions: [], disable: false };
  if (!Array.isArray(input)) {
    warnings.push(`${path}: not a list of conditions; dropped`);
    return { conditions: [], disable: true };
  }
  const conditions: Record<string, unknown>[] = [];
  let disable = false;
  input.forEach((entry, index) => {
    const at = `${path}[${index}]`;
    const converted = convertCondition(entry, at, warnings);
    if (converted === undefined) disable = true;
    else conditions.push(converted);
  });
  return { conditions, disable };
}

const scalarTypes = new Set(['string', 'number', 'boolean']);

function convertCondition(
  entry: unknown,
  path: string,
  warnings: string[],
): Record<string, unknown> | undefined {
  if (!isPlainObject(entry) || typeof entry.path !== 'string' || entry.path === '') {
    warnings.push(`${path}: needs a path; dropped`);
    return undefined;
  }
  const field = fieldForEventPath(entry.path);
  if (!field.ok) {
    warnings.push(
      `${path}.path: ${JSON.stringify(entry.path)} cannot be addressed (${field.reason}); dropped`,
    );
    return undefined;
  }
  if (field.normalized) {
    warnings.push(
      `${path}.path: the event path ${JSON.stringify(entry.path)} became the normalized field ${field.field}, which reads the same value on every cloud`,
    );
  } else {
    warnings.push(
      `${path}.path: the event path ${JSON.stringify(entry.path)} became ${field.field}; raw paths are cloud-specific — prefer a normalized field (http.path, http.header.<name>, event.type, …) where one fits`,
    );
  }
  const value = entry.value;
  switch (entry.operator) {
    case 'eq':
      if (!scalarTypes.has(typeof value)) {
        warnings.push(`${path}.value: eq needs a string, number or boolean; condition dropped`);
        return undefined;
      }
      return { field: field.field, op: 'eq', value };
    case 'exists':
      return { field: field.field, op: 'exists' };
    case 'startsWith':
      if (typeof value !== 'string') {
        warnings.push(`${path}.value: startsWith needs a string; condition dropped`);
        return undefined;
      }
      return { field: field.field, op: 'prefix', value };
    case 'regex': {
      // An unanchored regex matches anywhere in the value; `*` on that side keeps the condition as wide as it was.
      const converted =
        typeof value === 'string' ? regexToGlob(value, { unanchored: 'wildcard' }) : undefined;
      if (converted?.ok === true) {
        warnings.push(
          `${path}: the regex ${JSON.stringify(value)} became the glob ${JSON.stringify(converted.glob)} (op glob)${converted.exact ? '' : '; "." is read as a literal dot, not "any character"'}`,
        );
        return { field: field.field, op: 'glob', value: converted.glob };
      }
      warnings.push(
        `${path}: the regex operator is not supported (faultline matches with bounded globs, never regular expressions)${converted?.ok === false ? ` and ${JSON.stringify(value)} cannot be a glob (${converted.reason})` : ''}; condition dropped`,
      );
      return undefined;
    }
    default:
      warnings.push(
        `${path}.operator: ${JSON.stringify(entry.operator)} is not a failure-lambda operator (eq, exists, startsWith, regex); condition dropped`,
      );
      return undefined;
  }
}
