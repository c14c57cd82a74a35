import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { withFaults } from '@faultline/aws-lambda';
import { type ConfigSource, createFaultEngine, createInlineSource, type FaultEngine } from '@faultline/core';
import { build } from 'esbuild';
import { type BenchRow, type BenchSuite, createRow, measureInterleaved, medianOf } from '../harness.js';

/**
 * `@faultline/aws-lambda`: the added cost per invocation of `withFaults` when nothing fires (config cached: no
 * experiment, 10 faults that do not match, a dry-run experiment), the kill switch, the cold import of the package in
 * a fresh Node process, and the bundle sizes. The reference numbers are failure-lambda's (anchors.md): 325–690 ns
 * with all flags off, 12 µs with a flag that does not fire, +233 ms cold import, 11.8 kB bundle.
 */

const idleTargetNs = 100;
const nonFiringTargetNs = 1000;

const packageDirectory = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'packages',
  'aws-lambda',
);

/** A realistic HTTP API (payload 2.0) event and context: what the wrapper reads on its slow path. */
const event = {
  version: '2.0',
  routeKey: 'GET /orders/{id}',
  rawPath: '/orders/42',
  rawQueryString: 'expand=items',
  headers: { accept: 'application/json', 'x-tenant': 'acme', host: 'api.example.test' },
  queryStringParameters: { expand: 'items' },
  requestContext: {
    accountId: '123456789012',
    apiId: 'r3pmxmplak',
    domainName: 'r3pmxmplak.execute-api.us-east-1.amazonaws.com',
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
    timeEpoch: 1_710_028_639_000,
  },
  isBase64Encoded: false,
};
const context = {
  functionName: 'orders',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:orders:dev',
  awsRequestId: '8476a536-e9f4-11e8-9739-2dfe598c3fcd',
  getRemainingTimeInMillis: () => 3000,
};
const result = { statusCode: 200, body: '{"price":10}' };
const handler = async (_event: typeof event, _context: typeof context) => result;

const missingSource: ConfigSource = { name: 'bench:missing', load: async () => ({ kind: 'missing' }) };
const adminOnly = [{ field: 'http.path', op: 'prefix', value: '/admin' }];

function experiment(faults: object[], extra: object = {}) {
  return { schemaVersion: 1, id: 'bench-aws', faults, ...extra };
}

const scenarios = [
  {
    name: 'no experiment in the store',
    source: missingSource,
    targetNs: idleTargetNs,
    note: 'idle path: one synchronous state read, then the handler',
  },
  {
    name: '10 faults that do not match',
    source: createInlineSource(
      experiment(
        Array.from({ length: 10 }, (_, index) => ({
          id: `admin-${index}`,
          type: index % 2 === 0 ? 'latency' : 'status',
          probability: 0.5,
          ...(index % 2 === 0 ? { delayMs: 100 } : { status: 503 }),
          match: [{ field: 'http.header.x-tenant', op: 'eq', value: `tenant-${index}` }, ...adminOnly],
        })),
      ),
    ),
    targetNs: nonFiringTargetNs,
    note: 'detects the trigger, builds the invocation (headers, query, ARN), decides 10 faults, calls the handler',
  },
  {
    name: 'dry-run experiment, fault that does not match',
    source: createInlineSource(
      experiment([{ id: 'admin', type: 'status', probability: 1, status: 503, match: adminOnly }], {
        mode: 'dry-run',
      }),
    ),
    targetNs: nonFiringTargetNs,
    note: 'dry-run adds nothing when nothing would fire',
  },
] as const;

async function engineFor(source: ConfigSource): Promise<FaultEngine> {
  const engine = createFaultEngine({
    source,
    environment: {},
    logLevel: 'silent',
    cache: { ttlMs: 3_600_000 },
  });
  await engine.ready();
  return engine;
}

