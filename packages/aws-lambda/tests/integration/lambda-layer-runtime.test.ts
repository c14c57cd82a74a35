import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import {
  ensureLambdaRuntimeClient,
  type LambdaInitError,
  type LambdaInvocationOutcome,
  type MotoServer,
  startLambdaRuntime,
  startLambdaRuntimeApi,
  startMoto,
} from '@faultline/testkit';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpApiEvent } from '../fixtures/events.js';
import { buildAndExtractLayer, type ExtractedLayer, writeFunctionCode } from '../support/lambda-layer.js';

/*
 * The layer, end to end: the zip from the real build step, extracted like Lambda extracts layers, attached to small
 * functions run by the real Node.js runtime interface client (aws-lambda-ric 4.0.2, Node >= 22) against a loopback
 * Runtime API. Both install modes: AWS_LAMBDA_EXEC_WRAPPER (the function's handler unchanged) and the handler swap
 * (handler = the layer's, FAULTLINE_HANDLER = the original).
 */

const testsDirectory = dirname(fileURLToPath(import.meta.url));
const statusExperiment = JSON.stringify({
  schemaVersion: 1,
  id: 'layer-drill',
  faults: [{ id: 'down', type: 'status', probability: 1, status: 503 }],
});
const ok = 'async () => ({ statusCode: 200, body: "from the function" })';

let layer: ExtractedLayer;

beforeAll(async () => {
  // The first run in a checkout compiles the client's native addon (minutes on a busy 2-core machine).
  await ensureLambdaRuntimeClient();
  layer = await buildAndExtractLayer();
}, 20 * 60_000);

type Mode = 'exec-wrapper' | 'handler-swap' | 'no-layer';

interface Run {
  readonly outcome?: LambdaInvocationOutcome;
  readonly initError?: LambdaInitError;
  readonly output: string;
}

async function run(options: {
  readonly files: Readonly<Record<string, string>>;
  readonly handler: string;
  readonly mode: Mode;
  readonly environment?: Readonly<Record<string, string>>;
  readonly taskRoot?: string;
}): Promise<Run> {
  const taskRoot = options.taskRoot ?? (await writeFunctionCode(options.files));
  const api = await startLambdaRuntimeApi();
  const runtime = await startLambdaRuntime({
    api,
    taskRoot,
    handler: options.mode === 'handler-swap' ? layer.handlerSetting : options.handler,
    ...(options.mode === 'exec-wrapper' ? { execWrapper: layer.wrapper } : {}),
    environment: {
      // A deployment declares its stage (an unknown stage counts as production).
      FAULTLINE_STAGE: 'test',
      ...(options.mode === 'handler-swap' ? { FAULTLINE_HANDLER: options.handler } : {}),
      ...options.environment,
    },
  });
  try {
    const result = await Promise.race([
      api.invoke(httpApiEvent()).then((outcome) => ({ outcome })),
      api.initError.then((initError) => ({ initError })),
      runtime.exited.then((code) => {
        throw new Error(`the runtime exited (${code}) without an answer:\n${runtime.output()}`);
      }),
    ]);
    // Let the process flush what it logged for the invocation.
    await new Promise((resolve) => setTimeout(resolve, 50));
    return { ...result, output: runtime.output() };
  } finally {
    await runtime.stop();
    await api.close();
  }
}

function responseOf(result: Run): { statusCode?: number; body?: string } {
  expect(result.initError, result.output).toBeUndefined();
  expect(result.outcome?.kind, result.output).toBe('response');
  return (result.outcome as { body: { statusCode?: number; body?: string } }).body;
}

