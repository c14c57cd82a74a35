// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${NAME}` placeholders are literal text in these tests.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.js';
import { createMemoryOutput } from '../../src/output.js';
import { createRunRedactor, isSecretName } from '../../src/runner/redact.js';
import { type LoopbackService, startLoopbackService } from './loopback-service.js';

/*
 * Issue 13, item 6: probe URLs carry secrets (an Azure function key in `?code=`, a SAS `sig=`, credentials in the
 * userinfo) and they landed in journal.json and report.html. Every string the run records or prints now passes
 * through one redactor.
 */

let directory: string;
let service: LoopbackService;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'faultline-run-secrets-'));
  service = await startLoopbackService({ configFile: join(directory, 'store.json') });
});

afterAll(async () => {
  await service?.close();
  await rm(directory, { recursive: true, force: true });
});

async function runFile(name: string, probeUrl: string, extra: string[], environment: Record<string, string>) {
  const file = join(directory, `${name}.yaml`);
  await writeFile(
    file,
    [
      'schemaVersion: 1',
      `id: ${name}`,
      'faults: [{ id: slow, type: latency, delayMs: 5, probability: 1 }]',
      'run:',
      '  hypothesis: orders keep succeeding',
      ...extra,
      '  targets:',
      '    - name: local',
      '      cloud: local',
      // The store the service reads: the faults must really fire, or the run is not proven (exit code 1).
      `      store: { kind: file, path: ${JSON.stringify(join(directory, 'store.json'))} }`,
      `      probe: { url: ${JSON.stringify(probeUrl)} }`,
      '  steadyState: { successRatio: { min: 0.5 }, sampleSeconds: 1 }',
      '  load: { ratePerSecond: 20, durationSeconds: 1, concurrency: 4 }',
      '  propagationWaitMs: 200',
      '  recoverySeconds: 0.2',
    ].join('\n'),
  );
  const output = createMemoryOutput();
  const out = join(directory, `${name}-report`);
  const code = await runCli(['run', file, '--out', out, '--set', `SERVICE_URL=${service.url}`], {
    output,
    environment,
    statePath: join(directory, 'state.json'),
  });
  const journal = await readFile(join(out, 'journal.json'), 'utf8');
  const report = await readFile(join(out, 'report.html'), 'utf8');
  return { code, everything: [journal, report, output.stdout, output.stderr].join('\n'), journal };
}

describe('secrets in probe URLs', () => {
  it('never reach journal.json, report.html or the output: secret query values, secret placeholders, configured names', async () => {
    // Prepare: a function key from the environment (a secret placeholder by its name), a SAS signature written
    // in the file, and a parameter the file declares secret.
    const functionKey = 'fK3y-0123456789abcdef';
    const signature = 'sAsSig-fedcba9876543210';

    // Act
    const result = await runFile(
      'query-secrets',
      `\${SERVICE_URL}/orders/o-1001?code=\${ORDERS_FUNCTION_KEY}&sig=${signature}&tenant=acme-private&page=2`,
      ['  redact: [tenant]'],
      { ORDERS_FUNCTION_KEY: functionKey },
    );

    // Assess
    expect(result.code).toBe(0);
    expect(result.everything).not.toContain(functionKey);
    expect(result.everything).not.toContain(signature);
    expect(result.everything).not.toContain('acme-private');
    expect(JSON.parse(result.journal).targets[0].probeUrl).toBe(
      `${service.url}/orders/o-1001?code=***&sig=***&tenant=***&page=2`,
    );
  });

  it('mask a secret placeholder wherever its value lands, and credentials in the userinfo', async () => {
    // Prepare: the token sits in the path, and the URL carries credentials (fetch refuses them: every probe fails
    // with an error that quotes the URL, so the errors are masked too).
    const token = 'pathT0ken-5555aaaa';
    const password = 'pa55w0rd-7777';

    // Act
    const inPath = await runFile('path-secret', `\${SERVICE_URL}/orders/\${API_TOKEN}`, [], {
      API_TOKEN: token,
    });
    const withCredentials = await runFile(
      'userinfo',
      service.url.replace('http://', `http://admin:${password}@`),
      [],
      {},
    );

    // Assess
    expect(inPath.everything).not.toContain(token);
    expect(JSON.parse(inPath.journal).targets[0].probeUrl).toBe(`${service.url}/orders/***`);
    expect(withCredentials.everything).not.toContain(password);
    expect(JSON.parse(withCredentials.journal).targets[0].probeUrl).toBe(
      service.url.replace('http://', 'http://***@'),
    );
  });
});

describe('createRunRedactor', () => {
  it('masks secret query values and userinfo in any URL inside a text, and keeps the rest as written', () => {
    const redact = createRunRedactor({ names: ['x-functions-key'] });

    expect(
      redact.text(
        'GET https://u:p@fn.example/api?code=abc&Sig=x%20y&X-Amz-Signature=1&access_token=t&x-functions-key=k&id=7#top failed',
      ),
    ).toBe(
      'GET https://***@fn.example/api?code=***&Sig=***&X-Amz-Signature=***&access_token=***&x-functions-key=***&id=7#top failed',
    );
    expect(redact.text('no url here, code=abc')).toBe('no url here, code=abc');
  });

  it('masks the values of secret placeholders, also percent-encoded, but not values too short to mean anything', () => {
    const redact = createRunRedactor({ secrets: ['a b/c+d', 'xy'] });

    expect(redact.text('value a b/c+d, encoded a%20b%2Fc%2Bd, short xy')).toBe(
      'value ***, encoded ***, short xy',
    );
  });

  it('judges names as documented: equal to a secret name, or ending in one after _, - or .', () => {
    expect(
      ['code', 'KEY', 'AZURE_FUNCTION_KEY', 'access-token', 'x.sig', 'DB_PASSWORD'].filter((name) =>
        isSecretName(name),
      ),
    ).toHaveLength(6);
    expect(
      ['monkey', 'barcode', 'AWS_DEMO_URL', 'keys', 'tokenizer'].filter((name) => isSecretName(name)),
    ).toEqual([]);
  });
});
