import { isPlainObject } from '@faultline/core';
import {
  describeJson,
  exactNumbers,
  fieldForEventPath,
  finishImport,
  ImportError,
  type ImportOptions,
  type ImportResult,
  javaScriptNumber,
  javaScriptNumbers,
  javaScriptString,
  type NumberReader,
  readImportInput,
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
  'blacklist',
];
/** failure-lambda 0.x's modes; `blacklist` is 0.2's name of `denylist` (renamed in 0.3, reading `blacklist`). */
const version0Modes = ['latency', 'exception', 'statuscode', 'diskspace', 'denylist', 'blacklist'];

/**
 * failure-lambda 0.x injects when `isEnabled === true && Math.random() < rate`, then runs the mode whose name equals
 * `failureMode`. The import follows that exactly: only the boolean `true` enables (a string `"true"` never did),
 * `rate` goes through JavaScript's number coercion (missing or NaN never fires, above 1 always does), and every
 * value that is not of its type is warned about.
 */
function importVersion0(config: Record<string, unknown>, id: string): ImportResult {
  const warnings: string[] = [];
  for (const key of Object.keys(config)) {
    if (!version0Keys.includes(key)) warnings.push(`${key}: not a failure-lambda v0.x setting; ignored`);
  }
  const enabled = config.isEnabled === true;
  if (!enabled) {
    warnings.push(
      config.isEnabled === false
        ? 'isEnabled: false; the experiment is imported switched off (enabled: false)'
        : `isEnabled: ${describeJson(config.isEnabled)} is not the boolean true, and failure-lambda injects only when isEnabled === true: this configuration never injected, so it is imported switched off (enabled: false) — enable it once you have reviewed it`,
    );
  }
  const probability = version0Probability(config.rate, warnings);
  const numbers = javaScriptNumbers(warnings, 'failure-lambda');
  const mode = typeof config.failureMode === 'string' ? config.failureMode : undefined;
  if (mode === undefined || !version0Modes.includes(mode)) {
    throw new ImportError(
      `faultline: failureMode ${describeJson(config.failureMode)} is not a failure-lambda mode (${version0Modes.join(', ')}): failure-lambda injected nothing with it, so there is nothing to import`,
      { warnings },
    );
  }
  if (mode === 'blacklist') {
    warnings.push(
      'failureMode: "blacklist" is failure-lambda 0.2\'s name for the denylist (renamed in 0.3); imported as a denylist of the hosts in blacklist',
    );
  }
  if (typeof config.minLatency === 'string' && mode === 'latency') {
    warnings.push(
      `minLatency: ${describeJson(config.minLatency)} is text, which failure-lambda joined to the random part instead of adding it (its delays were far longer than meant); imported as the number`,
    );
  }
  if (mode === 'exception' && config.exceptionMsg !== undefined && typeof config.exceptionMsg !== 'string') {
    warnings.push(
      `exceptionMsg: ${describeJson(config.exceptionMsg)} is not text; failure-lambda passed it to the Error constructor, whose message is then ${describeJson(javaScriptString(config.exceptionMsg))}, and so does the import`,
    );
  }
  const settings: Record<string, unknown> = {
    min_latency: config.minLatency,
    max_latency: config.maxLatency,
    exception_msg:
      config.exceptionMsg === undefined || typeof config.exceptionMsg === 'string'
        ? config.exceptionMsg
        : javaScriptString(config.exceptionMsg),
    status_code: config.statusCode,
    disk_space: config.diskSpace,
    deny_list: mode === 'blacklist' ? config.blacklist : config.denylist,
  };
  const pathOf: Record<string, string> = {
    min_latency: 'minLatency',
    max_latency: 'maxLatency',
    exception_msg: 'exceptionMsg',
    status_code: 'statusCode',
    disk_space: 'diskSpace',
    deny_list: mode === 'blacklist' ? 'blacklist' : 'denylist',
  };
  const faults: Record<string, unknown>[] = [];
  const fault = convertFlag(
    (mode === 'blacklist' ? 'denylist' : mode) as FlagName,
    settings,
    { probability, enabled: true },
    (key) => pathOf[key] ?? key,
    warnings,
    numbers,
  );
  if (fault !== undefined) faults.push(fault);
  return finishImport(
    'failure-lambda',
    { id, description: `Imported from a failure-lambda v0.x configuration (failureMode ${mode}).`, enabled },
    faults,
    warnings,
  );
}

