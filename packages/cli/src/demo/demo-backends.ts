/**
 * The local backends of the cross-cloud demo, and the one line per cloud that says where its experiment lives and
 * whether that is the real backend or a fallback. Dev-only (imports the testkit).
 */
import {
  describeMotoOrigin,
  type FirestoreEmulator,
  type MotoServer,
  startFirestoreEmulator,
  startMoto,
} from '@faultline/testkit';

/** The backends the demo could start, and why the others could not. */
export interface DemoBackends {
  readonly moto?: MotoServer;
  readonly firestore?: FirestoreEmulator;
  /** Why moto could not be used (AWS then falls back to the file store). */
  readonly motoProblem?: string;
  /** Why the Firestore emulator could not be used (GCP then falls back to the file store). */
  readonly firestoreProblem?: string;
  /** Stops what was started here (reused backends are left running). */
  stop(): Promise<void>;
}

/**
 * Starts moto and Google's Firestore emulator in parallel, or reuses `MOTO_ENDPOINT` / `FIRESTORE_EMULATOR_HOST`.
 * moto's Python is found independently of `PATH` order (`MOTO_PYTHON`, then each `python3` on `PATH`), so a
 * package manager that puts a moto-less `python3` first does not silently cost the demo its real AWS backend.
 *
 * @example
 * ```ts
 * const backends = await startDemoBackends(process.env);
 * console.log(backends.moto?.endpoint ?? backends.motoProblem);
 * await backends.stop();
 * ```
 */
export async function startDemoBackends(
  environment: Readonly<Record<string, string | undefined>>,
): Promise<DemoBackends> {
  const [moto, firestore] = await Promise.all([
    startMoto({ environment }).then(
      (server) => ({ server }),
      (error: Error) => ({ problem: firstLine(error.message) }),
    ),
    startFirestoreEmulator({ environment }).then(
      (server) => ({ server }),
      (error: Error) => ({ problem: firstLine(error.message) }),
    ),
  ]);
  const started = [
    'server' in moto ? moto.server : undefined,
    'server' in firestore ? firestore.server : undefined,
  ];
  return {
    ...('server' in moto ? { moto: moto.server } : { motoProblem: moto.problem }),
    ...('server' in firestore ? { firestore: firestore.server } : { firestoreProblem: firestore.problem }),
    stop: async () => {
      await Promise.allSettled(started.map((server) => server?.stop()));
    },
  };
}

/** What a demo app reports about the config source it ended up with. */
export interface DemoStore {
  /** The source's name, e.g. `ssm:/faultline/demo` or `file:/tmp/…/experiment.json`. */
  readonly configSource: string;
}

/**
 * One summary line for a cloud: where its experiment lives, and whether that is the real backend or the file
 * fallback (and why).
 *
 * @example
 * ```ts
 * describeCloudBackend('aws', { configSource: 'ssm:/faultline/demo' }, backends);
 * // 'AWS    real backend  ssm:/faultline/demo on moto at http://127.0.0.1:5123; moto via /usr/bin/python3 (…)'
 * ```
 */
export function describeCloudBackend(
  cloud: 'aws' | 'gcp' | 'azure',
  store: DemoStore | undefined,
  backends: DemoBackends,
): string {
  const label = { aws: 'AWS', gcp: 'GCP', azure: 'Azure' }[cloud].padEnd(6);
  if (store === undefined) return `${label} not started`;
  const where = store.configSource;
  if (where.startsWith('file:')) {
    const reason =
      cloud === 'aws'
        ? (backends.motoProblem ?? 'moto was not used')
        : cloud === 'gcp'
          ? (backends.firestoreProblem ?? 'the Firestore emulator was not used')
          : 'the local App Configuration server was not used';
    return `${label} FALLBACK      ${where} (${reason})`;
  }
  const backend =
    cloud === 'aws' && backends.moto !== undefined
      ? `on moto at ${backends.moto.endpoint}; ${describeMotoOrigin(backends.moto.origin)}`
      : cloud === 'gcp' && backends.firestore !== undefined
        ? `on the Firestore emulator at ${backends.firestore.host}`
        : cloud === 'azure'
          ? 'on the local App Configuration server (HTTPS, the real SDK client)'
          : '';
  return `${label} real backend  ${where}${backend === '' ? '' : ` ${backend}`}`;
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}
