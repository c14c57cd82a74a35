import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { unzipSync } from 'fflate';
import { type BenchRow, type BenchSuite, createRow, measureInterleaved } from '../harness.js';
import { measureUnbundledColdImport } from '../package-cost.js';
import { idleTargetNs } from '../scenarios.js';

/**
 * The zero-code installs (issue 16) measured through their own mechanisms, next to the `withFaults` rows of each
 * adapter's suite: the Lambda layer's handler from the layer zip its build script produces (unzipped into a folder
 * that stands for /opt, wrapping a real function folder named by `FAULTLINE_HANDLER`), and
 * `@faultline/gcp-functions/auto` with the Functions Framework's real loader (`getUserFunction`) returning the
 * user's function. Configuration comes from the process's `FAULTLINE_*` variables as
 * on the platform; no variable names a store, so nothing can fire (the idle path). The Azure preload only calls
 * `installFaults(app)` on the app's own `@azure/functions` module, which the azure-functions suite measures. The
 * cold imports of the two preloads (`@faultline/gcp-functions/auto`, `@faultline/azure-functions/auto`) come from
 * the npm-installed tarballs (unbundled node_modules), as the platforms load them before the function's code; the
 * layer's handler ships bundled (esbuild, code-split) and has no cold-import row yet.
 */

const repositoryDirectory = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const execFileAsync = promisify(execFile);
/** Where the layer's handler sits in the zip and under /opt (the layer build's own layout). */
const layerPackagePath = 'nodejs/node_modules/@faultline/aws-lambda-layer';
const gcpPackageDirectory = join(repositoryDirectory, 'packages', 'gcp-functions');

/** The process environment a deployed function would have (no store: the idle path), set in this fresh process. */
function applyFunctionEnvironment(variables: Record<string, string>): void {
  for (const name of Object.keys(process.env)) {
    if (name.startsWith('FAULTLINE_')) delete process.env[name];
  }
  Object.assign(process.env, { FAULTLINE_LOG_LEVEL: 'silent', FAULTLINE_STAGE: 'dev', ...variables });
}

const lambdaEvent = {
  version: '2.0',
  routeKey: 'GET /orders/{id}',
  rawPath: '/orders/42',
  rawQueryString: 'expand=items',
  headers: { accept: 'application/json', 'x-tenant': 'acme' },
  requestContext: {
    http: {
      method: 'GET',
      path: '/orders/42',
      protocol: 'HTTP/1.1',
      sourceIp: '10.0.0.1',
      userAgent: 'bench',
    },
    requestId: 'JKJaXmPLvHcESHA=',
    routeKey: 'GET /orders/{id}',
    stage: '$default',
  },
  isBase64Encoded: false,
};
const lambdaContext = {
  functionName: 'orders',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:orders',
  awsRequestId: '8476a536-e9f4-11e8-9739-2dfe598c3fcd',
  getRemainingTimeInMillis: () => 3000,
};

const httpRequest = {
  method: 'GET',
  url: '/orders/42?verbose=1',
  headers: { 'content-type': 'application/json', 'x-tenant': 'acme' },
} as unknown as IncomingMessage;
const httpResponse = { end: () => undefined } as unknown as ServerResponse;

type Handler = (...args: never[]) => Promise<unknown>;

