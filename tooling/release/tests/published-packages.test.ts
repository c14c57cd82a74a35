import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { promisify } from 'node:util';
import { checkPackage, createPackageFromTarballData } from '@arethetypeswrong/core';
import {
  installTarballs,
  listPackedFiles,
  type PackedPackage,
  packPublishedPackages,
  readPackedManifest,
  repositoryRoot,
} from '@faultline/testkit/packing';
import { init as initModuleLexer, parse as parseModule } from 'es-module-lexer';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);

/** Building and packing five packages takes a while on a busy 2-core machine; everything below shares one pack. */
const setupTimeoutMs = 900_000;

let workDirectory: string;
let packed: PackedPackage[];
/** A fresh npm project with every tarball installed (`npm install --offline`), no cloud SDK. */
let consumerDirectory: string;
const packedFiles = new Map<string, string[]>();
const packedManifests = new Map<string, Awaited<ReturnType<typeof readPackedManifest>>>();

beforeAll(async () => {
  workDirectory = await mkdtemp(join(tmpdir(), 'faultline-packages-'));
  packed = await packPublishedPackages({ destination: join(workDirectory, 'tarballs') });
  for (const item of packed) {
    packedFiles.set(item.name, await listPackedFiles(item.tarball));
    packedManifests.set(item.name, await readPackedManifest(item.tarball));
  }
  consumerDirectory = join(workDirectory, 'consumer');
  await mkdir(consumerDirectory, { recursive: true });
  await installTarballs({
    projectDirectory: consumerDirectory,
    tarballs: packed.map((item) => item.tarball),
  });
}, setupTimeoutMs);

afterAll(async () => {
  if (workDirectory !== undefined) await rm(workDirectory, { recursive: true, force: true });
});

/** Every `exports` subpath of a packed manifest that points at code (not `./package.json`, not JSON files). */
function codeSubpaths(manifest: { exports?: unknown }): string[] {
  return Object.entries((manifest.exports ?? {}) as Record<string, unknown>)
    .filter(([, target]) => typeof target === 'object' && target !== null)
    .map(([subpath]) => subpath);
}

/** Every string leaf of an exports map, with the condition path that leads to it. */
function exportTargets(value: unknown, path: string[] = []): { conditions: string[]; target: string }[] {
  if (typeof value === 'string') return [{ conditions: path, target: value }];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, inner]) => exportTargets(inner, [...path, key]));
}

/** The zero-code preload entry: imported for its effect (it wraps the user's handlers), it exports nothing. */
const preloadSubpath = './auto';

function specifierOf(name: string, subpath: string): string {
  return subpath === '.' ? name : `${name}/${subpath.slice(2)}`;
}

/**
 * The files an ES module loads at import, in the order they are first reached, each with the bare specifiers it
 * imports: every `import … from`, `export … from` and bare `import '…'` statement, followed through relative paths
 * and the installed packages' exports maps (`import` condition). `import()` loads later and is not followed.
 */
async function staticImportGraph(entryFile: string): Promise<Map<string, string[]>> {
  const graph = new Map<string, string[]>();
  const pending = [entryFile];
  while (pending.length > 0) {
    const file = pending.shift() as string;
    if (graph.has(file)) continue;
    const text = await readFile(file, 'utf8');
    // A lexer, not a pattern: the lazily loaded chunks ship minified. Static imports only (`d === -1`).
    await initModuleLexer;
    const specifiers = parseModule(text)[0]
      .filter((entry) => entry.d === -1 && entry.n !== undefined)
      .map((entry) => entry.n as string);
    const bare = specifiers.filter(
      (specifier) => !specifier.startsWith('.') && !specifier.startsWith('node:'),
    );
    graph.set(file, bare);
    for (const specifier of specifiers) {
      if (specifier.startsWith('node:')) continue;
      if (specifier.startsWith('.')) {
        pending.push(resolvePath(dirname(file), specifier));
        continue;
      }
      const [scope, name, ...rest] = specifier.split('/');
      const packageDirectory = join(consumerDirectory, 'node_modules', scope as string, name as string);
      const manifest = JSON.parse(await readFile(join(packageDirectory, 'package.json'), 'utf8')) as {
        exports: Record<string, { import: { default: string } }>;
      };
      const target = manifest.exports[rest.length === 0 ? '.' : `./${rest.join('/')}`];
      if (target === undefined) throw new Error(`${specifier}: not in the exports map of ${scope}/${name}`);
      pending.push(join(packageDirectory, target.import.default));
    }
  }
  return graph;
}

