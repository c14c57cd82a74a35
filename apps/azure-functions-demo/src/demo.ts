import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAppConfigurationSource } from '@faultline/azure-functions/app-configuration';
import {
  type ConfigSource,
  createFaultEngine,
  createFileSource,
  type EventSink,
  formatValidationIssues,
  parseExperimentText,
} from '@faultline/core';
import { createMemoryOrderRepository, startPricingServer } from '@faultline/demo-kit';
import {
  type AppConfigurationServer,
  AppConfigurationServerError,
  applyLoopbackEnvironment,
  installAzureFunctionsHost,
  startAppConfigurationServer,
} from '@faultline/testkit';
import { demoFunctionNames, registerDemoFunctions } from './register.js';

/** Options of {@link startDemo} (the contract shared by the three demo apps). */
export interface DemoOptions {
  /** Loopback port of the Functions host; 0 (default) picks a free one. */
  readonly port?: number;
  /** An experiment (JSON or YAML) to push to the store before serving. Without it the store is left as is. */
  readonly experimentFile?: string;
  /** `native` (default): a local App Configuration HTTPS server; falls back to `file` when it cannot start. */
  readonly store?: 'native' | 'file';
  /** Config TTL. Default 1000 (the shared experiments wait 1.5 s for propagation). */
  readonly ttlMs?: number;
  /** App Configuration key. Default `AZURE_APPCONFIG_KEY`, else `faultline:demo`. */
  readonly key?: string;
  /** App Configuration label. Default `AZURE_APPCONFIG_LABEL`, else `demo`. */
  readonly label?: string;
  /** Where faultline's events go. Default: JSON lines on the console. */
  readonly onEvent?: EventSink;
  /**
   * The stage the functions declare (`FAULTLINE_STAGE`), which the production guard checks: an unknown stage is
   * treated as production. Default `FAULTLINE_STAGE`, else `demo`.
   */
  readonly stage?: string;
}

/** The local App Configuration store of a running demo, for pushing experiments to it (the CLI needs these). */
export interface DemoAppConfiguration {
  readonly endpoint: string;
  readonly key: string;
  readonly label: string;
  /** `Endpoint=…;Id=…;Secret=…` of the throwaway local store. Never log it. */
  readonly connectionString: string;
  /** PEM of the store's self-signed certificate. */
  readonly ca: string;
  /** The same PEM in a file (for `AZURE_APPCONFIG_CA_FILE`); removed on stop. The secret is never written to disk. */
  readonly caFile: string;
}

/** A running demo. */
export interface RunningDemo {
  /** Host URL, e.g. `http://127.0.0.1:43121` (`GET /orders/{id}`, `GET /healthz`). */
  readonly url: string;
  /** `appconfig:127.0.0.1:PORT/faultline:demo?label=demo` or `file:/…/.faultline/demo.json`. */
  readonly configSource: string;
  /** The local App Configuration store when the native store is used, else undefined. */
  readonly appConfiguration: DemoAppConfiguration | undefined;
  /** The pricing service URL (`http://localhost:PORT`). */
  readonly pricingUrl: string;
  stop(): Promise<void>;
}

/** A second demo in the same process: the host serves one app per process, like the Azure worker. */
export class DemoAlreadyRunningError extends Error {
  override readonly name = 'DemoAlreadyRunningError';
}

/** The demo app's directory; the file store lives in `.faultline/demo.json` under it. */
export const demoDirectory = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const demoConfigFile = join(demoDirectory, '.faultline', 'demo.json');

/**
 * Starts the Azure demo on loopback: the pricing service, a local App Configuration HTTPS server holding the
 * experiment (key `faultline:demo`, label `demo`), and the local Functions host serving the app's real
 * `app.http(...)` registrations through `@azure/functions`' own invocation code. Without openssl (no local store),
 * the file source `.faultline/demo.json` takes over.
 *
 * @example
 * ```ts
 * const demo = await startDemo({ experimentFile: 'experiments/pricing-latency.yaml' });
 * const order = await (await fetch(`${demo.url}/orders/o-1001`)).json(); // priceSource: 'fallback'
 * await demo.stop();
 * ```
 */
