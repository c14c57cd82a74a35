/*
 * Builds the faultline Lambda layer zip: `pnpm --filter @faultline/aws-lambda build:layer [--out <file.zip>]`.
 *
 *   faultline-wrapper                                        AWS_LAMBDA_EXEC_WRAPPER script (/opt/faultline-wrapper)
 *   nodejs/node_modules/@faultline/aws-lambda-layer/
 *     package.json
 *     handler.mjs, chunks/*.mjs                              the layer's handler (src/auto/layer-handler.ts), bundled
 *
 * The handler is bundled with esbuild from the sources (ESM, code-split so the engine runtime loads on first use,
 * minified). The AWS SDK is not in the layer: the Node.js runtimes ship it, and ES modules under /opt cannot resolve
 * it by `import` (the runtime's NODE_PATH only applies to `require`), so `@aws-sdk/*` imports are resolved with
 * `createRequire` at run time. Entries carry a fixed date, so the same sources give the same zip (stable asset
 * hashes in CDK and SAM).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { type Zippable, zipSync } from 'fflate';

const packageDirectory = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Where the layer's handler sits inside the zip (and under /opt on Lambda). */
export const layerPackagePath = 'nodejs/node_modules/@faultline/aws-lambda-layer';
/** The handler setting that points a function at the layer (handler-swap mode). */
export const layerHandlerSetting = `/opt/${layerPackagePath}/handler.handler`;
/** The exec wrapper's path inside the zip (`/opt/faultline-wrapper` on Lambda). */
export const layerWrapperPath = 'faultline-wrapper';

/** The default output: `packages/aws-lambda/dist-layer/faultline-aws-lambda-layer.zip`. */
export const defaultLayerZip = join(packageDirectory, 'dist-layer', 'faultline-aws-lambda-layer.zip');

/** 1980-01-01, the earliest date a zip entry can carry: reproducible output. */
const fixedDate = new Date(1980, 0, 1, 0, 0, 0);

/**
 * Makes `import('@aws-sdk/…')` a `require` through NODE_PATH (which lists the runtime's node_modules). The SDK module
 * is a CommonJS shim, so the bundler's interop gives `import()` every named export of the SDK package.
 */
const sdkThroughNodePath: Plugin = {
  name: 'faultline-aws-sdk-through-node-path',
  setup(pluginBuild) {
    const namespace = 'faultline-node-path';
    pluginBuild.onResolve({ filter: /^@aws-sdk\// }, (args) => ({ path: args.path, namespace }));
    pluginBuild.onResolve({ filter: /^faultline:node-path-require$/ }, (args) => ({
      path: args.path,
      namespace,
    }));
    pluginBuild.onLoad({ filter: /.*/, namespace }, (args) => ({
      contents:
        args.path === 'faultline:node-path-require'
          ? "import { createRequire } from 'node:module';\nexport const nodePathRequire = createRequire(import.meta.url);\n"
          : `module.exports = require('faultline:node-path-require').nodePathRequire(${JSON.stringify(args.path)});\n`,
      loader: 'js',
    }));
  },
};

/** What {@link buildLambdaLayer} wrote. */
export interface BuiltLambdaLayer {
  readonly zipFile: string;
  readonly zipBytes: number;
  /** Paths inside the zip. */
  readonly entries: readonly string[];
}

/**
 * Builds the layer zip.
 *
 * @example
 * ```ts
 * const layer = await buildLambdaLayer({ outFile: '/tmp/faultline-layer.zip' });
 * ```
 */
export async function buildLambdaLayer(
  options: { readonly outFile?: string } = {},
): Promise<BuiltLambdaLayer> {
  const outFile = resolve(options.outFile ?? defaultLayerZip);
  const manifest = JSON.parse(await readFile(join(packageDirectory, 'package.json'), 'utf8')) as {
    version: string;
    license: string;
  };
  const outdir = join(packageDirectory, 'dist-layer', 'bundle');
  const result = await build({
    entryPoints: { handler: join(packageDirectory, 'src', 'auto', 'layer-handler.ts') },
    bundle: true,
    splitting: true,
    minify: true,
    format: 'esm',
    platform: 'node',
    // Node 18 parses it, so a function on an unsupported runtime gets a clear log line instead of a syntax error.
    target: 'node18',
    conditions: ['source'],
    outdir,
    entryNames: '[name]',
    chunkNames: 'chunks/[name]-[hash]',
    outExtension: { '.js': '.mjs' },
    plugins: [sdkThroughNodePath],
    legalComments: 'none',
    write: false,
    logLevel: 'silent',
  });
  const files: Zippable = {};
  const add = (path: string, data: Uint8Array, mode = 0o644): void => {
    files[path] = [data, { level: 9, mtime: fixedDate, os: 3, attrs: ((0o100000 | mode) << 16) >>> 0 }];
  };
  add(
    `${layerPackagePath}/package.json`,
    Buffer.from(
      `${JSON.stringify(
        {
          name: '@faultline/aws-lambda-layer',
          version: manifest.version,
          description:
            "faultline's Lambda layer handler: wraps the function's handler (FAULTLINE_HANDLER) with withFaults.",
          license: manifest.license,
          type: 'module',
          private: true,
        },
        null,
        2,
      )}\n`,
    ),
  );
  for (const output of result.outputFiles) {
    add(`${layerPackagePath}/${relative(outdir, output.path)}`, output.contents);
  }
  add(layerWrapperPath, await readFile(join(packageDirectory, 'layer', 'faultline-wrapper')), 0o755);
  const zip = zipSync(files);
  await mkdir(dirname(outFile), { recursive: true });
  await writeFile(outFile, zip);
  return { zipFile: outFile, zipBytes: zip.byteLength, entries: Object.keys(files).sort() };
}

const invokedDirectly =
  process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  const outIndex = process.argv.indexOf('--out');
  const outFile = outIndex === -1 ? undefined : process.argv[outIndex + 1];
  const layer = await buildLambdaLayer(outFile === undefined ? {} : { outFile });
  console.log(`${layer.zipFile} (${(layer.zipBytes / 1024).toFixed(1)} kB, ${layer.entries.length} files)`);
}
