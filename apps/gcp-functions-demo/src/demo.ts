import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type ConfigSource,
  createFaultEngine,
  createFileSource,
  type EventLevel,
  type EventSink,
  formatValidationIssues,
  parseExperimentText,
  validateExperiment,
} from '@faultline/core';
import { startPricingServer } from '@faultline/demo-kit';
import { createFirestoreSource } from '@faultline/gcp-functions/firestore';
import { Firestore } from '@google-cloud/firestore';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { functionNames, registerDemoFunctions } from './functions.js';
import {
  createFirestoreOrderStore,
  createMemoryOrderStore,
  demoOrders,
  type OrderStore,
} from './order-store.js';

/** Options of {@link startDemo} (the shared demo contract, plus GCP specifics). */
export interface StartDemoOptions {
  /** Port on 127.0.0.1. Default: a free one. */
  readonly port?: number;
  /** An experiment (JSON/YAML) validated and pushed to the config store at start. Default: keep the store as is. */
  readonly experimentFile?: string;
  /**
   * `native`: the Firestore document `faultline/demo` on the emulator named by `FIRESTORE_EMULATOR_HOST` (falls back
   * to `file` when no emulator answers); `file`: `.faultline/demo.json` in this demo's directory. Default `native`.
   */
  readonly store?: 'native' | 'file';
  /** Config cache TTL in ms. Default 1000 (the Firestore store also pushes changes through a listener). */
  readonly ttlMs?: number;
  /** Pricing service base URL. Default: `PRICING_URL`, else a pricing server the demo starts on `localhost`. */
  readonly pricingUrl?: string;
  /** Emulator `host:port`. Default `FIRESTORE_EMULATOR_HOST`. */
  readonly emulatorHost?: string;
  /** Project id on the emulator. Default `GCLOUD_PROJECT`, else `faultline-demo` (what `faultline run` uses). */
  readonly projectId?: string;
  /**
   * The stage the functions declare (`FAULTLINE_STAGE`), which the production guard checks: an unknown stage is
   * treated as production. Default `FAULTLINE_STAGE`, else `demo`.
   */
  readonly stage?: string;
  /** faultline event level. Default `FAULTLINE_LOG_LEVEL`, else `info`. */
  readonly logLevel?: EventLevel;
  /** Receives faultline's events instead of the console (e.g. to collect or silence them). */
  readonly onEvent?: EventSink;
}

/** A running demo. */
export interface DemoHandle {
  /** `http://127.0.0.1:PORT`: `GET /orders/{id}`, `GET /healthz`, `POST /events` (CloudEvent), `GET /events/{id}`. */
  readonly url: string;
  /** Name of the config source in use, e.g. `firestore:faultline/demo` or `file:/…/.faultline/demo.json`. */
  readonly configSource: string;
  /** Which store the demo ended up with (`file` when `native` was asked but no emulator answered). */
  readonly store: 'native' | 'file';
  stop(): Promise<void>;
}

/** Where the demo's experiment lives in Firestore (the CLI pushes there). */
export const demoDocumentPath = 'faultline/demo';

/** The file store location: `.faultline/demo.json` in this demo package. */
export const demoConfigFile = join(
  dirname(dirname(fileURLToPath(import.meta.url))),
  '.faultline',
  'demo.json',
);

/**
 * Starts the GCP demo: the `orders` HTTP function and the `orderCreated` CloudEvent function served by the real
 * Functions Framework on 127.0.0.1, with orders and experiment in the Firestore emulator (or in memory and the
 * local file when the emulator is absent), and a pricing service on `localhost`.
 *
 * @example
 * ```ts
 * import { startDemo } from '@faultline/gcp-functions-demo/demo';
 *
 * const demo = await startDemo({ experimentFile: 'experiments/pricing-latency.yaml' });
 * const order = await (await fetch(`${demo.url}/orders/o-1001`)).json(); // priceSource: 'fallback'
 * await demo.stop();
 * ```
 */
