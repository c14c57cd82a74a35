import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { FaultlineError } from '@faultline/core';
import type { ProbeRequest } from '../load.js';
import { createPointSignal, type PointSignal } from '../signals/point-signal.js';
import { artilleryPeriodMs, parsePeriodLine, startedLine, toMetricPoint } from './artillery-periods.js';
import { resolveArtilleryNode, resolveArtilleryPackage } from './artillery-runtime.js';
import {
  artilleryLivePluginName,
  artilleryLivePluginSource,
  createArtilleryScript,
} from './artillery-script.js';

/**
 * How long after a period ends its report arrives: each worker hands in a period 2.5–5 s after it ends, Artillery's
 * main thread emits it within 2 s once every worker did; the rest is margin for a loaded machine.
 */
export const artilleryReportDelayMs = 12_000;

/** Longest faultline waits for Artillery to exit after asking it to stop, before it kills it. */
const stopGraceMs = 5000;

/** Default of {@link ArtilleryLoadOptions.startTimeoutMs}: Artillery loads a large CLI before it sends anything. */
const defaultStartTimeoutMs = 90_000;

/** Options of {@link startArtilleryLoad}. */
export interface ArtilleryLoadOptions {
  /** Shown in the journal (the target's name). */
  readonly label: string;
  readonly probe: ProbeRequest;
  readonly ratePerSecond: number;
  /** Upper bound of the load's length; {@link ArtilleryLoad.stop} ends it earlier. */
  readonly durationSeconds: number;
  /** Where `FAULTLINE_NODE22_BIN` / `FAULTLINE_NODE24_BIN` are read; default `process.env`. */
  readonly environment?: Readonly<Record<string, string | undefined>>;
  /** Artillery's command; default: resolved from the installed `artillery` package. */
  readonly artilleryBinPath?: string;
  /** A line of Artillery's own output (progress, warnings), for the journal or a log. */
  readonly onOutput?: (line: string) => void;
  /** Longest wait for Artillery to start sending; default 90 000 ms. */
  readonly startTimeoutMs?: number;
  /** Aborting while Artillery starts kills it and rejects. */
  readonly signal?: AbortSignal;
}

/** Artillery running against one target. */
export interface ArtilleryLoad {
  /** Artillery's periods as they arrive (`kind: 'artillery'`), judged like a metric probe's. */
  readonly signal: PointSignal;
  /** The Node and Artillery versions used, e.g. `artillery 2.0.34 on Node 22.23.5`. */
  readonly description: string;
  /** When Artillery started sending (epoch ms). */
  readonly startedAtEpochMs: number;
  /** Artillery's process id. */
  readonly pid: number | undefined;
  /** Why Artillery ended before it was stopped (a crash, a bad script), or `undefined` while it runs as planned. */
  readonly failure: string | undefined;
  /** Stops Artillery (SIGTERM, then SIGKILL after a grace period), waits for its exit and removes its files. */
  stop(): Promise<void>;
}

/**
 * Starts Artillery as a child process on Node >= 22.18 against one target: writes the script from the probe and
 * the live-stats plugin into a temporary folder, runs `artillery run`, and adds every intermediate report to
 * {@link ArtilleryLoad.signal} as it arrives. Resolves once Artillery sends. Rejects when Node >= 22.18 or the
 * artillery package cannot be found (nothing started), or when Artillery ends or does not start sending within
 * `startTimeoutMs` (`LOAD_DRIVER_FAILED`; its process is killed and awaited first).
 *
 * @example
 * ```ts
 * const load = await startArtilleryLoad({ label: 'orders', probe, ratePerSecond: 500, durationSeconds: 300 });
 * // … judge load.signal.points() …
 * await load.stop();
 * ```
 */
