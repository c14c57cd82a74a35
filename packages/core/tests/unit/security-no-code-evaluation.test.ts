/**
 * No config value is ever evaluated as code: no `eval`, `new Function` or `vm` anywhere in the shipped sources,
 * and a document full of JavaScript (and prototype-pollution keys) produces only inert strings.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { createFaultEngine, createInlineSource, isInjectedFault } from '@faultline/core';
import { createFaultWrapper } from '@faultline/core/adapter-kit';
import { createInMemoryAdapter, createMemorySink, immediateSleep } from '@faultline/core/testing';
import { afterEach, describe, expect, it } from 'vitest';

const packagesDirectory = join(import.meta.dirname, '..', '..', '..');
/** The demo apps are scanned too: users copy from them. */
const appsDirectory = join(packagesDirectory, '..', 'apps');

async function listSourceFiles(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && /\.(ts|js|mjs|cjs)$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Drops comments (TSDoc often *talks* about eval) and string contents are kept: a string cannot run code. */
function withoutComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

const codeEvaluation: readonly { readonly name: string; readonly pattern: RegExp }[] = [
  { name: 'eval(', pattern: /(?<![\w$.])eval\s*\(/ },
  { name: 'new Function(', pattern: /new\s+Function\s*\(/ },
  { name: 'Function( constructor call', pattern: /(?<![\w$.'"`])Function\s*\(/ },
  { name: 'the vm module', pattern: /['"](node:)?vm['"]/ },
  {
    name: 'vm.* calls',
    pattern: /(?<![\w$])vm\.(runIn\w+|Script|compileFunction|createContext|SourceTextModule)/,
  },
  { name: 'string timers', pattern: /set(Timeout|Interval|Immediate)\s*\(\s*['"`]/ },
];

const pollutionMarker = '__faultlinePolluted';

afterEach(() => {
  delete (globalThis as Record<string, unknown>).__faultlineSideEffect;
  delete (Object.prototype as Record<string, unknown>)[pollutionMarker];
});

describe('no config value is evaluated as code', () => {
  it('finds no eval, Function constructor or vm use in any package or demo app source', async () => {
    // Prepare
    const files: string[] = [];
    for (const root of [packagesDirectory, appsDirectory]) {
      const projects = (await readdir(root, { withFileTypes: true })).filter((entry) => entry.isDirectory());
      for (const entry of projects) {
        files.push(...(await listSourceFiles(join(root, entry.name, 'src')).catch(() => [])));
      }
    }

    // Act
    const findings: string[] = [];
    for (const file of files) {
      const code = withoutComments(await readFile(file, 'utf8'));
      for (const { name, pattern } of codeEvaluation) {
        if (pattern.test(code)) findings.push(`${relative(packagesDirectory, file)}: ${name}`);
      }
    }

    // Assess
    expect(files.length).toBeGreaterThan(50);
    expect(findings).toEqual([]);
  });

  it('the source scan would catch each form (so an empty result means something)', () => {
    // Prepare
    const offenders = [
      'const f = eval(text);',
      'const f = new Function("return 1");',
      'const f = Function("return 1");',
      "import { runInNewContext } from 'node:vm';",
      'vm.runInThisContext(code);',
      "setTimeout('alert(1)', 10);",
    ];

    // Act
    const caught = offenders.map((line) =>
      codeEvaluation.some(({ pattern }) => pattern.test(withoutComments(line))),
    );

    // Assess
    expect(caught).toEqual(offenders.map(() => true));
  });

  it('treats JavaScript in every string of a document as inert text', async () => {
    // Prepare: each string would have a visible side effect if anything evaluated it.
    const payload = "globalThis.__faultlineSideEffect = 'ran'";
    const template = `\${(() => { ${payload} })()}`;
    const document = {
      schemaVersion: 1,
      id: 'inert',
      description: payload,
      faults: [
        {
          id: 'error',
          type: 'exception',
          probability: 1,
          message: template,
          match: [{ field: 'http.header.x-code', op: 'eq', value: `'); ${payload}; ('` }],
        },
        {
          id: 'respond',
          type: 'status',
          status: 500,
          probability: 1,
          headers: { 'x-code': template },
          body: { constructor: payload, toString: payload, valueOf: payload },
          match: [{ field: 'http.header.x-code', op: 'eq', value: 'status' }],
        },
      ],
    };
    const sink = createMemorySink();
    const engine = createFaultEngine({
      source: createInlineSource(JSON.stringify(document)),
      onEvent: sink,
      sleep: immediateSleep,
      logLevel: 'debug',
      environment: {},
    });
    const wrapped = createFaultWrapper(createInMemoryAdapter(), async () => ({ status: 200 }), {
      engine,
      environment: {},
    });

    // Act
    let thrown: unknown;
    try {
      await wrapped({ requestId: 'r-1', headers: { 'x-code': `'); ${payload}; ('` } }, {});
    } catch (error) {
      thrown = error;
    }
    const response = await wrapped({ requestId: 'r-2', headers: { 'x-code': 'status' } }, {});
    engine.close();

    // Assess
    expect(isInjectedFault(thrown)).toBe(true);
    expect((thrown as Error).message).toBe(template);
    expect(response?.status).toBe(500);
    expect((response as { headers?: Record<string, string> } | undefined)?.headers?.['x-code']).toBe(
      template,
    );
    expect(JSON.parse((response as { body?: string } | undefined)?.body ?? '{}')).toEqual({
      constructor: payload,
      toString: payload,
      valueOf: payload,
    });
    expect((globalThis as Record<string, unknown>).__faultlineSideEffect).toBeUndefined();
  });

  it('does not let __proto__ keys in a document pollute Object.prototype', async () => {
    // Prepare
    const text = `{"schemaVersion":1,"id":"proto","__proto__":{"${pollutionMarker}":true},"faults":[{"id":"a","type":"status","status":503,"probability":1,"headers":{"__proto__":{"${pollutionMarker}":true}},"body":{"__proto__":{"${pollutionMarker}":true}}}]}`;
    const engine = createFaultEngine({
      source: createInlineSource(text),
      onEvent: () => {},
      sleep: immediateSleep,
      environment: {},
    });
    const wrapped = createFaultWrapper(createInMemoryAdapter(), async () => ({ status: 200 }), {
      engine,
      environment: {},
    });

    // Act
    await wrapped({ requestId: 'r-1' }, {});
    engine.close();

    // Assess
    expect(({} as Record<string, unknown>)[pollutionMarker]).toBeUndefined();
  });
});
