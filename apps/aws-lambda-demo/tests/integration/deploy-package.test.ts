import { execFile } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startLambdaRuntime, startLambdaRuntimeApi } from '@faultline/testkit';
import { describe, expect, it } from 'vitest';
import { parse, type Tags } from 'yaml';
import { packageDemo } from '../../scripts/package.ts';

const run = promisify(execFile);
const demoDirectory = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** CloudFormation's short-form intrinsics (`!Ref`, `!Sub`, …) read as their long form, so the template parses. */
const intrinsicTags: Tags = [
  'Ref',
  'Sub',
  'GetAtt',
  'If',
  'Not',
  'Equals',
  'Join',
  'Select',
  'Split',
].flatMap((name) => {
  const key = name === 'Ref' ? 'Ref' : `Fn::${name}`;
  return (['scalar', 'seq', 'map'] as const).map((kind) => ({
    tag: `!${name}`,
    ...(kind === 'scalar' ? {} : { collection: kind }),
    resolve: (value: unknown) => ({ [key]: (value as { toJSON?: () => unknown }).toJSON?.() ?? value }),
  }));
}) as Tags;

interface Template {
  Globals: { Function: { Runtime: string; Handler?: string } };
  Resources: Record<string, { Type: string; Properties: Record<string, unknown>; Metadata?: unknown }>;
}

/** The Node binary for a Lambda runtime id (`nodejs24.x`): this process's when it is that major, else CI's. */
function nodeFor(runtime: string): string {
  const major = Number(/^nodejs(\d+)\.x$/.exec(runtime)?.[1]);
  if (Number(process.versions.node.split('.')[0]) === major) return process.execPath;
  const binary = process.env[`FAULTLINE_NODE${major}_BIN`];
  if (binary === undefined || binary === '') {
    throw new Error(
      `template.yaml runs on ${runtime}: set FAULTLINE_NODE${major}_BIN to a Node ${major} binary (.ci/run installs one) or run this test on Node ${major}`,
    );
  }
  return binary;
}

describe('the SAM template builds from a clean checkout', () => {
  it('points the function at the self-contained deployment folder, whose handler runs under the Lambda runtime interface client and on the template runtime', async () => {
    // Prepare: the folder the template names, built by the package script.
    const template = parse(await readFile(join(demoDirectory, 'template.yaml'), 'utf8'), {
      customTags: intrinsicTags,
    }) as Template;
    const functions = Object.values(template.Resources).filter(
      (resource) => resource.Type === 'AWS::Serverless::Function',
    );
    expect(functions).toHaveLength(1);
    const [orders] = functions as [Template['Resources'][string]];
    const codeUri = orders.Properties.CodeUri as string;
    const handlerSetting = (orders.Properties.Handler ?? template.Globals.Function.Handler) as string;
    const runtime = (orders.Properties.Runtime ?? template.Globals.Function.Runtime) as string;
    expect(runtime).toMatch(/^nodejs(22|24)\.x$/);
    // No build method that would run npm install on a manifest with workspace: ranges.
    expect(orders.Metadata).toBeUndefined();
    const directory = await packageDemo(resolve(demoDirectory, codeUri));

    // The folder sam build copies: a dependency-free manifest and the handler file.
    const manifest = JSON.parse(await readFile(join(directory, 'package.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(manifest.type).toBe('module');
    for (const field of ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies']) {
      expect(manifest[field], field).toBeUndefined();
    }
    const [file, exportName] = handlerSetting.split('.') as [string, string];
    expect((await stat(join(directory, `${file}.mjs`))).isFile()).toBe(true);

    // What every invocation runs with: the template's settings, an experiment from FAULTLINE_CONFIG that stops
    // the orders route (no network: the pricing URL is a closed port, and /healthz touches no AWS service).
    const experiment = {
      schemaVersion: 1,
      id: 'deployed',
      faults: [
        {
          id: 'orders-down',
          type: 'status',
          status: 503,
          probability: 1,
          match: [{ field: 'http.path', op: 'prefix', value: '/orders' }],
        },
      ],
    };
    const event = (path: string) => ({
      version: '2.0',
      routeKey: `GET ${path}`,
      rawPath: path,
      rawQueryString: '',
      headers: {},
      requestContext: {
        http: { method: 'GET', path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1' },
        stage: '$default',
      },
      isBase64Encoded: false,
    });
    const environment = {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_EC2_METADATA_DISABLED: 'true',
      FAULTLINE_STAGE: 'dev',
      FAULTLINE_LOG_LEVEL: 'silent',
      FAULTLINE_CONFIG: JSON.stringify(experiment),
      PRICING_URL: 'http://127.0.0.1:9',
      ORDERS_TABLE: 'faultline-demo-orders-dev',
    };

    // Act 1: the real runtime interface client (aws-lambda-ric, Node >= 22) loads the handler setting from the
    // folder as its task root and serves two invocations from a loopback Runtime API.
    const api = await startLambdaRuntimeApi('faultline-demo-orders-dev');
    const runtimeProcess = await startLambdaRuntime({
      api,
      taskRoot: directory,
      handler: handlerSetting,
      functionName: 'faultline-demo-orders-dev',
      environment,
    });
    try {
      const health = await api.invoke(event('/healthz'), { timeoutMs: 6000 });
      const orders = await api.invoke(event('/orders/o-1001'), { timeoutMs: 6000 });

      // Assess: the health check answers, and faultline (bundled in) injects on the matching route.
      expect(health, runtimeProcess.output()).toMatchObject({ kind: 'response', body: { statusCode: 200 } });
      expect(orders, runtimeProcess.output()).toMatchObject({ kind: 'response', body: { statusCode: 503 } });
    } finally {
      await runtimeProcess.stop();
      await api.close();
    }

    // Act 2: the same bundle on the Node major the template names (a fresh process, the folder as cwd).
    const script = `
      const module = await import(${JSON.stringify(join(directory, `${file}.mjs`))});
      const context = { functionName: 'faultline-demo-orders-dev', awsRequestId: 'r-1', getRemainingTimeInMillis: () => 6000 };
      const health = await module[${JSON.stringify(exportName)}](${JSON.stringify(event('/healthz'))}, context);
      const orders = await module[${JSON.stringify(exportName)}](${JSON.stringify(event('/orders/o-1001'))}, context);
      process.stdout.write('\\n' + JSON.stringify({ version: process.versions.node, health, orders }));`;
    const { stdout } = await run(nodeFor(runtime), ['--input-type=module', '-e', script], {
      cwd: directory,
      env: { PATH: process.env.PATH ?? '', LAMBDA_TASK_ROOT: directory, ...environment },
    });
    const outcome = JSON.parse(stdout.trim().split('\n').at(-1) as string) as {
      version: string;
      health: { statusCode: number };
      orders: { statusCode: number };
    };
    expect(`nodejs${outcome.version.split('.')[0]}.x`).toBe(runtime);
    expect(outcome.health.statusCode).toBe(200);
    expect(outcome.orders.statusCode).toBe(503);
  }, 600_000);
});
