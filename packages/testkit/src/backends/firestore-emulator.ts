import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Socket } from 'node:net';
import { FaultlineError } from '@faultline/core';
import { findFreePort } from './free-port.js';

/** The Debian package that ships Google's Firestore emulator on this machine kind. */
export const firestoreEmulatorPackage = 'google-cloud-cli-firestore-emulator';

/** A Firestore emulator on loopback, either started by this process or reused from `FIRESTORE_EMULATOR_HOST`. */
export interface FirestoreEmulator {
  /** `127.0.0.1:PORT`, the value `FIRESTORE_EMULATOR_HOST` takes. */
  readonly host: string;
  /** Project id to use with it (the emulator accepts any; every client must pass one explicitly). */
  readonly projectId: string;
  /** True when this process started the emulator (false when `FIRESTORE_EMULATOR_HOST` was reused). */
  readonly owned: boolean;
  /** Stops the emulator this process started (kills its whole process group); a no-op for a reused one. */
  stop(): Promise<void>;
}

/**
 * An emulator this process owns and may take down and bring back on the same port, for "the store went away"
 * drills. The emulator keeps data in memory only: documents are gone after {@link restart}.
 */
export interface RestartableFirestoreEmulator extends FirestoreEmulator {
  readonly owned: true;
  /** True while the emulator process is up. */
  readonly running: boolean;
  /** Starts the emulator again on the same host and port (stopping it first when it still runs). */
  restart(): Promise<void>;
}

/** Options for {@link startFirestoreEmulator}. */
export interface StartFirestoreEmulatorOptions {
  /** Environment to read `FIRESTORE_EMULATOR_HOST` / `FIRESTORE_EMULATOR_LAUNCHER` from. Default `process.env`. */
  readonly environment?: Readonly<Record<string, string | undefined>>;
  /** Project id reported in the handle. Default `GCLOUD_PROJECT`, else `faultline-local`. */
  readonly projectId?: string;
  /** How long to wait for the emulator to accept connections. Default 30 000 ms (it is ready in ~2.5 s). */
  readonly readyTimeoutMs?: number;
}

/** The emulator cannot run here: the launcher is missing, Java failed, or it never became ready. */
export class FirestoreEmulatorUnavailableError extends FaultlineError {
  override readonly name = 'FirestoreEmulatorUnavailableError';

  constructor(message: string, options?: { readonly cause?: unknown }) {
    super('BACKEND_UNAVAILABLE', message, options);
  }
}

/**
 * Starts Google's Firestore emulator on a free loopback port, or reuses the one `.ci/run` started
 * (`FIRESTORE_EMULATOR_HOST`). Tests that share it isolate themselves by unique document paths and delete only their
 * own documents; nothing resets it globally.
 *
 * @example
 * ```ts
 * import { Firestore } from '@google-cloud/firestore';
 * import { firestoreClientSettings, startFirestoreEmulator } from '@faultline/testkit';
 *
 * const emulator = await startFirestoreEmulator();
 * const firestore = new Firestore(firestoreClientSettings(emulator));
 * await firestore.doc(`tests/${crypto.randomUUID()}`).set({ experiment: '{}' });
 * await emulator.stop();
 * ```
 */
export async function startFirestoreEmulator(
  options: StartFirestoreEmulatorOptions = {},
): Promise<FirestoreEmulator> {
  const environment = options.environment ?? process.env;
  const projectId = options.projectId ?? environment.GCLOUD_PROJECT ?? 'faultline-local';
  const reused = environment.FIRESTORE_EMULATOR_HOST;
  if (reused !== undefined && reused !== '') {
    return { host: reused, projectId, owned: false, stop: async () => {} };
  }
  return startOwnedFirestoreEmulator(options);
}

/**
 * Always starts a private emulator (never reuses `FIRESTORE_EMULATOR_HOST`), so a test may stop it and bring it back
 * on the same port to prove that functions keep serving while the store is unreachable.
 *
 * @example
 * ```ts
 * import { startOwnedFirestoreEmulator } from '@faultline/testkit';
 *
 * const emulator = await startOwnedFirestoreEmulator();
 * await emulator.stop(); // the store is gone: clients see UNAVAILABLE
 * await emulator.restart(); // back on the same host, empty
 * await emulator.stop();
 * ```
 */
export async function startOwnedFirestoreEmulator(
  options: StartFirestoreEmulatorOptions = {},
): Promise<RestartableFirestoreEmulator> {
  const environment = options.environment ?? process.env;
  const projectId = options.projectId ?? environment.GCLOUD_PROJECT ?? 'faultline-local';
  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
  const launcher = await findFirestoreEmulatorLauncher(environment);
  const port = await findFreePort();
  const host = `127.0.0.1:${port}`;
  let child: ChildProcess | undefined = await launch(launcher, port, readyTimeoutMs);

  const stop = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (running) await stopProcessGroup(running);
  };
  return {
    host,
    projectId,
    owned: true,
    get running() {
      return child !== undefined;
    },
    stop,
    restart: async () => {
      await stop();
      await waitUntilPortFree(port, readyTimeoutMs);
      child = await launch(launcher, port, readyTimeoutMs);
    },
  };
}

/**
 * True when an emulator can be used here (`FIRESTORE_EMULATOR_HOST` set, or the launcher is installed).
 *
 * @example
 * ```ts
 * if (!(await isFirestoreEmulatorAvailable())) console.warn('Firestore tests need google-cloud-cli-firestore-emulator');
 * ```
 */
export async function isFirestoreEmulatorAvailable(
  environment: Readonly<Record<string, string | undefined>> = process.env,
): Promise<boolean> {
  if (environment.FIRESTORE_EMULATOR_HOST) return true;
  try {
    await findFirestoreEmulatorLauncher(environment);
    return true;
  } catch {
    return false;
  }
}

