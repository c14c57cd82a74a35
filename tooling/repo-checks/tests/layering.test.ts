/**
 * Proves that every layering rule of `biome.json` fires: each case below writes one deliberately bad (or allowed)
 * import at a path of a scratch copy of the repository layout, lints it with the repository's own biome binary and
 * configuration, and checks which rule answered. `pnpm lint` applies the same rules to the real tree in CI.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repositoryRoot = resolve(import.meta.dirname, '../../..');

const rules = {
  coreCloud: '@faultline/core is provider-agnostic',
  coreBottom: '@faultline/core is the bottom layer',
  adapterToAdapter: 'Adapters never import each other',
  adapterForeignSdk: "An adapter imports only its own cloud's SDKs",
  adapterUpward: 'an adapter never imports the CLI or an app',
  cliUpward: 'the published CLI never imports an app or the testkit',
  testkitUpward: 'The testkit sits beside core',
  appsTestkitInternals: 'Apps never import testkit internals',
  publicEntryPoints: 'Import another package only through its public entry point',
} as const;

type Rule = keyof typeof rules;

interface Case {
  /** Where the importing file sits in the repository. */
  readonly file: string;
  readonly source: string;
  /** The rules that must answer; empty: the import is allowed. */
  readonly expected: readonly Rule[];
}

const cases: readonly Case[] = [
  // core: no cloud SDK, no Middy, nothing above it
  { file: 'packages/core/src/x.ts', source: "import '@aws-sdk/client-ssm';", expected: ['coreCloud'] },
  {
    file: 'packages/core/src/x.ts',
    source: "export const load = () => import('@google-cloud/firestore');",
    expected: ['coreCloud'],
  },
  {
    file: 'packages/core/src/x.ts',
    source: "import type { X } from '@azure/functions';",
    expected: ['coreCloud'],
  },
  { file: 'packages/core/src/x.ts', source: "import '@middy/core';", expected: ['coreCloud'] },
  {
    file: 'packages/core/tests/unit/x.test.ts',
    source: "import '@aws-sdk/client-ssm';",
    expected: ['coreCloud'],
  },
  { file: 'packages/core/src/x.ts', source: "import '@faultline/aws-lambda';", expected: ['coreBottom'] },
  { file: 'packages/core/src/x.ts', source: "export * from '@faultline/cli';", expected: ['coreBottom'] },
  { file: 'packages/core/src/x.ts', source: "import '@faultline/testkit';", expected: ['coreBottom'] },
  {
    file: 'packages/core/src/x.ts',
    source: "import '../../testkit/src/contracts/adapter-contract.js';",
    expected: ['coreBottom'],
  },
  { file: 'packages/core/src/x.ts', source: "import '@faultline/core/testing';", expected: [] },
  { file: 'packages/core/src/x.ts', source: "import 'yaml';", expected: [] },
  // core's tests run the testkit's contract suites from source (a package dependency would be a cycle)
  {
    file: 'packages/core/tests/unit/x.test.ts',
    source: "import '../../../testkit/src/contracts/adapter-contract.js';",
    expected: [],
  },
  // adapters: never each other, only their own cloud, nothing above them
  {
    file: 'packages/gcp-functions/src/x.ts',
    source: "import '@faultline/aws-lambda';",
    expected: ['adapterToAdapter'],
  },
  {
    file: 'packages/aws-lambda/src/x.ts',
    source: "import '@faultline/azure-functions/app-configuration';",
    expected: ['adapterToAdapter'],
  },
  {
    file: 'packages/azure-functions/tests/unit/x.test.ts',
    source: "import '../../../gcp-functions/src/index.js';",
    expected: ['adapterToAdapter', 'publicEntryPoints'],
  },
  {
    file: 'packages/gcp-functions/src/x.ts',
    source: "import '@aws-sdk/client-ssm';",
    expected: ['adapterForeignSdk'],
  },
  {
    file: 'packages/azure-functions/src/x.ts',
    source: "import '@middy/core';",
    expected: ['adapterForeignSdk'],
  },
  { file: 'packages/aws-lambda/src/x.ts', source: "import '@middy/core';", expected: [] },
  { file: 'packages/aws-lambda/src/x.ts', source: "import '@faultline/cli';", expected: ['adapterUpward'] },
  {
    file: 'packages/azure-functions/src/x.ts',
    source: "import '@faultline/demo-kit';",
    expected: ['adapterUpward'],
  },
  {
    file: 'packages/aws-lambda/src/x.ts',
    source: "import '@faultline/core/src/engine/fault-engine.js';",
    expected: ['publicEntryPoints'],
  },
  { file: 'packages/aws-lambda/src/x.ts', source: "import '@faultline/core';", expected: [] },
  // the CLI: adapters and core through their entry points, never apps or the testkit
  { file: 'packages/cli/src/x.ts', source: "import '@faultline/aws-lambda-demo';", expected: ['cliUpward'] },
  { file: 'packages/cli/src/commands/x.ts', source: "import '@faultline/testkit';", expected: ['cliUpward'] },
  {
    file: 'packages/cli/src/x.ts',
    source: "import '../../core/src/index.js';",
    expected: ['publicEntryPoints'],
  },
  {
    file: 'packages/cli/src/x.ts',
    source: "import '@faultline/core/dist/index.js';",
    expected: ['publicEntryPoints'],
  },
  { file: 'packages/cli/src/x.ts', source: "import '@faultline/aws-lambda/ssm';", expected: [] },
  // the dev-only demo runner and the CLI's tests drive the demo apps with the testkit
  { file: 'packages/cli/src/demo/x.ts', source: "import '@faultline/testkit';", expected: [] },
  { file: 'packages/cli/tests/integration/x.test.ts', source: "import '@faultline/testkit';", expected: [] },
  {
    file: 'packages/cli/tests/integration/x.test.ts',
    source: "import '@faultline/core/src/index.js';",
    expected: ['publicEntryPoints'],
  },
  // the testkit stays beside core
  {
    file: 'packages/testkit/src/x.ts',
    source: "import '@faultline/gcp-functions';",
    expected: ['testkitUpward'],
  },
  { file: 'packages/testkit/src/x.ts', source: "import '@faultline/core/testing';", expected: [] },
  // apps and the bench: public entry points only, never testkit internals
  {
    file: 'apps/aws-lambda-demo/src/x.ts',
    source: "import '@faultline/testkit/src/backends/moto.js';",
    expected: ['appsTestkitInternals', 'publicEntryPoints'],
  },
  {
    file: 'apps/gcp-functions-demo/tests/x.test.ts',
    source: "import '../../../packages/testkit/src/index.js';",
    expected: ['appsTestkitInternals', 'publicEntryPoints'],
  },
  {
    file: 'apps/azure-functions-demo/src/x.ts',
    source: "import '../../../packages/azure-functions/src/index.js';",
    expected: ['publicEntryPoints'],
  },
  {
    file: 'bench/src/x.ts',
    source: "import '@faultline/aws-lambda/dist/index.js';",
    expected: ['publicEntryPoints'],
  },
  { file: 'apps/aws-lambda-demo/src/x.ts', source: "import '@faultline/testkit';", expected: [] },
  { file: 'bench/src/x.ts', source: "import '@faultline/testkit/bundle';", expected: [] },
];