function runNode(args: readonly string[]): Promise<string> {
  return new Promise((resolveRun, reject) => {
    execFile(process.execPath, args, { timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${error.message}\n${stderr}`));
      else resolveRun(stdout.trim());
    });
  });
}

/** Milliseconds the child spends in `import(url)`, measured inside the fresh process. */
async function timeColdImport(url: string): Promise<number> {
  const script = `const s=performance.now();await import(${JSON.stringify(url)});process.stdout.write(String(performance.now()-s))`;
  return Number(await runNode(['--input-type=module', '-e', script]));
}

interface BundleSize {
  /** The entry chunk: what an import evaluates and parses up front. */
  readonly bytes: number;
  readonly gzipBytes: number;
  /** Entry plus the chunks only `import()` loads (YAML parser, cloud SDK glue). */
  readonly totalBytes: number;
  readonly entryFile: string;
}

/**
 * Bundles with code splitting, so lazily imported modules (`yaml`, loaded only for YAML documents) land in their
 * own chunks, as they stay separate files in the published package.
 */
async function bundle(entry: string, outdir: string): Promise<BundleSize> {
  const output = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    conditions: ['source'],
    external: ['@aws-sdk/*', '@middy/*'],
    outdir,
    entryNames: 'entry',
    write: false,
    logLevel: 'silent',
  });
  await mkdir(outdir, { recursive: true });
  let entryChunk: Uint8Array | undefined;
  let totalBytes = 0;
  for (const file of output.outputFiles) {
    await writeFile(file.path, file.contents);
    totalBytes += file.contents.byteLength;
    if (basename(file.path) === 'entry.js') entryChunk = file.contents;
  }
  if (entryChunk === undefined) throw new Error(`esbuild produced no entry chunk for ${entry}`);
  return {
    bytes: entryChunk.byteLength,
    gzipBytes: gzipSync(entryChunk).byteLength,
    totalBytes,
    entryFile: join(outdir, 'entry.js'),
  };
}

export const suite: BenchSuite = {
  name: 'aws-lambda',
  async run(benchContext) {
    const rows: BenchRow[] = [];
    const rounds = benchContext.quick ? 6 : 30;

    const killed = withFaults(handler, { environment: { FAULTLINE_DISABLED: '1' } });
    rows.push(
      createRow({
        name: 'aws-lambda: kill switch FAULTLINE_DISABLED=1 returns the handler itself',
        value: killed === handler ? 0 : 1,
        unit: 'wrappers',
        baseline: 0,
        target: { of: 'value', max: 0 },
        note: 'identity check: 0 means no wrapper at all, so the kill switch costs nothing (failure-lambda: 195 ns/call)',
      }),
    );

    for (const scenario of scenarios) {
      benchContext.log(`aws-lambda: withFaults, ${scenario.name}`);
      const engine = await engineFor(scenario.source);
      const wrapped = withFaults(handler, { engine, environment: {} });
      const measured = await measureInterleaved({
        baseline: () => handler(event, context),
        candidate: () => wrapped(event, context),
        rounds,
      });
      engine.close();
      rows.push(
        createRow({
          name: `aws-lambda: withFaults, ${scenario.name}`,
          value: measured.candidateNsPerOp,
          unit: 'ns/op',
          baseline: measured.baselineNsPerOp,
          target: { of: 'added', max: scenario.targetNs },
          note: `${scenario.note}; added ${measured.addedNsPerOp.toFixed(1)} ns/op; baseline: the bare async (event, context) handler`,
        }),
      );
    }

    const directory = await mkdtemp(join(tmpdir(), 'faultline-bench-aws-'));
    try {
      benchContext.log('aws-lambda: bundle size (esbuild, minified, AWS SDK and Middy external)');
      const sizes: Record<string, BundleSize> = {};
      for (const [label, entry] of [
        ['@faultline/aws-lambda', 'index.ts'],
        ['@faultline/aws-lambda/ssm', 'ssm/index.ts'],
        ['@faultline/aws-lambda/middy', 'middy/index.ts'],
      ] as const) {
        const size = await bundle(
          join(packageDirectory, 'src', entry),
          join(directory, `${entry.replace(/\W/g, '-')}.mjs`),
        );
        sizes[label] = size;
        rows.push(
          createRow({
            name: `aws-lambda: bundle of ${label} (with core)`,
            value: size.bytes / 1000,
            unit: 'kB',
            baseline: null,
            note: `entry chunk of esbuild --bundle --minify --splitting, ESM, @aws-sdk/* and @middy/* external, core included; ${(size.gzipBytes / 1000).toFixed(1)} kB gzipped; ${(size.totalBytes / 1000).toFixed(1)} kB with the lazily imported chunks (YAML parser) (failure-lambda: 11.8 kB, 4.3 kB gzipped)`,
          }),
        );
      }

      benchContext.log('aws-lambda: cold import in fresh processes');
      const emptyModule = join(directory, 'empty.mjs');
      await writeFile(emptyModule, 'export {};\n');
      const runs = benchContext.quick ? 10 : 15;
      const packageTimes: number[] = [];
      const emptyTimes: number[] = [];
      for (let run = 0; run < runs; run++) {
        // Interleaved, so both see the same machine state.
        emptyTimes.push(await timeColdImport(pathToFileURL(emptyModule).href));
        packageTimes.push(
          await timeColdImport(pathToFileURL((sizes['@faultline/aws-lambda'] as BundleSize).entryFile).href),
        );
      }
      rows.push(
        createRow({
          name: 'aws-lambda: cold import of @faultline/aws-lambda',
          value: medianOf(packageTimes),
          unit: 'ms',
          baseline: medianOf(emptyTimes),
          target: { of: 'added', max: 30 },
          note: `median of ${runs} fresh \`node\` processes each, import() of the entry chunk above vs an empty module; @aws-sdk/client-ssm loads only on the first SSM read (failure-lambda: +233 ms)`,
        }),
      );
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
    return rows;
  },
};