export async function startDemo(options: StartDemoOptions = {}): Promise<DemoHandle> {
  // Never probe the GCE metadata server from a local run.
  process.env.METADATA_SERVER_DETECTION ??= 'none';
  const stops: (() => Promise<void> | void)[] = [];
  const stop = async () => {
    for (const action of stops.splice(0).reverse()) {
      try {
        await action();
      } catch (error) {
        console.error('gcp demo: stopping failed', error);
      }
    }
  };
  try {
    const emulatorHost = options.emulatorHost ?? process.env.FIRESTORE_EMULATOR_HOST;
    const useNative = (options.store ?? 'native') === 'native' && (await emulatorAnswers(emulatorHost));
    if ((options.store ?? 'native') === 'native' && !useNative) {
      console.warn(
        `gcp demo: no Firestore emulator answers at ${emulatorHost ?? '(FIRESTORE_EMULATOR_HOST unset)'}; ` +
          `using the file store ${demoConfigFile} and in-memory orders`,
      );
    }

    let store: OrderStore;
    let source: ConfigSource;
    if (useNative && emulatorHost !== undefined) {
      const firestore = new Firestore({
        projectId: options.projectId ?? process.env.GCLOUD_PROJECT ?? 'faultline-demo',
        host: emulatorHost,
        ssl: false,
      });
      stops.push(() => firestore.terminate());
      store = createFirestoreOrderStore(firestore);
      source = createFirestoreSource({ documentPath: demoDocumentPath, firestore, realtime: true });
      if (options.experimentFile !== undefined) {
        const experiment = await readValidatedExperiment(options.experimentFile);
        await firestore.doc(demoDocumentPath).set({ experiment: JSON.stringify(experiment) });
      }
    } else {
      store = createMemoryOrderStore();
      source = createFileSource(demoConfigFile);
      if (options.experimentFile !== undefined) {
        const experiment = await readValidatedExperiment(options.experimentFile);
        await mkdir(dirname(demoConfigFile), { recursive: true });
        await writeFile(demoConfigFile, `${JSON.stringify(experiment, null, 2)}\n`);
      }
    }
    await store.seed(demoOrders);

    let pricingUrl = options.pricingUrl ?? process.env.PRICING_URL;
    if (pricingUrl === undefined) {
      const pricing = await startPricingServer();
      stops.push(() => pricing.close());
      pricingUrl = pricing.url;
    }

    const engine = createFaultEngine({
      source,
      cache: { ttlMs: options.ttlMs ?? 1000 },
      ...(options.logLevel === undefined ? {} : { logLevel: options.logLevel }),
      ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
    });
    stops.push(() => engine.close());
    await engine.ready();

    const pricingTimeoutMs = Number(process.env.PRICING_TIMEOUT_MS ?? 300);
    // Like a deployed function, the demo declares its stage: an unknown stage is treated as production.
    const stage = options.stage ?? process.env.FAULTLINE_STAGE ?? 'demo';
    registerDemoFunctions({ store, pricingUrl, pricingTimeoutMs }, { engine, timeoutMs: 60_000, stage });
    const ordersServer = getTestServer(functionNames.orders);
    const eventsServer = getTestServer(functionNames.orderCreated);

    const front = createServer((request, response) =>
      route(request, response, ordersServer, eventsServer, store),
    );
    await new Promise<void>((resolveListen, reject) => {
      front.once('error', reject);
      front.listen(options.port ?? 0, '127.0.0.1', resolveListen);
    });
    stops.push(
      () =>
        new Promise<void>((resolveClose) => {
          front.closeAllConnections();
          front.close(() => resolveClose());
        }),
    );
    const { port } = front.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}`,
      configSource: source.name,
      store: useNative ? 'native' : 'file',
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * One loopback port for both functions, as a load balancer in front of them would do: `POST /events` goes to the
 * CloudEvent function, everything else to the HTTP function, each through the Functions Framework's own server.
 */
function route(
  request: IncomingMessage,
  response: ServerResponse,
  ordersServer: Server,
  eventsServer: Server,
  store: OrderStore,
): void {
  const path = (request.url ?? '/').split('?')[0] ?? '/';
  if (path === '/healthz') {
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ ok: true, cloud: 'gcp' }));
    return;
  }
  if (path === '/events' && request.method === 'POST') {
    eventsServer.emit('request', request, response);
    return;
  }
  const eventMatch = /^\/events\/([^/]+)$/.exec(path);
  if (eventMatch?.[1] !== undefined && request.method === 'GET') {
    const eventId = decodeURIComponent(eventMatch[1]);
    store.getEvent(eventId).then(
      (recorded) => {
        response.setHeader('content-type', 'application/json');
        response.statusCode = recorded === undefined ? 404 : 200;
        response.end(JSON.stringify(recorded ?? { error: `no event ${eventId}` }));
      },
      (error: unknown) => {
        response.statusCode = 500;
        response.end(String(error));
      },
    );
    return;
  }
  ordersServer.emit('request', request, response);
}

async function readValidatedExperiment(file: string): Promise<object> {
  const path = resolve(file);
  const parsed = await parseExperimentText(await readFile(path, 'utf8'), {
    format: /\.ya?ml$/i.test(path) ? 'yaml' : 'json',
  });
  if (!parsed.ok) throw new Error(`${path} cannot be parsed:\n${formatValidationIssues(parsed.issues)}`);
  const validated = validateExperiment(parsed.value);
  if (!validated.ok)
    throw new Error(`${path} is not a valid experiment:\n${formatValidationIssues(validated.issues)}`);
  // Push what the author wrote (not the defaults-applied form), as the CLI does.
  return parsed.value as object;
}

async function emulatorAnswers(host: string | undefined): Promise<boolean> {
  if (host === undefined || host === '') return false;
  try {
    const response = await fetch(`http://${host}/`, { signal: AbortSignal.timeout(1000) });
    await response.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}