/**
 * Settings for `new Firestore(...)` that talk to the emulator without credentials (`ssl: false` makes the client
 * send the emulator's owner token). Note that a set `FIRESTORE_EMULATOR_HOST` overrides `host` inside the SDK; see
 * {@link createEmulatorFirestore} for an emulator other than that one.
 *
 * @example
 * ```ts
 * const firestore = new Firestore(firestoreClientSettings(await startFirestoreEmulator()));
 * ```
 */
export function firestoreClientSettings(emulator: Pick<FirestoreEmulator, 'host' | 'projectId'>): {
  projectId: string;
  host: string;
  ssl: false;
} {
  return { projectId: emulator.projectId, host: emulator.host, ssl: false };
}

/**
 * A real `Firestore` client bound to `emulator`, even when `FIRESTORE_EMULATOR_HOST` names another one: the SDK
 * lets that variable override the `host` setting at construction, so it is hidden for that moment. Use it for an
 * emulator this test owns (e.g. one it stops and restarts).
 *
 * @example
 * ```ts
 * const emulator = await startOwnedFirestoreEmulator();
 * const firestore = await createEmulatorFirestore(emulator);
 * ```
 */
export async function createEmulatorFirestore(
  emulator: Pick<FirestoreEmulator, 'host' | 'projectId'>,
): Promise<import('@google-cloud/firestore').Firestore> {
  // Loaded on demand: most testkit users never touch Firestore.
  const { Firestore } = await import('@google-cloud/firestore');
  const shared = process.env.FIRESTORE_EMULATOR_HOST;
  delete process.env.FIRESTORE_EMULATOR_HOST;
  try {
    return new Firestore(firestoreClientSettings(emulator));
  } finally {
    if (shared !== undefined) process.env.FIRESTORE_EMULATOR_HOST = shared;
  }
}

/**
 * Finds the emulator's launcher script: `FIRESTORE_EMULATOR_LAUNCHER`, else the file the Debian package installed.
 * Throws a {@link FirestoreEmulatorUnavailableError} naming the package when neither exists.
 *
 * @example
 * ```ts
 * const launcher = await findFirestoreEmulatorLauncher();
 * ```
 */
export async function findFirestoreEmulatorLauncher(
  environment: Readonly<Record<string, string | undefined>> = process.env,
): Promise<string> {
  const configured = environment.FIRESTORE_EMULATOR_LAUNCHER;
  if (configured) {
    if (existsSync(configured)) return configured;
    throw new FirestoreEmulatorUnavailableError(
      `FIRESTORE_EMULATOR_LAUNCHER points to ${configured}, which does not exist. ` +
        `Install the Debian package ${firestoreEmulatorPackage} or fix the variable.`,
    );
  }
  const listed = await new Promise<string>((resolve) => {
    execFile('dpkg', ['-L', firestoreEmulatorPackage], { timeout: 10_000 }, (error, stdout) =>
      resolve(error ? '' : stdout),
    );
  });
  const launcher = listed.split('\n').find((line) => line.endsWith('/cloud_firestore_emulator'));
  if (launcher && existsSync(launcher)) return launcher;
  throw new FirestoreEmulatorUnavailableError(
    `Google's Firestore emulator is not installed. Install the Debian package ${firestoreEmulatorPackage} ` +
      '(it needs Java 17+), or set FIRESTORE_EMULATOR_HOST to a running emulator, or FIRESTORE_EMULATOR_LAUNCHER ' +
      'to its cloud_firestore_emulator script.',
  );
}

async function launch(launcher: string, port: number, readyTimeoutMs: number): Promise<ChildProcess> {
  // The launcher is a bash script that runs java as its child (no exec): a process group lets stop() take both.
  const child = spawn(launcher, ['start', '--host=127.0.0.1', `--port=${port}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    env: { ...process.env, METADATA_SERVER_DETECTION: 'none' },
  });
  let output = '';
  const keepTail = (chunk: string): void => {
    // Only the last lines help when it fails to start.
    output = (output + chunk).slice(-4000);
  };
  child.stdout?.setEncoding('utf8').on('data', keepTail);
  child.stderr?.setEncoding('utf8').on('data', keepTail);
  try {
    await waitUntilListening(port, child, readyTimeoutMs);
  } catch (error) {
    await stopProcessGroup(child);
    throw new FirestoreEmulatorUnavailableError(
      `Firestore emulator (${launcher}) did not become ready on 127.0.0.1:${port}: ${(error as Error).message}\n${output}`,
      { cause: error },
    );
  }
  // The test runner must not wait for the emulator when a suite forgets to stop it.
  child.unref();
  (child.stdout as Socket | null)?.unref();
  (child.stderr as Socket | null)?.unref();
  return child;
}

async function waitUntilListening(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new FaultlineError(
        'BACKEND_UNAVAILABLE',
        `the launcher exited (code ${child.exitCode ?? child.signalCode})`,
      );
    }
    // The port accepts connections only once the emulator serves requests ("Dev App Server is now running").
    if (await answersHttp(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new FaultlineError('BACKEND_UNAVAILABLE', `no answer within ${timeoutMs} ms`);
}

async function waitUntilPortFree(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await answersHttp(port)) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function answersHttp(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1000) });
    await response.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

function stopProcessGroup(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve();
  const pid = child.pid;
  return new Promise((resolve) => {
    const killTimer = setTimeout(() => signalGroup(pid, 'SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(killTimer);
      // java may outlive the bash launcher for a moment; make sure the port is free before restart() reuses it.
      signalGroup(pid, 'SIGKILL');
      resolve();
    });
    signalGroup(pid, 'SIGTERM');
  });
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}