interface Diagnostic {
  readonly category: string;
  readonly message: string;
  readonly location: { readonly path: string };
}

let scratch: string;
let diagnostics: readonly Diagnostic[];
const fileOf = (index: number) => cases[index]!.file.replace(/(\.test)?\.ts$/, `-case-${index}$1.ts`);

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'faultline-layering-'));
  copyFileSync(join(repositoryRoot, 'biome.json'), join(scratch, 'biome.json'));
  cases.forEach((testCase, index) => {
    const path = join(scratch, fileOf(index));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `${testCase.source}\n`);
  });
  const biome = createRequire(import.meta.url).resolve('@biomejs/biome/bin/biome');
  let output: string;
  try {
    output = execFileSync(
      process.execPath,
      [biome, 'lint', '--only=style/noRestrictedImports', '--reporter=json', '--max-diagnostics=none', '.'],
      { cwd: scratch, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
  } catch (error) {
    // biome exits 1 when it reports errors: the report is still on stdout.
    output = (error as { stdout: string }).stdout;
  }
  diagnostics = (JSON.parse(output) as { diagnostics: Diagnostic[] }).diagnostics;
});

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe('the layering rules of biome.json', () => {
  it.each(cases.map((testCase, index) => [index, testCase] as const))('case %i: %o', (index, testCase) => {
    const answered = diagnostics
      .filter((diagnostic) => diagnostic.location.path === fileOf(index))
      .map((diagnostic) => {
        expect(diagnostic.category).toBe('lint/style/noRestrictedImports');
        const rule = (Object.keys(rules) as Rule[]).find((key) => diagnostic.message.includes(rules[key]));
        expect(rule, `a message no case knows: ${diagnostic.message}`).toBeDefined();
        return rule;
      });
    expect([...new Set(answered)].sort()).toEqual([...testCase.expected].sort());
  });

  it('has a case for every rule', () => {
    const covered = new Set(cases.flatMap((testCase) => testCase.expected));
    expect([...covered].sort()).toEqual(Object.keys(rules).sort());
  });
});
