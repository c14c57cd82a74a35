import {
  ImportError,
  type ImportOptions,
  type ImportResult,
  keepValidFaults,
  readBoolean,
  readImportInput,
  readNumber,
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
  const enabled = readBoolean(config.is_enabled);
  if (enabled === undefined) {
    warnings.push(
      'is_enabled: missing or not a boolean; the experiment is imported switched off (enabled: false)',
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
      const delay = readNumber(config.delay);
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
      const message =
        typeof config.exception_msg === 'string' && config.exception_msg !== ''
          ? truncate(config.exception_msg, 1024, 'exception_msg', warnings)
          : undefined;
      if (message === undefined) warnings.push("exception_msg: missing; faultline's default message is used");
      warnings.push(
        'exception: the injected error is an InjectedFaultError (name InjectedFaultError) rather than a Python Exception; alarms matching on the error type need the new name',
      );
      faults.push(message === undefined ? base('exception') : { ...base('exception'), message });
      break;
    }
    case 'status_code': {
      const status = readNumber(config.error_code);
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
  return {
    experiment: {
      schemaVersion: 1,
      id: options.id ?? 'chaos-lambda-import',
      description: `Imported from a chaos_lambda configuration (fault_type ${faultType ?? 'missing'}).`,
      enabled: enabled ?? false,
      faults: keepValidFaults(faults, warnings),
    },
    warnings,
  };
}

function readProbability(rate: unknown, warnings: string[]): number {
  const value = readNumber(rate);
  if (value === undefined) {
    // chaos_lambda crashes the function on a missing rate; the safe reading is "never inject" until a rate is set.
    warnings.push(
      'rate: missing or not a number (chaos_lambda would crash); imported as probability 0 — set the rate you want',
    );
    return 0;
  }
  if (value === 0) {
    warnings.push(
      'rate: 0 never injects in faultline (chaos_lambda still injected about once in 200,000 invocations)',
    );
    return 0;
  }
  if (value < 0 || value > 1) {
    const probability = roundProbability(value > 1 && value <= 100 ? value / 100 : value);
    warnings.push(`rate: ${value} is outside 0–1; imported as probability ${probability}`);
    return probability;
  }
  return roundProbability(value);
}
