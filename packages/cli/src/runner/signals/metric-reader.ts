import { FaultlineError, type MetricProbe } from '@faultline/core';
import { isMissingPackage } from '../../stores/peer-sdk.js';
import type { MetricPoint } from './metric-points.js';

/**
 * A metric probe or alarm that could not be read: the SDK is missing, the service refused (permissions,
 * throttling after the SDK's retries), or it answered something unusable. The message names the probe and the
 * service's reason, never a credential. Code `METRIC_PROBE_UNREADABLE`.
 *
 * @example
 * ```ts
 * try {
 *   await reader.read(from, to);
 * } catch (error) {
 *   if (error instanceof MetricProbeError) console.error(error.probe, error.message);
 * }
 * ```
 */
export class MetricProbeError extends FaultlineError {
  override readonly name = 'MetricProbeError';
  constructor(
    message: string,
    /** The probe, e.g. `cloudwatch` or the probe's `name`. */
    readonly probe: string,
    options?: { readonly cause?: unknown },
  ) {
    super('METRIC_PROBE_UNREADABLE', message, options);
  }
}

/** The queries of one metric probe, by what they measure. */
export type MetricRole = 'requests' | 'errors' | 'p50' | 'p95' | 'p99';

/** What one read of a metric probe returned. */
export interface MetricReadResult {
  /** One point per period that has a `requests` value, oldest first. */
  readonly points: readonly MetricPoint[];
  /**
   * Roles whose query returned no data point at all in the range and whose `missingData` is `unreadable`: the
   * probe cannot judge them (a wrong metric name or dimension reads exactly like this).
   */
  readonly emptyRoles: readonly MetricRole[];
}

/** Reads one metric probe from its monitoring service. */
export interface MetricReader {
  /** The periods starting in `[fromEpochMs, toEpochMs)`. Rejects with {@link MetricProbeError} when unreadable. */
  read(fromEpochMs: number, toEpochMs: number): Promise<MetricReadResult>;
  close(): Promise<void>;
}

/** One role's values by period start (epoch ms), as a reader collected them. */
export interface RoleSeries {
  readonly role: MetricRole;
  readonly values: ReadonlyMap<number, number>;
  readonly missingData: 'unreadable' | 'zero';
  /** Multiplier to milliseconds for latency roles (1000 for a metric in seconds). */
  readonly scale?: number;
}

/**
 * Joins each role's values into period points: one point per period with a `requests` value; a period without an
 * errors value counts no errors (the services publish nothing for a period without errors when the metric is
 * sparse); latency values are converted to milliseconds. With `range`, only periods starting in
 * [startMs, endMs) are kept: the services align their answers and may return periods outside the asked range.
 */
export function assemblePoints(
  periodMs: number,
  series: readonly RoleSeries[],
  range?: { readonly startMs: number; readonly endMs: number },
): MetricReadResult {
  const byRole = new Map(series.map((entry) => [entry.role, entry]));
  const requests = byRole.get('requests');
  const emptyRoles = series
    .filter((entry) => entry.values.size === 0 && entry.missingData === 'unreadable')
    .map((entry) => entry.role);
  const points: MetricPoint[] = [];
  for (const [timestampMs, count] of [...(requests?.values ?? new Map<number, number>())].sort(
    ([a], [b]) => a - b,
  )) {
    if (range !== undefined && (timestampMs < range.startMs || timestampMs >= range.endMs)) continue;
    const point: { -readonly [K in keyof MetricPoint]: MetricPoint[K] } = {
      timestampMs,
      periodMs,
      requests: count,
    };
    const errors = byRole.get('errors');
    if (errors !== undefined) point.errors = errors.values.get(timestampMs) ?? 0;
    for (const role of ['p50', 'p95', 'p99'] as const) {
      const entry = byRole.get(role);
      const value = entry?.values.get(timestampMs);
      if (entry !== undefined && value !== undefined) point[role] = value * (entry.scale ?? 1);
    }
    points.push(point);
  }
  return { points, emptyRoles };
}

/** The roles a probe queries, each with its query. */
export function rolesOf<Query>(probe: {
  readonly requests: Query;
  readonly errors?: Query;
  readonly latencyMs?: { readonly p50?: Query; readonly p95?: Query; readonly p99?: Query };
}): { readonly role: MetricRole; readonly query: Query }[] {
  const roles: { role: MetricRole; query: Query }[] = [{ role: 'requests', query: probe.requests }];
  if (probe.errors !== undefined) roles.push({ role: 'errors', query: probe.errors });
  for (const role of ['p50', 'p95', 'p99'] as const) {
    const query = probe.latencyMs?.[role];
    if (query !== undefined) roles.push({ role, query });
  }
  return roles;
}

/** The label of a metric probe in the journal: its `name`, or its kind. */
export function metricProbeLabel(probe: MetricProbe): string {
  return probe.name ?? probe.kind;
}

/**
 * Imports a metric probe's SDK, an optional peer dependency of `@faultline/cli`; when it is missing the error names
 * the probe and the command that installs it.
 */
export async function importMetricSdk<Module>(
  probe: string,
  packageName: string,
  importModule: () => Promise<Module>,
  requirement?: string,
): Promise<Module> {
  try {
    return await importModule();
  } catch (error) {
    if (!isMissingPackage(error, packageName)) throw error;
    throw new MetricProbeError(
      `${probe}: this metric probe needs ${packageName}, an optional peer dependency of @faultline/cli that is not installed. ` +
        `Install it next to the CLI to use this probe: npm install ${packageName}${requirement === undefined ? '' : ` (${requirement})`}`,
      probe,
      { cause: error },
    );
  }
}

