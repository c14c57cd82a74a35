import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { attachDependencyFaults } from '@faultline/aws-lambda/aws-sdk';
import { createSsmSource } from '@faultline/aws-lambda/ssm';
import {
  type ConfigSource,
  createFileSource,
  type EventLevel,
  type EventSink,
  formatValidationIssues,
  parseExperimentText,
} from '@faultline/core';
import { createMemoryOrderRepository, type OrderRepository, startPricingServer } from '@faultline/demo-kit';
import {
  applyLoopbackEnvironment,
  type MotoServer,
  MotoUnavailableError,
  startMoto,
} from '@faultline/testkit';
import { startFront } from './front.js';
import { createDemoHandler } from './handler.js';
import { createDynamoDbOrderRepository, defaultOrdersTable, seedOrdersTable } from './orders.js';

/** Options of {@link startDemo} (the contract shared by the three demo apps). */
export interface DemoOptions {
  /** Loopback port of the front; 0 (default) picks a free one. */
  readonly port?: number;
  /** An experiment (JSON or YAML, stored as JSON) to push before serving. Without it the store is left as is. */
  readonly experimentFile?: string;
  /** `native` (default): SSM and DynamoDB on moto, falling back to `file` when moto is absent. */
  readonly store?: 'native' | 'file';
  /** Config TTL. Default 1000 (the shared experiments wait 1.5 s for propagation). */
  readonly ttlMs?: number;
  /** SSM parameter. Default `AWS_SSM_PARAMETER`, else `/faultline/demo`. */
  readonly parameterName?: string;
  /** Where faultline's events go. Default: JSON lines on the console. */
  readonly onEvent?: EventSink;
  /** Pricing timeout. Default `PRICING_TIMEOUT_MS`, else 300. */
  readonly pricingTimeoutMs?: number;
  /** Lowest event level delivered. Default `FAULTLINE_LOG_LEVEL`, else `info`. */
  readonly logLevel?: EventLevel;
  /**
   * The stage the functions declare (`FAULTLINE_STAGE`), which the production guard checks: an unknown stage is
   * treated as production. Default `FAULTLINE_STAGE`, else `demo`.
   */
  readonly stage?: string;
}

/** A running demo. */
export interface RunningDemo {
  /** Front URL, e.g. `http://127.0.0.1:43121` (`GET /orders/{id}`, `GET /healthz`). */
  readonly url: string;
  /** `ssm:/faultline/demo` or `file:/…/.faultline/demo.json`. */
  readonly configSource: string;
  /** The moto endpoint when the native store is used (for pushing experiments), else undefined. */
  readonly awsEndpoint: string | undefined;
  /** The pricing service URL (`http://localhost:PORT`). */
  readonly pricingUrl: string;
  stop(): Promise<void>;
}

/** The demo app's directory; the file store lives in `.faultline/demo.json` under it. */
export const demoDirectory = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const demoConfigFile = join(demoDirectory, '.faultline', 'demo.json');