export const suite: BenchSuite = {
  name: 'zero-code',
  async run(context) {
    const rows: BenchRow[] = [];
    const rounds = context.quick ? 6 : 30;

    rows.push(
      ...(await context.scenario('aws-lambda layer handler, no experiment', async () => {
        context.log('zero-code: Lambda layer handler, no experiment');
        const taskRoot = await mkdtemp(join(tmpdir(), 'faultline-bench-layer-'));
        try {
          await writeFile(
            join(taskRoot, 'index.mjs'),
            'const result = { statusCode: 200, body: \'{"price":10}\' };\nexport const handler = async (_event, _context) => result;\n',
          );
          // The layer as it ships: built by its own script, unzipped where Lambda mounts it (/opt).
          const layerZip = join(taskRoot, 'layer.zip');
          await execFileAsync(
            'pnpm',
            ['--filter', '@faultline/aws-lambda', 'build:layer', '--out', layerZip],
            {
              cwd: repositoryDirectory,
            },
          );
          const optDirectory = join(taskRoot, 'opt');
          for (const [path, bytes] of Object.entries(unzipSync(await readFile(layerZip)))) {
            if (path.endsWith('/')) continue;
            await mkdir(dirname(join(optDirectory, path)), { recursive: true });
            await writeFile(join(optDirectory, path), bytes);
          }
          const layerEntry = join(optDirectory, layerPackagePath, 'handler.mjs');
          applyFunctionEnvironment({
            FAULTLINE_HANDLER: 'index.handler',
            _HANDLER: `/opt/${layerPackagePath}/handler.handler`,
            LAMBDA_TASK_ROOT: taskRoot,
            AWS_LAMBDA_FUNCTION_NAME: 'orders',
          });
          const { handler: layerHandler } = (await import(pathToFileURL(layerEntry).href)) as {
            handler: Handler;
          };
          const { handler: original } = (await import(join(taskRoot, 'index.mjs'))) as {
            handler: Handler;
          };
          if (layerHandler === original) throw new Error('the layer did not wrap the handler');
          // The first invocation loads the configuration (none): a warm instance from then on.
          await layerHandler(lambdaEvent as never, lambdaContext as never);
          const measured = await measureInterleaved({
            baseline: () => original(lambdaEvent as never, lambdaContext as never),
            candidate: () => layerHandler(lambdaEvent as never, lambdaContext as never),
            rounds,
          });
          return [
            createRow({
              name: 'zero-code: aws-lambda layer handler (FAULTLINE_HANDLER), no experiment',
              value: measured.candidateNsPerOp,
              unit: 'ns/op',
              baseline: measured.baselineNsPerOp,
              target: { of: 'added', max: idleTargetNs },
              note: `the built layer's handler.mjs wrapping index.handler (ESM, on disk), FAULTLINE_* from the environment, no store; added ${measured.addedNsPerOp.toFixed(1)} ns/op; baseline: the function's own handler; compare "aws-lambda: withFaults, no experiment in the store"`,
            }),
          ];
        } finally {
          await rm(taskRoot, { recursive: true, force: true });
        }
      })),
    );

    rows.push(
      ...(await context.scenario('gcp-functions preload, no experiment', async () => {
        context.log('zero-code: Functions Framework preload, no experiment');
        const codeLocation = await mkdtemp(join(tmpdir(), 'faultline-bench-ff-'));
        try {
          await writeFile(
            join(codeLocation, 'index.js'),
            'exports.orders = async (_request, response) => { response.end(); };\n',
          );
          applyFunctionEnvironment({ K_SERVICE: 'orders', FUNCTION_TARGET: 'orders' });
          const requireFromGcp = createRequire(join(gcpPackageDirectory, 'package.json'));
          // The package exports no subpath: its binary (main.js) sits next to the entry point (index.js).
          const frameworkMain = join(
            dirname(requireFromGcp.resolve('@google-cloud/functions-framework')),
            'main.js',
          );
          // On the platform the framework's binary is the main script; the preload checks that before hooking.
          process.argv[1] = frameworkMain;
          await import('@faultline/gcp-functions/auto');
          const loader = requireFromGcp(join(dirname(frameworkMain), 'loader.js')) as {
            getUserFunction: (
              codeLocation: string,
              target: string,
              signatureType: string,
            ) => Promise<{ userFunction: Handler } | null>;
          };
          const loaded = await loader.getUserFunction(codeLocation, 'orders', 'http');
          const original = (requireFromGcp(join(codeLocation, 'index.js')) as { orders: Handler }).orders;
          if (loaded === null || loaded.userFunction === original) {
            throw new Error('the preload did not wrap the function the framework loaded');
          }
          const wrapped = loaded.userFunction;
          await wrapped(httpRequest as never, httpResponse as never);
          const measured = await measureInterleaved({
            baseline: () => original(httpRequest as never, httpResponse as never),
            candidate: () => wrapped(httpRequest as never, httpResponse as never),
            rounds,
          });
          return [
            createRow({
              name: 'zero-code: gcp-functions preload (Functions Framework loader), no experiment',
              value: measured.candidateNsPerOp,
              unit: 'ns/op',
              baseline: measured.baselineNsPerOp,
              target: { of: 'added', max: idleTargetNs },
              note: `the function the framework's own getUserFunction returns after importing @faultline/gcp-functions/auto, FAULTLINE_* from the environment, no store; added ${measured.addedNsPerOp.toFixed(1)} ns/op; baseline: the exported function itself; compare "gcp-functions: withFaults (HTTP), no experiment in the store"`,
            }),
          ];
        } finally {
          await rm(codeLocation, { recursive: true, force: true });
        }
      })),
    );
    // The preloads load before the function's code, from node_modules as the platform installs them (no bundler).
    for (const label of ['@faultline/gcp-functions/auto', '@faultline/azure-functions/auto']) {
      rows.push(...(await measureUnbundledColdImport('zero-code', label, context)));
    }
    return rows;
  },
};