/** The first line of an error's message, without anything that looks like a credential. */
export function describeServiceError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const name = error.name !== 'Error' ? error.name : typeof code === 'string' ? code : 'Error';
  const first = (error.message.split('\n')[0] ?? '').slice(0, 400);
  // Bearer tokens and signatures never belong in a journal, whatever a service echoes back.
  const cleaned = first
    .replace(/(bearer\s+)[A-Za-z0-9._~+/=-]+/gi, '$1***')
    .replace(/(signature=|sig=|access_token=|code=)[^&\s"']+/gi, '$1***');
  return `${name}: ${cleaned}`;
}

/** The periods one read asks the service for: `[startMs, endMs)`, aligned to the probe's period since the epoch. */
export interface PeriodWindow {
  readonly startMs: number;
  readonly endMs: number;
}

/** What {@link createAlignedMetricReader} needs from one monitoring service. */
export interface MetricServiceBinding<Client> {
  /** The probe's period. */
  readonly periodMs: number;
  /** Opens the service's client; called on the first read only (its result, also a rejection, is kept). */
  readonly connect: () => Promise<Client>;
  /** Every role's values in the window. Rejects with {@link MetricProbeError} (see {@link serviceFailure}). */
  readonly readSeries: (client: Client, window: PeriodWindow) => Promise<RoleSeries[]>;
  /** Releases what `connect` opened; never called when no read happened. Its errors are ignored. */
  readonly close?: (client: Client) => Promise<void> | void;
}

/**
 * A {@link MetricReader} over one monitoring service: connects lazily on the first read, aligns every read to
 * whole periods since the epoch (so every read of the same period returns the same bucket, and a range shorter
 * than a period still asks for one), and joins the roles' values into points with {@link assemblePoints}.
 *
 * @example
 * ```ts
 * return createAlignedMetricReader({
 *   periodMs: probe.periodSeconds * 1000,
 *   connect: async () => new Client(),
 *   readSeries: async (client, { startMs, endMs }) => [{ role: 'requests', values, missingData: 'zero' }],
 * });
 * ```
 */
export function createAlignedMetricReader<Client>(binding: MetricServiceBinding<Client>): MetricReader {
  const { periodMs } = binding;
  let clientPromise: Promise<Client> | undefined;
  return {
    async read(fromEpochMs, toEpochMs) {
      clientPromise ??= binding.connect();
      const client = await clientPromise;
      const startMs = Math.floor(fromEpochMs / periodMs) * periodMs;
      const endMs = Math.max(startMs + periodMs, Math.ceil(toEpochMs / periodMs) * periodMs);
      const window = { startMs, endMs };
      return assemblePoints(periodMs, await binding.readSeries(client, window), window);
    },
    async close() {
      if (clientPromise === undefined || binding.close === undefined) return;
      const client = await clientPromise.then(
        (opened) => ({ opened }),
        () => undefined,
      );
      if (client !== undefined) await Promise.resolve(binding.close(client.opened)).catch(() => {});
    },
  };
}

/**
 * The error a failed service call becomes: a {@link MetricProbeError} naming the probe and the call, with the
 * service's reason (credentials removed); one that already is a {@link MetricProbeError} is kept as it is.
 */
export function serviceFailure(label: string, call: string, error: unknown): MetricProbeError {
  if (error instanceof MetricProbeError) return error;
  return new MetricProbeError(`${label}: ${call} failed: ${describeServiceError(error)}`, label, {
    cause: error,
  });
}

/**
 * Adds one reading of a role to its values: several time series of one period (a filter split by a dimension)
 * are added up for counts, and their highest value is kept for latency.
 */
export function addReading(
  values: Map<number, number>,
  role: MetricRole,
  periodStartMs: number,
  reading: number,
): void {
  const known = values.get(periodStartMs);
  values.set(
    periodStartMs,
    known === undefined
      ? reading
      : role === 'requests' || role === 'errors'
        ? known + reading
        : Math.max(known, reading),
  );
}

/** One role's series; `inSeconds` scales a latency role's values to milliseconds. */
export function roleSeries(
  role: MetricRole,
  query: { readonly missingData: RoleSeries['missingData'] },
  values: ReadonlyMap<number, number>,
  inSeconds: boolean,
): RoleSeries {
  return {
    role,
    values,
    missingData: query.missingData,
    ...(role !== 'requests' && role !== 'errors' && inSeconds ? { scale: 1000 } : {}),
  };
}

/**
 * Reads the bearer token of a probe's `tokenEnv` on every call, so a pipeline that refreshes the variable is
 * followed. An unset or empty variable is a {@link MetricProbeError} that says how to get a token (`howToGetOne`).
 */
export function readEnvironmentToken(
  label: string,
  variable: string,
  environment: Readonly<Record<string, string | undefined>>,
  howToGetOne: string,
): string {
  const token = environment[variable];
  if (token === undefined || token === '') {
    throw new MetricProbeError(
      `${label}: the environment variable ${variable} (tokenEnv) is not set; ${howToGetOne}`,
      label,
    );
  }
  return token;
}