export async function startArtilleryLoad(options: ArtilleryLoadOptions): Promise<ArtilleryLoad> {
  const environment = options.environment ?? process.env;
  const node = resolveArtilleryNode(environment);
  const artillery =
    options.artilleryBinPath === undefined
      ? resolveArtilleryPackage()
      : { binPath: options.artilleryBinPath, version: 'unknown' };
  const directory = await mkdtemp(join(tmpdir(), 'faultline-artillery-'));
  const pluginDirectory = join(directory, 'plugins', `artillery-plugin-${artilleryLivePluginName}`);
  await mkdir(pluginDirectory, { recursive: true });
  await writeFile(join(pluginDirectory, 'index.js'), artilleryLivePluginSource);
  // A package.json of its own: the plugin is CommonJS whatever the folders around it say.
  await writeFile(join(pluginDirectory, 'package.json'), '{"type":"commonjs","main":"index.js"}\n');
  const scriptPath = join(directory, 'script.json');
  await writeFile(
    scriptPath,
    `${JSON.stringify(createArtilleryScript({ probe: options.probe, ratePerSecond: options.ratePerSecond, durationSeconds: options.durationSeconds }), null, 2)}\n`,
  );

  const signal = createPointSignal({
    label: `artillery ${options.label}`,
    kind: 'artillery',
    description: `Artillery ${artillery.version}: ${options.probe.method} ${options.probe.url} at ${options.ratePerSecond} req/s`,
    periodMs: artilleryPeriodMs,
    delayMs: artilleryReportDelayMs,
    measures: { errors: true, p50: true, p95: true, p99: true },
  });
  const child: ChildProcess = spawn(node.path, [artillery.binPath, 'run', '--quiet', scriptPath], {
    cwd: directory,
    env: {
      ...withoutCloudWorkerId(environment),
      // Nothing phoned home: Artillery's telemetry is on unless this is set.
      ARTILLERY_DISABLE_TELEMETRY: 'true',
      ARTILLERY_PLUGIN_PATH: join(directory, 'plugins'),
      NO_COLOR: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stopping = false;
  let failure: string | undefined;
  let markStarted: (epochMs: number) => void = () => {};
  const started = new Promise<number>((resolve) => {
    markStarted = resolve;
  });
  const tail: string[] = [];
  const remember = (line: string) => {
    if (line.trim() === '') return;
    tail.push(line);
    if (tail.length > 10) tail.shift();
    options.onOutput?.(line);
  };
  createInterface({ input: child.stdout as NonNullable<ChildProcess['stdout']> }).on('line', (line) => {
    if (line === startedLine) {
      markStarted(Date.now());
      return;
    }
    const report = parsePeriodLine(line);
    if (report === undefined) remember(line);
    else signal.add([toMetricPoint(report, options.probe.expectStatus)]);
  });
  createInterface({ input: child.stderr as NonNullable<ChildProcess['stderr']> }).on('line', remember);
  const exited = new Promise<void>((resolve) => {
    child.once('error', (error) => {
      failure = `Artillery could not be started: ${error.message}`;
      resolve();
    });
    child.once('exit', (code, exitSignal) => {
      if (!stopping) {
        failure = `Artillery ended before the run did (${exitSignal ?? `exit code ${code}`})${tail.length === 0 ? '' : `: ${tail.slice(-3).join(' | ')}`}`;
      }
      resolve();
    });
  });

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      stopping = true;
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), stopGraceMs);
        await exited;
        clearTimeout(timer);
      } else {
        await exited;
      }
      await rm(directory, { recursive: true, force: true });
    })();
    return stopped;
  };
  let startTimer: NodeJS.Timeout | undefined;
  const startedAtEpochMs = await Promise.race([
    started,
    exited.then(() => undefined),
    new Promise<undefined>((resolve) => {
      startTimer = setTimeout(() => resolve(undefined), options.startTimeoutMs ?? defaultStartTimeoutMs);
      options.signal?.addEventListener('abort', () => resolve(undefined), { once: true });
    }),
  ]);
  clearTimeout(startTimer);
  if (startedAtEpochMs === undefined && options.signal?.aborted === true) {
    await stop();
    throw new FaultlineError('RUN_INTERRUPTED', `${options.label}: interrupted while Artillery was starting`);
  }
  if (startedAtEpochMs === undefined) {
    const reason =
      failure ??
      `Artillery did not start sending within ${Math.round((options.startTimeoutMs ?? defaultStartTimeoutMs) / 1000)} s${tail.length === 0 ? '' : ` (${tail.slice(-3).join(' | ')})`}`;
    await stop();
    throw new FaultlineError('LOAD_DRIVER_FAILED', `${options.label}: ${reason}`);
  }
  return {
    signal,
    description: `artillery ${artillery.version} on Node ${node.version}`,
    startedAtEpochMs,
    pid: child.pid,
    get failure() {
      return failure;
    },
    stop,
  };
}

/**
 * The environment without `WORKER_ID`: Artillery takes it for "I am a cloud worker" and then calls Artillery Cloud,
 * and a CI system may set it for its own purposes.
 */
function withoutCloudWorkerId(
  environment: Readonly<Record<string, string | undefined>>,
): Record<string, string | undefined> {
  const { WORKER_ID: _workerId, ...rest } = environment;
  return rest;
}
