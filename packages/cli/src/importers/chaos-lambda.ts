import {
  describeJson,
  finishImport,
  ImportError,
  type ImportOptions,
  type ImportResult,
  readImportInput,
  roundProbability,
  truncate,
} from './import-support.js';

const chaosLambdaKeys = ['fault_type', 'delay', 'is_enabled', 'error_code', 'exception_msg', 'rate'];
const chaosLambdaFaultTypes = ['latency', 'exception', 'status_code'];
const maxLatencyMs = 900_000;

/**
 * Converts a chaos_lambda (Python) configuration `{ fault_type, delay, is_enabled, error_code, exception_msg, rate }`
 * into a faultline experiment with one fault: `latency` (`delay` ms → `delayMs`), `exception` (`exception_msg` →
 * `message`) or `status` (`error_code` → `status`). Warnings explain where behaviour differs (a missing `rate`
 * crashed chaos_lambda; `rate: 0` still fired now and then there and never fires here; the handler never runs twice
 * here). Accepts the object or its JSON text (as stored in SSM).
 *
 * @throws {ImportError} when the input is not a chaos_lambda configuration at all.
 *
 * @example
 * ```ts
 * import { importChaosLambda } from '@faultline/cli';
 * import { validateExperiment } from '@faultline/core';
 *
 * const { experiment, warnings } = importChaosLambda({ fault_type: 'latency', delay: 400, is_enabled: true, rate: 0.5 });
 * validateExperiment(experiment).ok; // true
 * ```
 */
export function importChaosLambda(input: unknown, options: ImportOptions = {}): ImportResult {
  const config = readImportInput(input, 'chaos_lambda');
  if (!chaosLambdaKeys.some((key) => Object.hasOwn(config, key))) {
    throw new ImportError(
      `faultline: this is not a chaos_lambda configuration: expected some of ${chaosLambdaKeys.join(', ')}`,
    );
  }
  const warnings: string[] = [];
  for (const key of Object.keys(config)) {
    if (!chaosLambdaKeys.includes(key)) warnings.push(`${key}: not a chaos_lambda setting; ignored`);
  }
  // chaos_lambda tests `is_enabled` with Python's truthiness: any non-empty string (also "false") is true, 0, "",
  // null and empty lists are false, and a missing key raises (the function failed instead of injecting).
  const enabled = Object.hasOwn(config, 'is_enabled') && pythonTruthy(config.is_enabled);
  if (!Object.hasOwn(config, 'is_enabled')) {
    warnings.push(
      'is_enabled: missing, which made chaos_lambda raise a KeyError instead of injecting; the experiment is imported switched off (enabled: false)',
    );
  } else if (typeof config.is_enabled !== 'boolean') {
    warnings.push(
      `is_enabled: ${describeJson(config.is_enabled)} is not a boolean; Python reads it as ${enabled ? 'true' : 'false'}, so chaos_lambda ${enabled ? 'injected' : 'never injected'} and the experiment is imported ${enabled ? 'switched on' : 'switched off'}`,
    );
  }
  const probability = readProbability(config.rate, warnings);
  const faultType = typeof config.fault_type === 'string' ? config.fault_type : undefined;
  const faults: Record<string, unknown>[] = [];
  const base = (type: string) => ({
    id: type === 'status' ? 'status-code' : type,
    type,
    enabled: true,
    probability,
  });
  switch (faultType) {
    case 'latency': {
      const delay = pythonNumber(config.delay, 'delay', warnings);
      if (delay === undefined || delay < 0) {
        warnings.push(
          `delay: ${JSON.stringify(config.delay)} is not a non-negative number of milliseconds; latency not imported`,
        );
        break;
      }
      if (delay > maxLatencyMs)
        warnings.push(`delay: ${delay} ms is above faultline's ${maxLatencyMs} ms limit; capped`);
      faults.push({ ...base('latency'), delayMs: Math.min(delay, maxLatencyMs) });
      break;
    }
    case 'exception': {
      if (config.exception_msg !== undefined && typeof config.exception_msg !== 'string') {
        warnings.push(
          `exception_msg: ${describeJson(config.exception_msg)} is not text; chaos_lambda raised Exception with it, whose message Python writes as ${describeJson(pythonString(config.exception_msg))}, and so does the import`,
        );
      }
      const text =
        config.exception_msg === undefined || config.exception_msg === null
          ? undefined
          : typeof config.exception_msg === 'string'
            ? config.exception_msg
            : pythonString(config.exception_msg);
      const message =
        text !== undefined && text !== '' ? truncate(text, 1024, 'exception_msg', warnings) : undefined;
      if (message === undefined) warnings.push("exception_msg: missing; faultline's default message is used");
      warnings.push(
        'exception: the injected error is an InjectedFaultError (name InjectedFaultError) rather than a Python Exception; alarms matching on the error type need the new name',
      );
      faults.push(message === undefined ? base('exception') : { ...base('exception'), message });
      break;
    }
    case 'status_code': {
      const status = statusCode(config.error_code, warnings);
      if (status === undefined || !Number.isInteger(status) || status < 100 || status > 599) {
        warnings.push(
          `error_code: ${JSON.stringify(config.error_code)} is not an HTTP status (100–599); status_code not imported`,
        );
        break;
      }
      warnings.push(
        'status_code: the handler is skipped and never runs (chaos_lambda could run it twice); the response carries only the status — add body/headers to the status fault if clients rely on them',
      );
      faults.push({ ...base('status'), status });
      break;
    }
    default:
      warnings.push(
        `fault_type: ${faultType === undefined ? 'missing' : JSON.stringify(faultType)} is not one of ${chaosLambdaFaultTypes.join(', ')}; no fault imported`,
      );
  }
  return finishImport(
    'chaos_lambda',
    {
      id: options.id ?? 'chaos-lambda-import',
      description: `Imported from a chaos_lambda configuration (fault_type ${faultType ?? 'missing'}).`,
      enabled,
    },
    faults,
    warnings,
  );
}