/**
 * The chance that `Math.random() < rate` is true, with `rate` as JavaScript coerces it: `"0.5"` is 0.5, `true` is
 * 1, `null` is 0, a missing or non-numeric rate is NaN (never true), and anything from 1 up is always true.
 */
function version0Probability(rate: unknown, warnings: string[]): number {
  const value = javaScriptNumber(rate);
  if (typeof rate !== 'number' && rate !== undefined) {
    warnings.push(
      `rate: ${describeJson(rate)} is not a number; failure-lambda compared Math.random() with it as ${Number.isNaN(value) ? 'NaN' : value}`,
    );
  }
  if (Number.isNaN(value) || value <= 0) {
    warnings.push(
      `rate: ${describeJson(rate)} never makes Math.random() < rate true, so failure-lambda never injected; imported with probability 0 — set the rate you want`,
    );
    return 0;
  }
  if (value > 1) {
    warnings.push(
      `rate: ${value} is above 1, so failure-lambda injected on every invocation; imported as probability 1 (if you meant ${value} %, set ${roundProbability(value / 100)})`,
    );
    return 1;
  }
  return roundProbability(value);
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
    // failure-lambda 1.x validates each flag and skips it on any error: such a flag never injected.
    const problems = failureLambdaFlagProblems(name, flag);
    const valid = problems.length === 0;
    const enabled = valid && flag.enabled === true;
    if (!valid) {
      warnings.push(
        `${name}: failure-lambda skips this flag (${problems.join('; ')}), so it never injected; imported switched off (enabled: false)`,
      );
    } else if (flag.enabled !== true) {
      warnings.push(`${name}.enabled: false; imported switched off (enabled: false)`);
    }
    let probability = 1;
    if (flag.percentage === undefined) {
      warnings.push(
        `${name}.percentage: missing, which failure-lambda reads as 100; imported as probability 1`,
      );
    } else if (typeof flag.percentage === 'number' && Number.isFinite(flag.percentage)) {
      probability = roundProbability(flag.percentage / 100);
      percentages.push(`${name} ${flag.percentage} % → probability ${probability}`);
    }
    const fault = convertFlag(
      name,
      flag,
      { probability, enabled },
      (key) => `${name}.${key}`,
      warnings,
      exactNumbers(warnings, 'failure-lambda 1.x'),
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
  return finishImport(
    'failure-lambda',
    { id, description: 'Imported from a failure-lambda v1 feature-flag configuration.', enabled: true },
    faults,
    warnings,
  );
}

/** Largest disk fill failure-lambda 1.x accepts, in MB. */
const failureLambdaMaxDiskSpaceMb = 10_240;

/**
 * What failure-lambda 1.x's own validation finds wrong with a flag (it then skips the flag, with a warning in its
 * log): the same rules, so the import knows which flags ever injected.
 */
function failureLambdaFlagProblems(name: FlagName, flag: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const isNumber = (value: unknown): value is number => typeof value === 'number';
  if (typeof flag.enabled !== 'boolean')
    problems.push(`enabled ${describeJson(flag.enabled)} is not a boolean`);
  const { percentage } = flag;
  if (
    percentage !== undefined &&
    !(isNumber(percentage) && Number.isInteger(percentage) && percentage >= 0 && percentage <= 100)
  ) {
    problems.push(`percentage ${describeJson(percentage)} is not an integer from 0 to 100`);
  }
  const nonNegative = (key: string) => {
    const value = flag[key];
    if (value !== undefined && !(isNumber(value) && value >= 0)) {
      problems.push(`${key} ${describeJson(value)} is not a non-negative number`);
    }
  };
  switch (name) {
    case 'latency':
      nonNegative('min_latency');
      nonNegative('max_latency');
      if (isNumber(flag.min_latency) && isNumber(flag.max_latency) && flag.min_latency > flag.max_latency) {
        problems.push('max_latency is below min_latency');
      }
      break;
    case 'exception':
      if (flag.exception_msg !== undefined && typeof flag.exception_msg !== 'string') {
        problems.push(`exception_msg ${describeJson(flag.exception_msg)} is not a string`);
      }
      break;
    case 'statuscode': {
      const status = flag.status_code;
      if (status !== undefined && !(isNumber(status) && status >= 100 && status <= 599)) {
        problems.push(`status_code ${describeJson(status)} is not an HTTP status (100–599)`);
      }
      break;
    }
    case 'diskspace': {
      const size = flag.disk_space;
      if (size !== undefined && !(isNumber(size) && size > 0 && size <= failureLambdaMaxDiskSpaceMb)) {
        problems.push(
          `disk_space ${describeJson(size)} is not between 1 and ${failureLambdaMaxDiskSpaceMb} MB`,
        );
      }
      break;
    }
    case 'denylist': {
      const list = flag.deny_list;
      if (list !== undefined) {
        if (!Array.isArray(list) || !list.every((entry) => typeof entry === 'string')) {
          problems.push('deny_list is not a list of strings');
        } else {
          for (const [index, pattern] of (list as string[]).entries()) {
            if (!isValidRegex(pattern))
              problems.push(`deny_list[${index}] is not a valid regular expression`);
            else if (isBacktrackingRegex(pattern)) problems.push(`deny_list[${index}] could backtrack badly`);
          }
        }
      }
      break;
    }
    case 'timeout':
      nonNegative('timeout_buffer_ms');
      break;
    case 'corruption':
      if (flag.body !== undefined && typeof flag.body !== 'string') {
        problems.push(`body ${describeJson(flag.body)} is not a string`);
      }
      break;
  }
  const { match } = flag;
  if (match !== undefined) {
    if (!Array.isArray(match)) problems.push('match is not a list');
    else {
      for (const [index, condition] of match.entries()) {
        if (!isPlainObject(condition)) {
          problems.push(`match[${index}] is not an object`);
          continue;
        }
        if (typeof condition.path !== 'string') problems.push(`match[${index}].path is not a string`);
        const operator = condition.operator ?? 'eq';
        if (!['eq', 'exists', 'startsWith', 'regex'].includes(operator as string)) {
          problems.push(
            `match[${index}].operator ${describeJson(condition.operator)} is not eq, exists, startsWith or regex`,
          );
        }
        if (operator !== 'exists' && typeof condition.value !== 'string') {
          problems.push(`match[${index}].value ${describeJson(condition.value)} is not a string`);
        }
        if (operator === 'regex' && typeof condition.value === 'string') {
          if (!isValidRegex(condition.value))
            problems.push(`match[${index}].value is not a valid regular expression`);
          else if (isBacktrackingRegex(condition.value))
            problems.push(`match[${index}].value could backtrack badly`);
        }
      }
    }
  }
  return problems;
}

/**
 * failure-lambda 1.x refuses patterns longer than 512 characters and groups that hold a quantifier and are
 * quantified again (`(a+)+`), the classic catastrophic-backtracking shape.
 */
function isBacktrackingRegex(pattern: string): boolean {
  if (pattern.length > 512) return true;
  const quantifiedInside: boolean[] = [false];
  for (let index = 0; index < pattern.length; index++) {
    const character = pattern.charAt(index);
    if (character === '\\') {
      index++;
      continue;
    }
    if (character === '[') {
      for (index++; index < pattern.length && pattern.charAt(index) !== ']'; index++) {
        if (pattern.charAt(index) === '\\') index++;
      }
      continue;
    }
    const depth = quantifiedInside.length - 1;
    if (character === '(') {
      quantifiedInside.push(false);
      continue;
    }
    if (character === ')' && depth > 0) {
      const inner = quantifiedInside.pop() as boolean;
      const next = pattern.charAt(index + 1);
      if (inner && (next === '+' || next === '*' || next === '{')) return true;
      if (inner && depth > 1) quantifiedInside[depth - 1] = true;
      continue;
    }
    if (
      depth > 0 &&
      (character === '+' || character === '*' || (character === '{' && /^\{\d+,/.test(pattern.slice(index))))
    ) {
      quantifiedInside[depth] = true;
    }
  }
  return false;
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
  numbers: NumberReader,
): Record<string, unknown> | undefined {
  const readNumber = (key: string): number | undefined => numbers(settings[key], pathOf(key));
  const base = (type: string): Record<string, unknown> => ({
    id: name,
    type,
    enabled: common.enabled,
    probability: common.probability,
  });
  switch (name) {
    case 'latency': {
      const min = readNumber('min_latency');
      const max = readNumber('max_latency');
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
      const status = readNumber('status_code');
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
      const sizeMb = readNumber('disk_space');
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
      const bufferMs = readNumber('timeout_buffer_ms');
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
  // failure-lambda 1.x reads a missing operator as eq.
  switch (entry.operator ?? 'eq') {
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
