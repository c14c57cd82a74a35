/**
 * The one-command cross-cloud demo (`pnpm demo` at the repository root). Dev-only: it imports the demo apps and
 * the testkit, which the published CLI never does.
 *
 * 1. starts the local backends: moto (SSM + DynamoDB), Google's Firestore emulator, the local HTTPS App
 *    Configuration server — a cloud whose backend is missing falls back to the file store;
 * 2. starts the three demo apps (AWS Lambda, Cloud Functions, Azure Functions) on loopback;
 * 3. runs `experiments/pricing-latency.yaml` against all three with `faultline run` (the demo's URLs and stores
 *    are passed through the run section's `${VAR}` placeholders);
 * 4. prints the per-cloud verdict table, writes `reports/demo-<time>/report.html` + `journal.json`;
 * 5. stops everything it started — also on Ctrl-C, after the run rolled back.
 *
 * With `--metrics`, it runs `experiments/pricing-latency-metrics.yaml` instead: no synthetic probe; steady users
 * reach each app through a front door that publishes its request metrics to moto's CloudWatch and the local Cloud
 * Monitoring and Azure Monitor servers, and the run is judged from those metrics alone.
 *
 * Usage: pnpm demo [-- --experiment experiments/order-failures.yaml] [--all] [--metrics]
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunSection, RunTarget } from '@faultline/core';
import { FaultlineError } from '@faultline/core';
import {
  applyLoopbackEnvironment,
  describeMotoOrigin,
  type FirestoreEmulator,
  type MotoServer,
} from '@faultline/testkit';
import { parseArguments } from '../arguments.js';
import { printVerdictTable, writeRunArtifacts } from '../commands/run.js';
import { loadExperimentFile, resolveRunSection, toRuntimeDocument } from '../experiment-file.js';
import { createOutput } from '../output.js';
import { createProgressDisplay } from '../progress-display.js';
import type { RunJournal } from '../runner/journal.js';
import { runExperiment } from '../runner/run-experiment.js';
import { describeCloudBackend, startDemoBackends } from './demo-backends.js';
import { startDemoMetrics } from './demo-metrics.js';

const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

/** What every demo app's `startDemo` returns (the shared contract), plus the optional store details. */
interface RunningDemo {
  readonly url: string;
  readonly configSource: string;
  readonly awsEndpoint?: string;
  readonly appConfiguration?: {
    readonly connectionString: string;
    readonly caFile: string;
    readonly key: string;
    readonly label: string;
  };
  stop(): Promise<void>;
}

type StartDemo = (options: {
  store?: 'native' | 'file';
  ttlMs?: number;
  emulatorHost?: string;
  projectId?: string;
  logLevel?: string;
  onEvent?: (event: unknown) => void;
}) => Promise<RunningDemo>;

const clouds = [
  { name: 'aws', label: 'AWS Lambda', module: '../../../../apps/aws-lambda-demo/src/demo.ts' },
  { name: 'gcp', label: 'Google Cloud Functions', module: '../../../../apps/gcp-functions-demo/src/demo.ts' },
  { name: 'azure', label: 'Azure Functions', module: '../../../../apps/azure-functions-demo/src/demo.ts' },
] as const;

/** Options of {@link runDemo}. */
export interface RunDemoOptions {
  /** Experiment files to run, in order. Default: `experiments/pricing-latency.yaml`. */
  readonly experiments?: readonly string[];
  /** Aborting rolls back and stops everything. */
  readonly signal?: AbortSignal;
  /** Where reports go. Default `reports/demo-<time>`. */
  readonly reportDirectory?: string;
  /**
   * Meter each app's traffic into the monitoring backends (the metrics variant). Default: `experiments` defaults to
   * `experiments/pricing-latency-metrics.yaml`.
   */
  readonly metrics?: boolean;
}

/** Seconds of users' traffic before the first metrics run: a steady-state sample needs complete past periods. */
const meteredWarmUpSeconds = 8;
/** The oldest Node the Cloud Monitoring client runs on. */
const cloudMonitoringNodeMajor = 22;

/**
 * Runs the demo and returns the journals (one per experiment).
 *
 * @example
 * ```ts
 * const [journal] = await runDemo({ experiments: ['experiments/pricing-latency.yaml'] });
 * ```
 */
