import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { type ConfigSource, createFaultEngine, createInlineSource, type FaultEngine } from '@faultline/core';
import { withCloudEventFaults, withFaults } from '@faultline/gcp-functions';
import { build } from 'esbuild';
import { type BenchRow, type BenchSuite, createRow, measureInterleaved, medianOf } from '../harness.js';

/**
 * `@faultline/gcp-functions`: the added cost per invocation of `withFaults` / `withCloudEventFaults` when nothing
 * fires (calling the wrapped function directly with minimal request/response objects, as the Functions Framework
 * would), the cold import of the package in a fresh Node process, and its bundle size.
 */

const idleTargetNs = 100;
const nonFiringTargetNs = 1_000;

const packageDirectory = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'packages',
  'gcp-functions',
);

/** The smallest objects the wrapper reads on its paths: what Express hands a function, reduced to the fields used. */
const request = {
  method: 'GET',
  url: '/orders/42?verbose=1',
  headers: {
    'content-type': 'application/json',
    'x-tenant': 'acme',
    'x-cloud-trace-context': 'abc123/1;o=1',
  },
} as unknown as IncomingMessage;
const response = { end: () => undefined } as unknown as ServerResponse;
const httpHandler = async (_request: IncomingMessage, _response: ServerResponse): Promise<void> => {
  _response.end();
};
const cloudEvent = {
  id: 'event-1',
  type: 'google.cloud.pubsub.topic.v1.messagePublished',
  source: '//pubsub',
};
const eventHandler = async (_event: typeof cloudEvent): Promise<void> => undefined;

const missingSource: ConfigSource = { name: 'bench:missing', load: async () => ({ kind: 'missing' }) };
const adminOnly = [{ field: 'http.path', op: 'prefix', value: '/admin' }];

function experiment(faults: object[], extra: object = {}) {
  return { schemaVersion: 1, id: 'bench-gcp', faults, ...extra };
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
    note: 'builds the invocation from req (headers, query), decides 10 faults, calls the handler',
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

async function bundle(entry: string, outfile: string): Promise<{ bytes: number; gzipBytes: number }> {
  const result = await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    conditions: ['source'],
    // yaml is imported lazily by core, only for YAML documents; like the SDKs it is not part of the load path.
    external: ['@google-cloud/*', 'yaml'],
    write: false,
    logLevel: 'silent',
  });
  const output = result.outputFiles[0];
  if (output === undefined) throw new Error(`esbuild produced nothing for ${entry}`);
  await writeFile(outfile, output.contents);
  return { bytes: output.contents.byteLength, gzipBytes: gzipSync(output.contents).byteLength };
}

export const suite: BenchSuite = {
  name: 'gcp-functions',
  async run(context) {
    const rows: BenchRow[] = [];
    const rounds = context.quick ? 6 : 30;

    const killedHttp = withFaults(httpHandler, { environment: { FAULTLINE_DISABLED: '1' } });
    const killedEvent = withCloudEventFaults(eventHandler, { environment: { FAULTLINE_DISABLED: '1' } });
    rows.push(
      createRow({
        name: 'gcp-functions: kill switch FAULTLINE_DISABLED=1 returns the handlers themselves',
        value: (killedHttp === httpHandler ? 0 : 1) + (killedEvent === eventHandler ? 0 : 1),
        unit: 'wrappers',
        baseline: 0,
        target: { of: 'value', max: 0 },
        note: 'identity check for withFaults and withCloudEventFaults: 0 means no wrapper at all',
      }),
    );

    for (const scenario of scenarios) {
      context.log(`gcp-functions: HTTP, ${scenario.name}`);
      const engine = await engineFor(scenario.source);
      const wrapped = withFaults(httpHandler, { engine, environment: { K_SERVICE: 'orders' } });
      const result = await measureInterleaved({
        baseline: () => httpHandler(request, response),
        candidate: () => wrapped(request, response),
        rounds,
      });
      engine.close();
      rows.push(
        createRow({
          name: `gcp-functions: withFaults (HTTP), ${scenario.name}`,
          value: result.candidateNsPerOp,
          unit: 'ns/op',
          baseline: result.baselineNsPerOp,
          target: { of: 'added', max: scenario.targetNs },
          note: `${scenario.note}; added ${result.addedNsPerOp.toFixed(1)} ns/op; baseline: the bare async (req, res) handler`,
        }),
      );
    }

    {
      context.log('gcp-functions: CloudEvent, no experiment');
      const engine = await engineFor(missingSource);
      const wrapped = withCloudEventFaults(eventHandler, { engine, environment: {} });
      const result = await measureInterleaved({
        baseline: () => eventHandler(cloudEvent),
        candidate: () => wrapped(cloudEvent),
        rounds,
      });
      engine.close();
      rows.push(
        createRow({
          name: 'gcp-functions: withCloudEventFaults, no experiment in the store',
          value: result.candidateNsPerOp,
          unit: 'ns/op',
          baseline: result.baselineNsPerOp,
          target: { of: 'added', max: idleTargetNs },
          note: `added ${result.addedNsPerOp.toFixed(1)} ns/op; baseline: the bare async CloudEvent handler`,
        }),
      );
    }

    const directory = await mkdtemp(join(tmpdir(), 'faultline-bench-gcp-'));
    try {
      context.log('gcp-functions: bundle size (esbuild, minified, Google SDKs external)');
      const root = await bundle(
        join(packageDirectory, 'src', 'index.ts'),
        join(directory, 'gcp-functions.mjs'),
      );
      const firestore = await bundle(
        join(packageDirectory, 'src', 'firestore', 'index.ts'),
        join(directory, 'gcp-functions-firestore.mjs'),
      );
      rows.push(
        createRow({
          name: 'gcp-functions: bundle of @faultline/gcp-functions (with core)',
          value: root.bytes / 1000,
          unit: 'kB',
          baseline: null,
          note: `esbuild --bundle --minify, ESM, @google-cloud/* and yaml (lazy) external, core included; ${(root.gzipBytes / 1000).toFixed(1)} kB gzipped`,
        }),
        createRow({
          name: 'gcp-functions: bundle of @faultline/gcp-functions/firestore',
          value: firestore.bytes / 1000,
          unit: 'kB',
          baseline: null,
          note: `the Firestore source alone (SDK external, loaded lazily); ${(firestore.gzipBytes / 1000).toFixed(1)} kB gzipped`,
        }),
      );

      context.log('gcp-functions: cold import in fresh processes');
      const emptyModule = join(directory, 'empty.mjs');
      await writeFile(emptyModule, 'export {};\n');
      const runs = context.quick ? 10 : 15;
      const packageTimes: number[] = [];
      const emptyTimes: number[] = [];
      for (let run = 0; run < runs; run++) {
        // Interleaved, so both see the same machine state.
        emptyTimes.push(await timeColdImport(pathToFileURL(emptyModule).href));
        packageTimes.push(await timeColdImport(pathToFileURL(join(directory, 'gcp-functions.mjs')).href));
      }
      rows.push(
        createRow({
          name: 'gcp-functions: cold import of @faultline/gcp-functions',
          value: medianOf(packageTimes),
          unit: 'ms',
          baseline: medianOf(emptyTimes),
          target: { of: 'added', max: 50 },
          note: `median of ${runs} fresh \`node\` processes each, import() of the bundle above vs an empty module; no Google SDK is loaded until a Firestore source is used (failure-lambda: +233 ms)`,
        }),
      );
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
    return rows;
  },
};