describe('what pnpm pack puts in each published package', () => {
  it('packs the five public packages at one version (a fixed changesets group)', () => {
    expect(packed.map((item) => item.name)).toEqual([
      '@faultline/core',
      '@faultline/aws-lambda',
      '@faultline/gcp-functions',
      '@faultline/azure-functions',
      '@faultline/cli',
    ]);
    expect(new Set(packed.map((item) => item.version)).size).toBe(1);
  });

  it('carries the license, the repository metadata and the tested Node range', async () => {
    const rootManifest = JSON.parse(await readFile(join(repositoryRoot, 'package.json'), 'utf8'));
    for (const item of packed) {
      const manifest = packedManifests.get(item.name) as Record<string, unknown>;
      expect(manifest.license, item.name).toBe('Apache-2.0');
      expect(manifest.repository, item.name).toEqual({
        type: 'git',
        url: (rootManifest.repository as { url: string }).url,
        directory: `packages/${item.name.slice('@faultline/'.length)}`,
      });
      expect(manifest.homepage, item.name).toMatch(/^https:\/\//);
      expect((manifest.bugs as { url?: string } | undefined)?.url, item.name).toMatch(
        /^https:\/\/.+\/issues$/,
      );
      expect((manifest.keywords as string[]).length, item.name).toBeGreaterThanOrEqual(5);
      expect(manifest.engines, item.name).toEqual(rootManifest.engines);
      // Only a zero-code preload (`./auto`) runs code on import; every other module is side-effect free.
      if (Array.isArray(manifest.sideEffects)) {
        const preloadFiles = exportTargets((manifest.exports as Record<string, unknown>)[preloadSubpath]).map(
          (leaf) => leaf.target,
        );
        expect(
          preloadFiles.length,
          `${item.name} lists sideEffects without a ${preloadSubpath} entry`,
        ).toBeGreaterThan(0);
        for (const file of manifest.sideEffects as string[]) {
          expect(
            preloadFiles.includes(file) || file === `./src/${preloadSubpath.slice(2)}/preload.ts`,
            `${item.name} sideEffects ${file}`,
          ).toBe(true);
        }
        for (const file of preloadFiles.filter((target) => /\.[cm]js$/.test(target))) {
          expect(manifest.sideEffects, `${item.name} sideEffects`).toContain(file);
        }
      } else {
        expect(manifest.sideEffects, item.name).toBe(false);
      }
    }
  });

  it('ships LICENSE (the root one), README.md, the built files and nothing from src/ or tests/', async () => {
    const license = await readFile(join(repositoryRoot, 'LICENSE'), 'utf8');
    expect(license).toContain('Apache License');
    for (const item of packed) {
      const files = packedFiles.get(item.name) as string[];
      expect(files, item.name).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json']));
      const { stdout } = await run('tar', ['-xzOf', item.tarball, 'package/LICENSE']);
      expect(stdout, `${item.name} LICENSE`).toBe(license);
      const unexpected = files.filter(
        (file) =>
          !/^(LICENSE|README\.md|CHANGELOG\.md|package\.json)$/.test(file) &&
          !file.startsWith('dist/') &&
          !(item.name === '@faultline/core' && file.startsWith('schema/')),
      );
      expect(unexpected, item.name).toEqual([]);
    }
  });

  it('publishes no `source` condition and no workspace: range', () => {
    for (const item of packed) {
      const manifest = packedManifests.get(item.name) as Record<string, unknown>;
      const conditions = exportTargets(manifest.exports).flatMap((target) => target.conditions);
      expect(conditions, item.name).not.toContain('source');
      for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
        for (const [dependency, range] of Object.entries((manifest[field] ?? {}) as Record<string, string>)) {
          expect(range, `${item.name} ${field}.${dependency}`).not.toMatch(/^workspace:/);
        }
      }
      // Internal dependencies pin the exact version released together (a fixed group).
      for (const [dependency, range] of Object.entries(
        (manifest.dependencies ?? {}) as Record<string, string>,
      )) {
        if (dependency.startsWith('@faultline/'))
          expect(range, `${item.name} → ${dependency}`).toBe(item.version);
      }
    }
  });

  it('ships every file the manifest points to (exports, main, module, types, typesVersions, bin)', () => {
    for (const item of packed) {
      const manifest = packedManifests.get(item.name) as Record<string, unknown>;
      const files = new Set(packedFiles.get(item.name));
      const targets = [
        ...exportTargets(manifest.exports).map((target) => target.target),
        ...(['main', 'module', 'types'] as const).flatMap((field) =>
          typeof manifest[field] === 'string' ? [manifest[field] as string] : [],
        ),
        ...Object.values(
          ((manifest.typesVersions ?? {}) as Record<string, Record<string, string[]>>)['*'] ?? {},
        ).flat(),
        ...Object.values((manifest.bin ?? {}) as Record<string, string>),
      ];
      expect(targets.length, item.name).toBeGreaterThan(3);
      for (const target of targets)
        expect(files.has(target.replace(/^\.\//, '')), `${item.name}: ${target}`).toBe(true);
    }
  });

  it('ships source maps that resolve: every source is inlined (sourcesContent) or in the package', async () => {
    for (const item of packed) {
      const files = packedFiles.get(item.name) as string[];
      const maps = files.filter((file) => file.endsWith('.map'));
      expect(maps.length, item.name).toBeGreaterThan(0);
      for (const file of files.filter((name) => /\.(mjs|cjs)$/.test(name))) {
        const { stdout } = await run('tar', ['-xzOf', item.tarball, `package/${file}`], {
          maxBuffer: 32 * 1024 * 1024,
        });
        const reference = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(stdout)?.[1];
        if (reference !== undefined) {
          expect(files, `${item.name}: ${file} → ${reference}`).toContain(join(file, '..', reference));
        }
      }
      for (const file of maps) {
        const { stdout } = await run('tar', ['-xzOf', item.tarball, `package/${file}`], {
          maxBuffer: 32 * 1024 * 1024,
        });
        const map = JSON.parse(stdout) as { sources: string[]; sourcesContent?: (string | null)[] };
        map.sources.forEach((source, index) => {
          const inlined = typeof map.sourcesContent?.[index] === 'string';
          const shipped = files.includes(join(file, '..', source));
          expect(inlined || shipped, `${item.name}: ${file} source ${source}`).toBe(true);
        });
      }
    }
  });
});

describe('publint and arethetypeswrong on the packed tarballs', () => {
  it('publint reports nothing, suggestions included', async () => {
    for (const item of packed) {
      const tarball = await readFile(item.tarball);
      const { messages, pkg } = await publint({
        pack: { tarball: tarball.buffer.slice(tarball.byteOffset, tarball.byteOffset + tarball.byteLength) },
        level: 'suggestion',
        strict: true,
      });
      expect(
        messages.map((message) => `${message.type}: ${formatMessage(message, pkg) ?? message.code}`),
        item.name,
      ).toEqual([]);
    }
  });

  it('arethetypeswrong finds no problem under node10, node16 (ESM and CommonJS) and bundler resolution', async () => {
    for (const item of packed) {
      const result = await checkPackage(
        createPackageFromTarballData(new Uint8Array(await readFile(item.tarball))),
      );
      expect(result.types, item.name).not.toBe(false);
      if (result.types === false) continue;
      expect(
        result.problems.map((problem) => JSON.stringify(problem)),
        item.name,
      ).toEqual([]);
      // Every entry point resolved under every mode, to types.
      for (const [subpath, entrypoint] of Object.entries(result.entrypoints)) {
        if (subpath.endsWith('.json')) continue;
        for (const [mode, resolution] of Object.entries(entrypoint.resolutions)) {
          expect(resolution.resolution?.fileName, `${item.name} ${subpath} under ${mode}`).toMatch(
            /\.d\.[cm]?ts$/,
          );
        }
      }
    }
  });
});

describe('a user project that installed the tarballs with npm', () => {
  it('imports (ESM) and requires (CommonJS) every entry point, with the same exports', async () => {
    const specifiers = packed.flatMap((item) =>
      codeSubpaths(packedManifests.get(item.name) as { exports?: unknown }).map((subpath) =>
        specifierOf(item.name, subpath),
      ),
    );
    expect(specifiers.length).toBeGreaterThanOrEqual(11);
    const script = `
      const specifiers = ${JSON.stringify(specifiers)};
      const out = {};
      for (const specifier of specifiers) {
        const imported = Object.keys(await import(specifier)).filter((key) => key !== 'default' && key !== 'module.exports').sort();
        const required = Object.keys(require(specifier)).sort();
        out[specifier] = { imported, required };
      }
      process.stdout.write(JSON.stringify(out));`;
    await writeFile(
      join(consumerDirectory, 'surfaces.mjs'),
      `import { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);\n${script}`,
    );
    const { stdout } = await run(process.execPath, ['surfaces.mjs'], { cwd: consumerDirectory });
    const surfaces = JSON.parse(stdout) as Record<string, { imported: string[]; required: string[] }>;
    for (const [specifier, { imported, required }] of Object.entries(surfaces)) {
      if (specifier.endsWith(preloadSubpath.slice(1))) expect(imported, specifier).toEqual([]);
      else expect(imported.length, specifier).toBeGreaterThan(0);
      expect(required, specifier).toEqual(imported);
    }
  });

  it('loads few files on an unbundled cold import: one chunk per package, one resolution of @faultline/core', async () => {
    // Node's ESM loader pays for every file (~0.5 ms in a fresh Node 20 process) and for every bare specifier it
    // resolves through an exports map from another file (~0.9 ms): the build groups what an adapter's main entry
    // loads at import into one chunk per package (tsdown.shared.ts, `coldStartEntry`).
    for (const adapter of ['aws-lambda', 'gcp-functions', 'azure-functions']) {
      const entry = join(consumerDirectory, 'node_modules', '@faultline', adapter, 'dist', 'index.mjs');
      const graph = await staticImportGraph(entry);
      const files = [...graph.keys()];
      expect(
        files.map((file) => file.slice(file.indexOf('@faultline/'))),
        adapter,
      ).toEqual([
        `@faultline/${adapter}/dist/index.mjs`,
        `@faultline/${adapter}/dist/index-eager.mjs`,
        '@faultline/core/dist/adapter-kit.mjs',
        '@faultline/core/dist/adapter-kit-eager.mjs',
      ]);
      const resolvingCore = files.filter((file) => graph.get(file)?.includes('@faultline/core/adapter-kit'));
      expect(resolvingCore, adapter).toHaveLength(1);
    }
  });

  it('loads no Node builtin on an unbundled cold import that an empty module does not load', async () => {
    // Each builtin a chunk imports costs a cold import its own compilation (`node:module` alone, hoisted into the
    // GCP chunk by the bundler, cost about 0.5 ms).
    await writeFile(join(consumerDirectory, 'empty.mjs'), 'export {};\n');
    for (const adapter of ['aws-lambda', 'gcp-functions', 'azure-functions']) {
      const { stdout } = await run(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          // The list is taken before `process.stdout` is touched: its first use loads Node's stream modules.
          `await import('./empty.mjs');const before=new Set(process.moduleLoadList);await import('@faultline/${adapter}');const added=process.moduleLoadList.filter((name)=>!before.has(name));process.stdout.write(JSON.stringify(added))`,
        ],
        { cwd: consumerDirectory },
      );
      expect(JSON.parse(stdout), adapter).toEqual([]);
    }
  });

  it('loads the engine runtime and the experiment pipeline in one chunk each, on the first invocation', async () => {
    const core = join(consumerDirectory, 'node_modules', '@faultline', 'core', 'dist');
    const coldStart = new Set((await staticImportGraph(join(core, 'adapter-kit.mjs'))).keys());
    const newFiles = async (file: string) =>
      [...(await staticImportGraph(join(core, file))).keys()]
        .filter((loaded) => !coldStart.has(loaded))
        .map((loaded) => loaded.slice(core.length + 1));
    const runtime = await newFiles('fault-runtime-chunk.mjs');
    // The bundler's namespace helpers are copied into the lazy chunks (no `rolldown-runtime.mjs` of their own).
    expect(runtime).toEqual(['fault-runtime-chunk.mjs', 'interception-scope-chunk.mjs']);
    const pipeline = (await newFiles('document-pipeline-chunk.mjs')).filter(
      (file) => !runtime.includes(file),
    );
    // The network interceptors load with the first experiment that has a blackhole or dependency fault: with
    // `import()` of the interception entry, never statically.
    expect(pipeline).toEqual(['document-pipeline-chunk.mjs']);
    const pipelineSource = await readFile(join(core, 'document-pipeline-chunk.mjs'), 'utf8');
    expect(pipelineSource).toMatch(/import\((["`])\.\/interception\.mjs\1\)/);
    // The interceptors' own entry (imported at load by @faultline/aws-lambda/aws-sdk) loads no engine runtime.
    expect(await newFiles('interception.mjs')).toEqual([
      'interception.mjs',
      'interception-scope-chunk.mjs',
      'interception-chunk.mjs',
    ]);
  });

  /** Runs a script of the consumer project with `experiment` as its inline config; resolves to its stdout. */
  async function runWithExperiment(script: string, experiment: object): Promise<string> {
    const { stdout } = await run(process.execPath, [script], {
      cwd: consumerDirectory,
      env: {
        ...process.env,
        FAULTLINE_CONFIG: JSON.stringify(experiment),
        FAULTLINE_STAGE: 'test',
        FAULTLINE_LOG_LEVEL: 'silent',
      },
    });
    return stdout;
  }

  it('loads node:crypto never and node:dns only for an experiment with a network fault, on the first invocation', async () => {
    // What a cold instance's first invocation loads beyond the adapter: no hash library (content versions are
    // hashed in JavaScript) and no DNS or socket interceptors unless a blackhole or dependency fault needs them.
    await writeFile(
      join(consumerDirectory, 'first-invocation.mjs'),
      `await import('node:http');
const before = new Set(process.moduleLoadList);
const { withFaults } = await import('@faultline/aws-lambda');
const handler = withFaults(async () => ({ statusCode: 200 }));
const event = { version: '2.0', routeKey: 'GET /orders', rawPath: '/orders', headers: {}, requestContext: { http: { method: 'GET', path: '/orders' } } };
const result = await handler(event, { awsRequestId: 'r-1', functionName: 'orders', getRemainingTimeInMillis: () => 3000 });
const loaded = process.moduleLoadList.filter((name) => !before.has(name) && name.startsWith('NativeModule '));
process.stdout.write(JSON.stringify({ statusCode: result.statusCode, loaded }));
`,
    );
    const firstInvocation = async (fault: Record<string, unknown>) => {
      const experiment = {
        schemaVersion: 1,
        id: 'first-invocation',
        faults: [{ id: 'f', probability: 1, ...fault }],
      };
      const stdout = await runWithExperiment('first-invocation.mjs', experiment);
      return JSON.parse(stdout) as { statusCode: number; loaded: string[] };
    };
    const status = await firstInvocation({ type: 'status', status: 503 });
    expect(status.statusCode).toBe(503);
    expect(status.loaded).not.toContain('NativeModule crypto');
    expect(status.loaded).not.toContain('NativeModule dns');
    const blackhole = await firstInvocation({ type: 'blackhole', hosts: ['db.internal'] });
    expect(blackhole.statusCode).toBe(200);
    expect(blackhole.loaded).toContain('NativeModule dns');
    expect(blackhole.loaded).not.toContain('NativeModule crypto');
  });

  it('injects a fault from a CommonJS handler on this Node, loading the engine runtime lazily', async () => {
    await writeFile(
      join(consumerDirectory, 'handler.cjs'),
      `const { withFaults } = require('@faultline/aws-lambda');
const handler = withFaults(async () => ({ statusCode: 200, body: 'ok' }));
const event = { version: '2.0', routeKey: 'GET /orders', rawPath: '/orders', headers: {}, requestContext: { http: { method: 'GET', path: '/orders' } } };
handler(event, { awsRequestId: 'r-1', functionName: 'orders', getRemainingTimeInMillis: () => 3000 })
  .then((result) => process.stdout.write(JSON.stringify(result)));
`,
    );
    const experiment = {
      schemaVersion: 1,
      id: 'cjs-consumer',
      faults: [{ id: 'down', type: 'status', status: 503, probability: 1 }],
    };
    const stdout = await runWithExperiment('handler.cjs', experiment);
    expect(JSON.parse(stdout.slice(stdout.indexOf('{"statusCode"')))).toMatchObject({ statusCode: 503 });
  });

  it('runs the CLI without any cloud SDK, and a store whose SDK is missing says what to install', async () => {
    const bin = join(consumerDirectory, 'node_modules', '.bin', 'faultline');
    const experimentFile = join(consumerDirectory, 'experiment.json');
    await writeFile(experimentFile, JSON.stringify({ schemaVersion: 1, id: 'cli-consumer', faults: [] }));
    await run(process.execPath, [bin, 'validate', experimentFile], { cwd: consumerDirectory });
    for (const [store, sdk] of [
      ['aws-ssm:/faultline/orders', '@aws-sdk/client-ssm'],
      ['gcp-firestore:faultline/orders', '@google-cloud/firestore'],
    ] as const) {
      const failure = await run(process.execPath, [bin, 'status', '--to', store], {
        cwd: consumerDirectory,
      }).then(
        () => undefined,
        (error: { code?: number; stdout?: string; stderr?: string }) => error,
      );
      expect(failure, `${store} must fail without ${sdk}`).toBeDefined();
      expect(`${failure?.stdout}${failure?.stderr}`, store).toContain(
        `this store needs ${sdk}, an optional peer dependency of @faultline/cli that is not installed`,
      );
      expect(`${failure?.stdout}${failure?.stderr}`, store).toContain(`npm install ${sdk}`);
    }
  });

  describe('TypeScript resolves the types', () => {
    const tsc = join(repositoryRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    const typeRoots = [join(repositoryRoot, 'node_modules', '@types')];

    /** One import per entry point plus typed use of the main wrappers: an `any` type would fail the expect-errors. */
    function consumerSource(kind: 'esm' | 'cjs'): string {
      const imports = packed.flatMap((item) =>
        codeSubpaths(packedManifests.get(item.name) as { exports?: unknown }).map(
          (subpath, index) =>
            `import * as ${item.name.slice('@faultline/'.length).replace(/-/g, '_')}_${index} from '${specifierOf(item.name, subpath)}';`,
        ),
      );
      return `${imports.join('\n')}
import { withFaults as withLambdaFaults } from '@faultline/aws-lambda';
import { validateExperiment } from '@faultline/core';

export const handler = withLambdaFaults(async () => ({ statusCode: 200, body: '${kind}' }));
const result = validateExperiment({ schemaVersion: 1, id: 'typed', faults: [] });
export const valid: boolean = result.ok;
// @ts-expect-error withFaults takes a handler function, not a number: the types are real, not any.
withLambdaFaults(42);
export const all = [${packed
        .flatMap((item) =>
          codeSubpaths(packedManifests.get(item.name) as { exports?: unknown }).map(
            (_, index) => `${item.name.slice('@faultline/'.length).replace(/-/g, '_')}_${index}`,
          ),
        )
        .join(', ')}];
`;
    }

    async function compile(
      name: string,
      compilerOptions: Record<string, unknown>,
      files: Record<string, string>,
    ) {
      const directory = join(consumerDirectory, `types-${name}`);
      await mkdir(directory, { recursive: true });
      for (const [file, text] of Object.entries(files)) await writeFile(join(directory, file), text);
      await writeFile(
        join(directory, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            strict: true,
            noEmit: true,
            target: 'ES2022',
            lib: ['ES2023'],
            types: ['node'],
            typeRoots,
            // Peer SDK types (aws-lambda, @azure/functions, …) are the user's; resolution of ours is what is checked.
            skipLibCheck: true,
            ...compilerOptions,
          },
          files: Object.keys(files),
        }),
      );
      const outcome = await run(process.execPath, [tsc, '-p', join(directory, 'tsconfig.json')], {
        cwd: directory,
      }).then(
        () => '',
        (error: { stdout?: string; stderr?: string }) => `${error.stdout ?? ''}${error.stderr ?? ''}`,
      );
      expect(outcome, name).toBe('');
    }

    it('under moduleResolution node10 (module commonjs), through main/types and typesVersions', async () => {
      await compile(
        'node10',
        { module: 'commonjs', moduleResolution: 'node10', esModuleInterop: true },
        {
          'index.ts': consumerSource('cjs'),
        },
      );
    }, 120_000);

    it('under nodenext, from an ES module and from a CommonJS module', async () => {
      await compile(
        'nodenext',
        { module: 'nodenext', moduleResolution: 'nodenext' },
        {
          'esm.mts': consumerSource('esm'),
          'cjs.cts': consumerSource('cjs'),
        },
      );
    }, 120_000);

    it('under moduleResolution bundler', async () => {
      await compile(
        'bundler',
        { module: 'preserve', moduleResolution: 'bundler' },
        { 'index.ts': consumerSource('esm') },
      );
    }, 120_000);
  });
});