function setupLines(output: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .map((line) => line.slice(line.indexOf('{')))
    .filter((line) => line.startsWith('{"source":"faultline"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line.type === 'setup');
}

const layouts: { name: string; files: Record<string, string>; handler: string }[] = [
  { name: 'CommonJS index.js', files: { 'index.js': `exports.handler = ${ok};` }, handler: 'index.handler' },
  {
    name: 'ES module index.mjs',
    files: { 'index.mjs': `export const handler = ${ok};` },
    handler: 'index.handler',
  },
  {
    name: 'index.js under "type": "module"',
    files: { 'package.json': '{"type":"module"}', 'index.js': `export const handler = ${ok};` },
    handler: 'index.handler',
  },
  { name: 'CommonJS app.cjs', files: { 'app.cjs': `module.exports.main = ${ok};` }, handler: 'app.main' },
  {
    name: 'nested path src/app.handler',
    files: { 'src/app.mjs': `export const handler = ${ok};` },
    handler: 'src/app.handler',
  },
  {
    name: 'nested export lib/api.handlers.orders',
    files: { 'lib/api.js': `exports.handlers = { orders: ${ok} };` },
    handler: 'lib/api.handlers.orders',
  },
];

describe.each(['exec-wrapper', 'handler-swap'] as const)('the layer in %s mode', (mode) => {
  it.each(layouts)(
    'wraps the original handler of a $name: a status fault from FAULTLINE_CONFIG reaches the response',
    async ({ files, handler }) => {
      const result = await run({ files, handler, mode, environment: { FAULTLINE_CONFIG: statusExperiment } });

      expect(responseOf(result).statusCode).toBe(503);
      expect(setupLines(result.output)).toEqual([
        expect.objectContaining({ level: 'info', message: `faultline instruments ${handler}` }),
      ]);
    },
  );

  it('runs the original handler untouched without an experiment', async () => {
    const result = await run({ files: layouts[0]?.files ?? {}, handler: 'index.handler', mode });

    expect(responseOf(result)).toEqual({ statusCode: 200, body: 'from the function' });
  });

  it('leaves the response untouched with FAULTLINE_DISABLED=1', async () => {
    const result = await run({
      files: { 'index.mjs': `export const handler = ${ok};` },
      handler: 'index.handler',
      mode,
      environment: { FAULTLINE_CONFIG: statusExperiment, FAULTLINE_DISABLED: '1' },
    });

    expect(responseOf(result)).toEqual({ statusCode: 200, body: 'from the function' });
    expect(result.output).not.toContain('"source":"faultline"');
  });
});

describe('a status fault pushed to SSM (moto)', () => {
  let moto: MotoServer;

  beforeAll(async () => {
    moto = await startMoto();
  });

  afterAll(async () => {
    await moto?.stop();
  });

  it('reaches the response through the SDK the runtime provides', async () => {
    const parameterName = `/faultline/layer/${randomUUID()}`;
    const client = new SSMClient({ endpoint: moto.endpoint, region: 'us-east-1' });
    await client.send(
      new PutParameterCommand({
        Name: parameterName,
        Value: statusExperiment,
        Type: 'String',
        Overwrite: true,
      }),
    );
    client.destroy();
    // The layer carries no AWS SDK: like Lambda's /var/runtime/node_modules, NODE_PATH provides it.
    const sdkDirectory = dirname(
      dirname(dirname(createRequire(import.meta.url).resolve('@aws-sdk/client-ssm/package.json'))),
    );

    const result = await run({
      files: { 'index.mjs': `export const handler = ${ok};` },
      handler: 'index.handler',
      mode: 'exec-wrapper',
      environment: {
        FAULTLINE_SSM_PARAMETER: parameterName,
        // The first read loads the SDK in a cold process: on a busy machine that exceeds the default 1 s budget, and
        // the invocation would (correctly) fail open. The budget is core's to test; here it is the path to SSM.
        FAULTLINE_CONFIG_FETCH_BUDGET_MS: '30000',
        AWS_ENDPOINT_URL_SSM: moto.endpoint,
        NODE_PATH: sdkDirectory,
      },
    });

    expect(responseOf(result).statusCode, result.output).toBe(503);
  });
});

describe('a function that fails to load fails as it would without the layer', () => {
  const broken: { name: string; files: Record<string, string>; handler: string; errorType: string }[] = [
    {
      name: 'unknown module',
      files: { 'index.mjs': 'export const x = 1;' },
      handler: 'missing.handler',
      errorType: 'Runtime.ImportModuleError',
    },
    {
      name: 'missing export',
      files: { 'index.mjs': 'export const other = async () => 1;' },
      handler: 'index.handler',
      errorType: 'Runtime.HandlerNotFound',
    },
    {
      name: 'export that is not a function',
      files: { 'index.mjs': 'export const handler = 42;' },
      handler: 'index.handler',
      errorType: 'Runtime.HandlerNotFound',
    },
    {
      name: 'module that throws at import',
      files: { 'index.mjs': 'throw new TypeError("config missing");' },
      handler: 'index.handler',
      errorType: 'TypeError',
    },
    {
      name: 'syntax error',
      files: { 'index.mjs': 'export const handler = async () => {' },
      handler: 'index.handler',
      errorType: 'Runtime.UserCodeSyntaxError',
    },
    {
      name: 'malformed handler setting',
      files: { 'index.mjs': `export const handler = ${ok};` },
      handler: 'index',
      errorType: 'Runtime.MalformedHandlerName',
    },
  ];

  it.each(broken)(
    '$name: the runtime reports $errorType, and faultline says why in the log',
    async ({ files, handler, errorType }) => {
      const taskRoot = await writeFunctionCode(files);
      const without = await run({ files, taskRoot, handler, mode: 'no-layer' });
      const withLayer = await run({
        files,
        taskRoot,
        handler,
        mode: 'exec-wrapper',
        environment: { FAULTLINE_CONFIG: statusExperiment },
      });

      expect(without.initError?.errorType, without.output).toBe(errorType);
      expect(withLayer.initError?.errorType, withLayer.output).toBe(errorType);
      expect(withLayer.initError?.errorMessage).toContain(
        errorType === 'Runtime.HandlerNotFound' ? handler : '',
      );
      expect(setupLines(withLayer.output)).toEqual([
        expect.objectContaining({
          level: 'error',
          message: expect.stringContaining(`could not load the original handler ${handler}`),
        }),
      ]);
    },
  );

  it('a handler swap without FAULTLINE_HANDLER fails initialisation with a message that says what to set', async () => {
    const result = await run({
      files: { 'index.mjs': `export const handler = ${ok};` },
      handler: '',
      mode: 'handler-swap',
      environment: { FAULTLINE_HANDLER: '' },
    });

    expect(result.initError?.errorType).toBe('Runtime.HandlerNotFound');
    expect(result.initError?.errorMessage).toContain('FAULTLINE_HANDLER is not set');
  });
});

describe('handlers the layer leaves alone', () => {
  it('a handler already wrapped with withFaults (its own bundled copy) is not wrapped again: one injection per invocation', async () => {
    const taskRoot = await writeFunctionCode({});
    await build({
      entryPoints: [join(testsDirectory, '..', 'fixtures', 'lambda-functions', 'already-wrapped.ts')],
      bundle: true,
      format: 'esm',
      platform: 'node',
      conditions: ['source'],
      external: ['@aws-sdk/*'],
      outfile: join(taskRoot, 'index.mjs'),
      logLevel: 'silent',
    });

    const result = await run({
      files: {},
      taskRoot,
      handler: 'index.handler',
      mode: 'exec-wrapper',
      environment: { FAULTLINE_CONFIG: statusExperiment },
    });

    expect(responseOf(result).statusCode).toBe(503);
    expect(result.output.match(/"type":"inject"/g)).toHaveLength(1);
    expect(setupLines(result.output)).toEqual([
      expect.objectContaining({
        message: 'index.handler: already wrapped with withFaults; the layer leaves it as it is',
      }),
    ]);
  });

  it('a response-streaming handler runs as the runtime streams it, untouched', async () => {
    const result = await run({
      files: {
        'index.mjs':
          'export const handler = awslambda.streamifyResponse(async (event, responseStream) => { responseStream.write("streamed "); responseStream.end("body"); });',
      },
      handler: 'index.handler',
      mode: 'exec-wrapper',
      environment: { FAULTLINE_CONFIG: statusExperiment },
    });

    expect(result.outcome?.kind, result.output).toBe('response');
    expect((result.outcome as { rawBody: string }).rawBody).toBe('streamed body');
    expect(setupLines(result.output)).toEqual([
      expect.objectContaining({
        level: 'warn',
        message: expect.stringContaining('response-streaming handlers are not instrumented'),
      }),
    ]);
  });

  it('a callback-style handler is handed to the runtime as it is, which applies its own rules to it', async () => {
    const files = {
      'index.js': 'exports.handler = (event, context, callback) => callback(null, { statusCode: 200 });',
    };
    const taskRoot = await writeFunctionCode(files);
    const without = await run({ files, taskRoot, handler: 'index.handler', mode: 'no-layer' });
    const withLayer = await run({
      files,
      taskRoot,
      handler: 'index.handler',
      mode: 'exec-wrapper',
      environment: { FAULTLINE_CONFIG: statusExperiment },
    });

    // aws-lambda-ric 4 refuses callback handlers; whatever the runtime does, it does it with and without the layer.
    expect(withLayer.initError?.errorType ?? withLayer.outcome?.kind).toBe(
      without.initError?.errorType ?? without.outcome?.kind,
    );
    expect(setupLines(withLayer.output)).toEqual([
      expect.objectContaining({ level: 'warn', message: expect.stringContaining('callback-style handlers') }),
    ]);
  });
});

describe('the layer zip', () => {
  it('holds the exec wrapper as an executable and the handler under nodejs/node_modules', () => {
    expect(layer.modes['faultline-wrapper']).toBe(0o100755);
    expect(layer.modes['nodejs/node_modules/@faultline/aws-lambda-layer/handler.mjs']).toBe(0o100644);
    expect(
      layer.handlerSetting.endsWith('/nodejs/node_modules/@faultline/aws-lambda-layer/handler.handler'),
    ).toBe(true);
  });
});