export async function startDemo(options: DemoOptions = {}): Promise<RunningDemo> {
  applyLoopbackEnvironment();
  const host = installAzureFunctionsHost();
  if (demoFunctionNames.some((name) => host.functionNames.includes(name))) {
    throw new DemoAlreadyRunningError(
      'The Azure demo is already running in this process (the local host serves one app per process); stop it first.',
    );
  }
  const ttlMs = options.ttlMs ?? 1000;
  const key = options.key ?? process.env.AZURE_APPCONFIG_KEY ?? 'faultline:demo';
  const label = options.label ?? process.env.AZURE_APPCONFIG_LABEL ?? 'demo';
  const cleanups: (() => Promise<void> | void)[] = [];
  const stop = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  };

  try {
    const pricing = await startPricingServer();
    cleanups.push(() => pricing.close());

    let store: AppConfigurationServer | undefined;
    if ((options.store ?? 'native') === 'native') {
      try {
        store = await startAppConfigurationServer();
        cleanups.push(() => store?.stop());
      } catch (error) {
        if (!(error instanceof AppConfigurationServerError)) throw error;
        console.warn(`azure-functions-demo: ${error.message} — falling back to the file store`);
      }
    }

    let source: ConfigSource;
    let appConfiguration: DemoAppConfiguration | undefined;
    if (store !== undefined) {
      if (options.experimentFile !== undefined) {
        // Functions read JSON only; a YAML experiment is converted, as `faultline push` does.
        store.setKeyValue(
          key,
          await toJsonText(await readExperiment(options.experimentFile), options.experimentFile),
          { label },
        );
      }
      appConfiguration = await writeStoreFiles(store, key, label);
      const { caFile } = appConfiguration;
      cleanups.push(() => rm(caFile, { force: true }));
      source = createAppConfigurationSource({
        key,
        label,
        connectionString: store.connectionString,
        clientOptions: { tlsOptions: { ca: store.ca } },
        environment: {},
      });
    } else {
      if (options.experimentFile !== undefined) {
        // The file store reads `.json` as JSON, so a YAML experiment is converted (as `faultline push` does).
        await writeDemoFile(
          await toJsonText(await readExperiment(options.experimentFile), options.experimentFile),
        );
      }
      source = createFileSource(demoConfigFile);
    }

    const engine = createFaultEngine({
      source,
      cache: { ttlMs, fetchBudgetMs: 1000 },
      ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
    });
    cleanups.push(() => engine.close());

    const { app } = await import('@azure/functions');
    // The worker cannot see host.json: the adapter is told the route prefix the host serves (here none).
    const routePrefix = await readRoutePrefix();
    registerDemoFunctions(
      app,
      {
        orders: createMemoryOrderRepository(),
        pricingUrl: pricing.url,
        pricingTimeoutMs: Number(process.env.PRICING_TIMEOUT_MS ?? 300),
      },
      // Like a deployed function, the demo declares its stage: an unknown stage is treated as production.
      { engine, stage: options.stage ?? process.env.FAULTLINE_STAGE ?? 'demo', routePrefix },
    );
    cleanups.push(() => {
      for (const name of demoFunctionNames) host.unregisterFunction(name);
    });
    if (!host.functionNames.includes('orders')) {
      throw new Error(
        '@azure/functions registered nothing: it was used before the local host was installed (it then stays in test mode for the whole process).',
      );
    }

    const server = await host.listen({
      routePrefix,
      ...(options.port === undefined ? {} : { port: options.port }),
    });
    cleanups.push(() => server.stop());
    return { url: server.url, configSource: source.name, appConfiguration, pricingUrl: pricing.url, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The `extensions.http.routePrefix` of the app's host.json (Azure's default is `api`). */
async function readRoutePrefix(): Promise<string> {
  const hostJson = JSON.parse(await readFile(join(demoDirectory, 'host.json'), 'utf8')) as {
    extensions?: { http?: { routePrefix?: unknown } };
  };
  const prefix = hostJson.extensions?.http?.routePrefix;
  return typeof prefix === 'string' ? prefix : 'api';
}

async function writeStoreFiles(
  store: AppConfigurationServer,
  key: string,
  label: string,
): Promise<DemoAppConfiguration> {
  const directory = join(demoDirectory, '.faultline');
  await mkdir(directory, { recursive: true });
  const caFile = join(directory, `app-configuration-ca-${process.pid}.pem`);
  await writeFile(caFile, store.ca);
  return {
    endpoint: store.endpoint,
    key,
    label,
    connectionString: store.connectionString,
    ca: store.ca,
    caFile,
  };
}

async function toJsonText(text: string, path: string): Promise<string> {
  const parsed = await parseExperimentText(text);
  if (!parsed.ok)
    throw new Error(`${path} is not valid JSON/YAML:\n${formatValidationIssues(parsed.issues)}`);
  return JSON.stringify(parsed.value, null, 2);
}

/** Reads an experiment file as text (JSON or YAML; stores get JSON, see `toJsonText`). */
async function readExperiment(path: string): Promise<string> {
  return readFile(resolve(path), 'utf8');
}

/**
 * Writes the experiment where the file store reads it (the CLI writes the same file).
 *
 * @example
 * ```ts
 * await writeDemoFile(JSON.stringify({ schemaVersion: 1, id: 'off', enabled: false, faults: [] }));
 * ```
 */
export async function writeDemoFile(document: string): Promise<void> {
  await mkdir(dirname(demoConfigFile), { recursive: true });
  await writeFile(demoConfigFile, document);
}

/**
 * Removes the file-store experiment (no faults).
 *
 * @example
 * ```ts
 * await clearDemoFile();
 * ```
 */
export async function clearDemoFile(): Promise<void> {
  await rm(demoConfigFile, { force: true });
}