/**
 * The chance that chaos_lambda's `round(random.random(), 5) <= rate` is true: about `rate`, 1 from 1 up, never below
 * 0. A rate that is not a Python number (a string, null) raised a TypeError in the function, and a missing one
 * crashed it too: those never injected.
 */
function readProbability(rate: unknown, warnings: string[]): number {
  if (rate === undefined) {
    warnings.push(
      'rate: missing, which made chaos_lambda crash instead of injecting; imported as probability 0 — set the rate you want',
    );
    return 0;
  }
  const value = pythonNumber(rate, 'rate', warnings);
  if (value === undefined) {
    warnings.push(
      'rate: chaos_lambda never injected with it; imported as probability 0 — set the rate you want',
    );
    return 0;
  }
  if (value === 0) {
    warnings.push(
      'rate: 0 never injects in faultline (chaos_lambda still injected about once in 200,000 invocations)',
    );
    return 0;
  }
  if (value < 0) {
    warnings.push(`rate: ${value} is below 0, so chaos_lambda never injected; imported as probability 0`);
    return 0;
  }
  if (value > 1) {
    warnings.push(
      `rate: ${value} is above 1, so chaos_lambda injected on every invocation; imported as probability 1 (if you meant ${value} %, set ${roundProbability(value / 100)})`,
    );
    return 1;
  }
  return roundProbability(value);
}

/** Python's `bool(value)` for JSON values: false for false, 0, "", null, [] and {}; true for everything else. */
function pythonTruthy(value: unknown): boolean {
  if (value === null || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value as object).length > 0;
  return true;
}

/** Python's `str(value)` for JSON values (`True`, `None`, `1.5`, `[1, 2]`), for an exception message. */
function pythonString(value: unknown): string {
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (value === null) return 'None';
  if (typeof value === 'string') return value;
  return JSON.stringify(value) ?? String(value);
}

/**
 * A number as chaos_lambda computes with it: Python numbers and booleans (`True` is 1); anything else (a string,
 * null) raised a TypeError in the function instead of injecting.
 */
function pythonNumber(value: unknown, path: string, warnings: string[]): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'boolean') {
    warnings.push(
      `${path}: ${value} is not a number; Python computes with it as ${value ? 1 : 0}, and so does the import`,
    );
    return value ? 1 : 0;
  }
  if (value !== undefined) {
    warnings.push(
      `${path}: ${describeJson(value)} is not a number, so chaos_lambda raised a TypeError instead of injecting`,
    );
  }
  return undefined;
}

/** The status chaos_lambda wrote into the response; a numeric string is read as its number, with a warning. */
function statusCode(value: unknown, warnings: string[]): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) {
    warnings.push(
      `error_code: ${describeJson(value)} is text; chaos_lambda put the text into statusCode (API Gateway answers 502 to that); imported as the status ${Number(value)}`,
    );
    return Number(value);
  }
  return undefined;
}