/**
 * Starts the AWS demo on loopback: the pricing service, the order function wrapped with `withFaults`, and an
 * API Gateway–style front. With the native store, moto serves SSM (experiment in `/faultline/demo`) and DynamoDB
 * (the orders table); without moto, the file source and an in-memory table take over.
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
  const ttlMs = options.ttlMs ?? 1000;
  const parameterName = options.parameterName ?? process.env.AWS_SSM_PARAMETER ?? '/faultline/demo';
  const cleanups: (() => Promise<void> | void)[] = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  };

  try {
    const pricing = await startPricingServer();
    cleanups.push(() => pricing.close());
    // Readiness check; it also pays the HTTP client's one-time setup outside any request's pricing timeout.
    await (await fetch(`${pricing.url}/prices/kettle`)).arrayBuffer();

    let moto: MotoServer | undefined;
    if ((options.store ?? 'native') === 'native') {
      try {
        moto = await startMoto();
        cleanups.push(() => moto?.stop());
      } catch (error) {
        if (!(error instanceof MotoUnavailableError)) throw error;
        console.warn(`aws-lambda-demo: ${error.message.split('\n')[0]} — falling back to the file store`);
      }
    }

    let source: ConfigSource;
    let orders: OrderRepository;
    if (moto !== undefined) {
      const clientConfig = { endpoint: moto.endpoint, region: process.env.AWS_REGION ?? 'us-east-1' };
      const dynamoDb = attachDependencyFaults(new DynamoDBClient({ ...clientConfig, maxAttempts: 2 }));
      cleanups.push(() => dynamoDb.destroy());
      const tableName = process.env.ORDERS_TABLE ?? defaultOrdersTable;
      await seedOrdersTable(dynamoDb, tableName);
      orders = createDynamoDbOrderRepository(dynamoDb, tableName);
      await prepareSsm(
        clientConfig,
        parameterName,
        // Functions read JSON only; a YAML experiment is converted, as `faultline push` does.
        options.experimentFile === undefined
          ? undefined
          : await toJsonText(await readExperiment(options.experimentFile), options.experimentFile),
      );
      source = createSsmSource({ parameterName, clientConfig });
    } else {
      orders = createMemoryOrderRepository();
      if (options.experimentFile !== undefined) {
        await writeDemoFile(
          await toJsonText(await readExperiment(options.experimentFile), options.experimentFile),
        );
      }
      source = createFileSource(demoConfigFile);
    }

    const handler = createDemoHandler(
      {
        orders,
        pricingUrl: pricing.url,
        pricingTimeoutMs: options.pricingTimeoutMs ?? Number(process.env.PRICING_TIMEOUT_MS ?? 300),
      },
      {
        source,
        // Loopback moto can be slow on a busy machine; a deployed function keeps the 1 s default.
        cache: { ttlMs, fetchBudgetMs: 3000 },
        // Like a deployed function, the demo declares its stage: an unknown stage is treated as production.
        environment: {
          ...process.env,
          FAULTLINE_STAGE: options.stage ?? process.env.FAULTLINE_STAGE ?? 'demo',
        },
        ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
        ...(options.logLevel === undefined ? {} : { logLevel: options.logLevel }),
      },
    );
    const front = await startFront({
      handler,
      ...(options.port === undefined ? {} : { port: options.port }),
    });
    cleanups.push(() => front.close());
    return {
      url: front.url,
      configSource: source.name,
      awsEndpoint: moto?.endpoint,
      pricingUrl: pricing.url,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Reads an experiment file as text (JSON or YAML; stores get JSON, see `toJsonText`). */
async function readExperiment(path: string): Promise<string> {
  return readFile(resolve(path), 'utf8');
}

/** Functions read JSON only: YAML experiments are converted before they are stored (as `faultline push` does). */
async function toJsonText(text: string, path: string): Promise<string> {
  const parsed = await parseExperimentText(text);
  if (!parsed.ok)
    throw new Error(`${path} is not valid JSON or YAML:\n${formatValidationIssues(parsed.issues)}`);
  return `${JSON.stringify(parsed.value, null, 2)}\n`;
}

/**
 * Pushes the experiment when one is given; otherwise only reads the parameter once, because moto builds its SSM
 * backend on the first SSM request (seconds), which would otherwise eat the first invocation's fetch budget.
 */
async function prepareSsm(
  clientConfig: { endpoint: string; region: string },
  parameterName: string,
  document: string | undefined,
): Promise<void> {
  const client = new SSMClient(clientConfig);
  try {
    if (document === undefined) {
      await client.send(new GetParameterCommand({ Name: parameterName })).catch(() => undefined);
    } else {
      await client.send(
        new PutParameterCommand({ Name: parameterName, Value: document, Type: 'String', Overwrite: true }),
      );
    }
  } finally {
    client.destroy();
  }
}

/** Writes the experiment where the file store reads it (the CLI writes the same file). */
export async function writeDemoFile(document: string): Promise<void> {
  await mkdir(dirname(demoConfigFile), { recursive: true });
  await writeFile(demoConfigFile, document);
}

/** Removes the file-store experiment (no faults). */
export async function clearDemoFile(): Promise<void> {
  await rm(demoConfigFile, { force: true });
}