export async function runDemo(options: RunDemoOptions = {}): Promise<RunJournal[]> {
  const startedAt = performance.now();
  const output = createOutput({});
  const { style } = output;
  const say = (text: string) =>
    output.progress(
      `${style.dim(`[${((performance.now() - startedAt) / 1000).toFixed(1).padStart(5)} s]`)} ${text}`,
    );
  applyLoopbackEnvironment();
  // Node 20 is supported by the pinned SDK; its notice about future releases is noise in a demo.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // The demos log every faultline event by default; the demo shows the verdicts instead.
  process.env.FAULTLINE_LOG_LEVEL ??= 'warn';
  const stops: (() => Promise<void>)[] = [];
  const journals: RunJournal[] = [];
  const signal = options.signal ?? new AbortController().signal;

  try {
    // 1. Backends, in parallel. The demos reuse them through MOTO_ENDPOINT / FIRESTORE_EMULATOR_HOST.
    say('starting local backends (moto, Firestore emulator)…');
    const backends = await startDemoBackends(process.env);
    stops.push(() => backends.stop());
    const { moto, firestore } = backends;
    if (moto !== undefined) {
      process.env.MOTO_ENDPOINT = moto.endpoint;
      say(describeMotoOrigin(moto.origin));
    } else say(style.yellow(`moto unavailable (${backends.motoProblem}): AWS falls back to the file store`));
    if (firestore !== undefined) process.env.FIRESTORE_EMULATOR_HOST = firestore.host;
    else
      say(
        style.yellow(
          `Firestore emulator unavailable (${backends.firestoreProblem}): GCP falls back to the file store`,
        ),
      );
    if (signal.aborted) return journals;

    // 2. The three demo apps.
    say('starting the demo apps…');
    const demos = new Map<string, RunningDemo>();
    await Promise.all(
      clouds.map(async (cloud) => {
        try {
          const module = (await import(cloud.module)) as { startDemo: StartDemo };
          const demo = await module.startDemo({
            store: 'native',
            ttlMs: 1000,
            logLevel: 'error',
            ...(firestore === undefined
              ? {}
              : { emulatorHost: firestore.host, projectId: firestore.projectId }),
            onEvent: () => {},
          });
          stops.push(() => demo.stop());
          demos.set(cloud.name, demo);
          say(`${cloud.label.padEnd(24)} ${demo.url}  config ${demo.configSource}`);
        } catch (error) {
          say(
            style.yellow(
              `${cloud.label}: could not start (${(error as Error).message.split('\n')[0]}); skipped`,
            ),
          );
        }
      }),
    );
    if (demos.size === 0) throw new FaultlineError('DEMO_FAILED', 'no demo app could start');
    // One line per cloud: where its experiment lives, and whether that is the real backend or a fallback.
    output.line();
    output.line(style.bold('Where each cloud keeps its experiment'));
    for (const cloud of clouds) {
      const line = describeCloudBackend(cloud.name, demos.get(cloud.name), backends);
      output.line(`  ${line.includes('FALLBACK') ? style.yellow(line) : line}`);
    }
    if (signal.aborted) return journals;

    const variables = demoVariables(demos, moto, firestore);
    const experiments =
      options.experiments ??
      (options.metrics === true
        ? ['experiments/pricing-latency-metrics.yaml']
        : ['experiments/pricing-latency.yaml']);
    const metered = new Set<string>();
    if (options.metrics === true) {
      const nodeMajor = Number(process.versions.node.split('.')[0]);
      if (moto === undefined && demos.has('aws'))
        say(style.yellow('moto unavailable: AWS has no CloudWatch to publish to; skipped'));
      if (nodeMajor < cloudMonitoringNodeMajor && demos.has('gcp'))
        say(
          style.yellow(
            `Google Cloud: cloud-monitoring probes need Node >= ${cloudMonitoringNodeMajor} (this is Node ${process.versions.node}); skipped`,
          ),
        );
      const metrics = await startDemoMetrics(
        {
          ...(moto === undefined ? {} : { aws: demos.get('aws')?.url }),
          ...(nodeMajor < cloudMonitoringNodeMajor ? {} : { gcp: demos.get('gcp')?.url }),
          azure: demos.get('azure')?.url,
        },
        moto === undefined ? {} : { cloudWatchEndpoint: moto.endpoint },
      );
      stops.push(() => metrics.stop());
      Object.assign(variables, metrics.variables);
      // Tokens of the local monitoring servers: read by the probes through tokenEnv, never written to a file.
      Object.assign(process.env, metrics.environment);
      for (const cloud of metrics.clouds) metered.add(cloud);
      say(
        `users' traffic through a metered front door for ${metrics.clouds.join(', ')}; waiting ${meteredWarmUpSeconds} s for the first complete periods…`,
      );
      await new Promise((resolveWait) => setTimeout(resolveWait, meteredWarmUpSeconds * 1000));
    }
    const reportRoot =
      options.reportDirectory ??
      join(repositoryRoot, 'reports', `demo-${new Date().toISOString().replace(/[:.]/g, '-')}`);
    for (const file of experiments) {
      if (signal.aborted) break;
      const path = resolve(repositoryRoot, file);
      const loaded = await loadExperimentFile(path);
      if (!loaded.ok)
        throw new FaultlineError(
          'EXPERIMENT_INVALID',
          `${file} is invalid: ${loaded.issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`,
        );
      // A metrics target whose cloud is not metered has no endpoints to resolve: it is left out before resolving.
      const resolved = resolveRunSection(withMeteredTargets(loaded.raw, metered), variables, process.env, {
        file: path,
      });
      const run: RunSection = {
        ...resolved,
        targets: resolved.targets.flatMap((target) => demoTarget(target, demos)),
      };
      output.line();
      output.line(
        style.bold(`▶ ${loaded.experiment.id}`) + style.dim(`  (${relative(repositoryRoot, path)})`),
      );
      output.line(`  hypothesis: ${run.hypothesis}`);
      const journal = await runExperiment({
        document: toRuntimeDocument(loaded.raw),
        run,
        file: relative(repositoryRoot, path),
        signal,
        progress: createProgressDisplay({ stream: output.progressStream, style: output.errorStyle }),
      });
      journals.push(journal);
      const directory = experiments.length === 1 ? reportRoot : join(reportRoot, loaded.experiment.id);
      await mkdir(directory, { recursive: true });
      const { reportPath, journalPath } = await writeRunArtifacts(journal, run, directory);
      output.line();
      printVerdictTable(output, journal);
      // pnpm runs scripts in the package directory; show paths relative to where the user typed `pnpm demo`.
      const base = process.env.INIT_CWD ?? process.cwd();
      output.line(style.dim(`  report:  ${relative(base, reportPath)}`));
      output.line(style.dim(`  journal: ${relative(base, journalPath)}`));
    }
    if (journals.length > 1) printMatrix(output, journals);
  } finally {
    say('stopping everything the demo started…');
    // A backend that died mid-run must not keep the demo from exiting: each stop gets 10 s.
    for (const stop of stops.reverse()) {
      await Promise.race([
        stop().catch(() => {}),
        new Promise((resolveLater) => setTimeout(resolveLater, 10_000).unref()),
      ]);
    }
    say(`done in ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
  }
  return journals;
}

/** One line per experiment, one column per cloud: the verdicts side by side. */
function printMatrix(output: ReturnType<typeof createOutput>, journals: readonly RunJournal[]): void {
  const { style } = output;
  const names = [...new Set(journals.flatMap((journal) => journal.targets.map((target) => target.name)))];
  const width = Math.max(10, ...journals.map((journal) => journal.experiment.id.length));
  output.line();
  output.line(style.bold(['experiment'.padEnd(width), ...names.map((name) => name.padEnd(9))].join('  ')));
  for (const journal of journals) {
    const cells = names.map((name) => {
      const verdict = journal.targets.find((target) => target.name === name)?.verdict ?? 'not-run';
      const text = (
        verdict === 'held'
          ? 'HELD'
          : verdict === 'deviated'
            ? 'DEVIATED'
            : verdict === 'not-proven'
              ? 'UNPROVEN'
              : 'not run'
      ).padEnd(9);
      return verdict === 'held'
        ? style.green(text)
        : verdict === 'deviated'
          ? style.red(text)
          : verdict === 'not-proven'
            ? style.yellow(text)
            : style.dim(text);
    });
    output.line([journal.experiment.id.padEnd(width), ...cells].join('  '));
  }
}

/** Values for the `${VAR}` placeholders of the shared experiments. */
function demoVariables(
  demos: ReadonlyMap<string, RunningDemo>,
  moto: MotoServer | undefined,
  firestore: FirestoreEmulator | undefined,
): Record<string, string> {
  const variables: Record<string, string> = {};
  const aws = demos.get('aws');
  const gcp = demos.get('gcp');
  const azure = demos.get('azure');
  if (aws !== undefined) variables.AWS_DEMO_URL = aws.url;
  if (gcp !== undefined) variables.GCP_DEMO_URL = gcp.url;
  if (azure !== undefined) variables.AZURE_DEMO_URL = azure.url;
  const ssmEndpoint = aws?.awsEndpoint ?? moto?.endpoint;
  if (ssmEndpoint !== undefined) variables.AWS_SSM_ENDPOINT = ssmEndpoint;
  if (firestore !== undefined) {
    variables.FIRESTORE_EMULATOR_HOST = firestore.host;
    variables.GCP_PROJECT_ID = firestore.projectId;
  }
  const appConfiguration = azure?.appConfiguration;
  if (appConfiguration !== undefined) {
    // The connection string is a secret: it goes to the environment variable the store reads, never into files.
    process.env.FAULTLINE_AZURE_APPCONFIG_CONNECTION_STRING = appConfiguration.connectionString;
    variables.AZURE_APPCONFIG_CA_FILE = appConfiguration.caFile;
    variables.AZURE_APPCONFIG_KEY = appConfiguration.key;
    variables.AZURE_APPCONFIG_LABEL = appConfiguration.label;
  }
  return variables;
}

/** The experiment without the targets that read metrics of a cloud the demo does not meter. */
function withMeteredTargets(
  raw: Record<string, unknown>,
  metered: ReadonlySet<string>,
): Record<string, unknown> {
  const run = raw.run as { targets?: unknown } | undefined;
  if (run === undefined || !Array.isArray(run.targets)) return raw;
  const targets = run.targets.filter((target: { name?: unknown; metrics?: unknown }) =>
    target.metrics === undefined ? true : metered.has(String(target.name)),
  );
  return { ...raw, run: { ...run, targets } };
}

/** The experiment's target for a demo, pointed at the file store when the demo fell back to it. */
function demoTarget(target: RunTarget, demos: ReadonlyMap<string, RunningDemo>): RunTarget[] {
  const demo = demos.get(target.name);
  if (demo === undefined) return [];
  if (demo.configSource.startsWith('file:')) {
    return [{ ...target, store: { kind: 'file', path: demo.configSource.slice('file:'.length) } }];
  }
  return [target];
}

/** Entry point for `pnpm demo`. */
async function main(): Promise<void> {
  // `pnpm demo -- --all` passes the `--` through.
  const argv = process.argv.slice(2).filter((argument, index) => !(index === 0 && argument === '--'));
  const args = parseArguments(argv, {
    repeatable: ['experiment'],
    switches: ['all', 'metrics'],
    values: ['out'],
  });
  const named = [...args.values('experiment'), ...args.positionals];
  const experiments = args.has('all')
    ? ['experiments/pricing-latency.yaml', 'experiments/order-failures.yaml']
    : named.length > 0
      ? named
      : undefined;
  const controller = new AbortController();
  // Like the binary: SIGINT, SIGTERM and SIGHUP roll back and stop the demo; only a second Ctrl-C exits at once.
  for (const name of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(name, () => {
      if (controller.signal.aborted) {
        if (name === 'SIGINT') process.exit(130);
        return;
      }
      if (name !== 'SIGHUP')
        process.stderr.write(
          `\n${name}: rolling back and stopping the demo (Ctrl-C again to exit at once)\n`,
        );
      controller.abort(name);
    });
  }
  const out = args.value('out');
  const journals = await runDemo({
    signal: controller.signal,
    ...(experiments === undefined ? {} : { experiments }),
    ...(out === undefined ? {} : { reportDirectory: resolve(out) }),
    ...(args.has('metrics') ? { metrics: true } : {}),
  });
  if (controller.signal.aborted) process.exitCode = 130;
  else if (journals.length === 0 || journals.some((journal) => journal.status === 'failed'))
    process.exitCode = 1;
  // The demo apps' SDK clients may keep sockets alive for a while; everything was stopped, so leave now.
  process.exit(process.exitCode ?? 0);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
