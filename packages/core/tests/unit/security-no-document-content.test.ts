import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInMemoryAdapter, type InMemoryRequest } from '@faultline/core/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { stringify as toYaml } from 'yaml';
import { createFaultWrapper } from '../../src/adapter-kit.js';
import {
  type ConfigSource,
  createEnvironmentSource,
  createFaultEngine,
  createFileSource,
  isInjectedFault,
} from '../../src/index.js';

/*
 * Issue 13, item 2: a config source pointed at the wrong value (a SecureString, a connection string) or a
 * document with a secret in it must never print that content. Runtime events, log lines and errors carry
 * positions and kinds only. The property: whatever the document and wherever a marker string sits in it (inside
 * quotes, next to backslashes, as a key, as a value of the wrong type, as a number), nothing the function logs or
 * throws contains the marker.
 *
 * Ids (experiment and fault ids) are names: they appear in events by design, so the marker never stands in for
 * one. Values a fault delivers on purpose (an exception's message, a response body) are not placed either: they
 * reach the caller, not the logs.
 */

/** Letters and digits, prefixed so it cannot occur in any message by chance. */
const markerArbitrary = fc.stringMatching(/^[A-Za-z0-9]{12}$/).map((random) => `Zq${random}`);
/** Characters that break naive quote-based masking, around the marker. */
const edgeArbitrary = fc.constantFrom(
  '',
  '"',
  "'",
  '\\',
  '\\"',
  '"]',
  '[',
  '{',
  '}',
  ':',
  ': ',
  '\n',
  '#',
  '`',
  '${',
  ' ',
);
const secretArbitrary = fc
  .tuple(edgeArbitrary, markerArbitrary, edgeArbitrary)
  .map(([before, marker, after]) => ({ marker, secret: `${before}p@ss${marker}w0rd${after}` }));
/** A numeric secret (a PIN, an account number): nine digits, never produced by anything else here. */
const numericMarkerArbitrary = fc.integer({ min: 900_000_000, max: 999_999_999 });

const validFault = { id: 'slow', type: 'latency', probability: 1, delayMs: 1 };
const baseDocument = () => ({
  schemaVersion: 1,
  id: 'orders',
  faults: [{ ...validFault }, { id: 'broken', type: 'status', probability: 1, status: 503 }],
});

type Placement = (secret: string) => unknown;

/** Where a string secret can sit in a document: everywhere but ids and delivered values. */
const stringPlacements: readonly Placement[] = [
  (secret) => secret,
  (secret) => ({ ...baseDocument(), schemaVersion: secret }),
  (secret) => ({ ...baseDocument(), description: secret }),
  (secret) => ({ ...baseDocument(), description: secret.padEnd(5_000, 'x') }),
  (secret) => ({ ...baseDocument(), enabled: secret }),
  (secret) => ({ ...baseDocument(), window: { start: secret } }),
  (secret) => ({ ...baseDocument(), guard: { productionStages: [secret] } }),
  (secret) => ({ ...baseDocument(), [secret]: 1 }),
  (secret) => ({ ...baseDocument(), extra: secret }),
  (secret) => ({ ...baseDocument(), faults: secret }),
  (secret) => ({ ...baseDocument(), faults: [{ ...validFault, type: secret }] }),
  (secret) => ({ ...baseDocument(), faults: [{ ...validFault, probability: secret }] }),
  (secret) => ({ ...baseDocument(), faults: [{ ...validFault, delayMs: secret }] }),
  (secret) => ({ ...baseDocument(), faults: [{ ...validFault, [secret]: secret }] }),
  (secret) => ({ ...baseDocument(), faults: [{ ...validFault, sampleBy: secret }] }),
  (secret) => ({
    ...baseDocument(),
    faults: [{ ...validFault, match: [{ field: 'http.path', op: 'glob', value: secret }] }],
  }),
  (secret) => ({
    ...baseDocument(),
    faults: [{ ...validFault, match: [{ field: `http.header.${secret}`, op: 'eq', value: 'x' }] }],
  }),
  (secret) => ({
    ...baseDocument(),
    faults: [{ ...validFault, match: [{ field: 'http.path', op: secret, value: 'x' }] }],
  }),
  (secret) => ({
    ...baseDocument(),
    faults: [{ ...validFault, match: [{ field: 'http.path', op: 'eq', value: 'x', [secret]: true }] }],
  }),
  (secret) => ({
    ...baseDocument(),
    faults: [{ id: 'env', type: 'config', probability: 1, env: { [secret]: 'x' } }],
  }),
  (secret) => ({
    ...baseDocument(),
    faults: [{ id: 'hdr', type: 'status', probability: 1, status: 503, headers: { [secret]: 7 } }],
  }),
  (secret) => ({
    ...baseDocument(),
    faults: [{ id: 'bad', type: 'corrupt', probability: 1, mode: secret }],
  }),
  (secret) => ({ ...baseDocument(), run: { targets: secret } }),
];

/** Where a numeric secret can sit: numbers of the wrong size or in the wrong place. */
const numberPlacements: readonly ((secret: number) => unknown)[] = [
  (secret) => secret,
  (secret) => ({ ...baseDocument(), schemaVersion: secret }),
  (secret) => ({ ...baseDocument(), faults: [{ ...validFault, probability: secret }] }),
  (secret) => ({ ...baseDocument(), faults: [{ ...validFault, delayMs: -secret }] }),
  (secret) => ({ ...baseDocument(), faults: [{ ...validFault, delayMs: secret + 0.5 }] }),
  (secret) => ({ ...baseDocument(), faults: [{ id: 's', type: 'status', probability: 1, status: secret }] }),
  (secret) => ({
    ...baseDocument(),
    faults: [{ ...validFault, delayMs: undefined, minDelayMs: secret % 900_000, maxDelayMs: 1 }],
  }),
  (secret) => ({ ...baseDocument(), enabled: secret }),
  (secret) => ({
    ...baseDocument(),
    faults: [{ ...validFault, match: [{ field: 'http.path', op: 'in', value: secret }] }],
  }),
];

/** How a store hands the document over: as an object (Firestore), or as text of several shapes. */
const deliveries = ['object', 'json', 'yaml', 'json-cut', 'json-unquoted'] as const;
type Delivery = (typeof deliveries)[number];

function deliver(document: unknown, delivery: Delivery, secret: string): string | object {
  switch (delivery) {
    case 'object':
      return typeof document === 'object' && document !== null ? document : JSON.stringify(document);
    case 'json':
      return JSON.stringify(document);
    case 'yaml':
      return toYaml(document);
    case 'json-cut': {
      // Broken JSON that stops right after the secret (an unterminated string, an unclosed object).
      const text = JSON.stringify(document);
      const at = text.indexOf(secret.slice(0, 6));
      return at === -1 ? `{"note": "${secret}` : text.slice(0, at + secret.length);
    }
    case 'json-unquoted':
      return `{"schemaVersion": 1, "id": "orders", "faults": [], "note": ${secret}}`;
  }
}

/** The ways a function reads a document: a store handing it over, a file, an environment variable. */
const readers = ['store', 'file.json', 'file', 'file.yaml', 'env'] as const;
type Reader = (typeof readers)[number];

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'faultline-no-content-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

let runs = 0;

/** Reads `document` the way `reader` says, invokes twice, and returns every line logged and error thrown. */
async function everythingPrinted(document: string | object, reader: Reader): Promise<string[]> {
  const printed: string[] = [];
  const capture = (...parts: unknown[]) => {
    printed.push(parts.map((part) => (typeof part === 'string' ? part : safeJson(part))).join(' '));
  };
  const spies = [
    vi.spyOn(console, 'log').mockImplementation(capture),
    vi.spyOn(console, 'info').mockImplementation(capture),
    vi.spyOn(console, 'warn').mockImplementation(capture),
    vi.spyOn(console, 'error').mockImplementation(capture),
    vi.spyOn(console, 'debug').mockImplementation(capture),
  ];
  runs++;
  let source: ConfigSource;
  const text = typeof document === 'string' ? document : JSON.stringify(document);
  if (reader === 'store') {
    source = { name: 'store', load: async () => ({ kind: 'document', document, version: String(runs) }) };
  } else if (reader === 'env') {
    source = createEnvironmentSource({
      variable: 'FAULTLINE_CONFIG',
      environment: { FAULTLINE_CONFIG: text },
    });
  } else {
    const path = join(directory, `experiment-${runs}${reader.slice(4)}`);
    await writeFile(path, text);
    source = createFileSource(path);
  }
  // The default sink: events become JSON lines on the console, as in a real function.
  const engine = createFaultEngine({ source, logLevel: 'debug', environment: {} });
  const wrapped = createFaultWrapper(createInMemoryAdapter(), async () => ({ status: 200, body: 'ok' }), {
    engine,
    environment: {},
  });
  try {
    for (let index = 0; index < 2; index++) {
      const request: InMemoryRequest = { requestId: `r${index}`, trigger: 'http', method: 'GET', path: '/' };
      try {
        await wrapped(request, { stage: 'dev' });
      } catch (error) {
        if (!isInjectedFault(error)) printed.push(`escaped: ${describeThrown(error)}`);
        else printed.push(describeThrown(error));
      }
    }
    await engine.refresh().catch((error: unknown) => printed.push(describeThrown(error)));
  } finally {
    engine.close();
    for (const spy of spies) spy.mockRestore();
  }
  return printed;
}

function describeThrown(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== undefined && current !== null; depth++) {
    parts.push(current instanceof Error ? `${current.message}\n${current.stack ?? ''}` : String(current));
    current = (current as { cause?: unknown }).cause;
  }
  return parts.join('\ncaused by: ');
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

describe('no document content in what a function logs or throws', () => {
  it('never prints a marker string, wherever it sits in the document and however the document arrives', async () => {
    await fc.assert(
      fc.asyncProperty(
        secretArbitrary,
        fc.integer({ min: 0, max: stringPlacements.length - 1 }),
        fc.constantFrom(...deliveries),
        fc.constantFrom(...readers),
        async ({ marker, secret }, placement, delivery, reader) => {
          const document = deliver((stringPlacements[placement] as Placement)(secret), delivery, secret);
          const printed = await everythingPrinted(document, reader);

          expect(printed.length).toBeGreaterThan(0);
          expect(printed.filter((line) => line.includes(marker))).toEqual([]);
          expect(printed.filter((line) => line.startsWith('escaped:'))).toEqual([]);
        },
      ),
      { numRuns: 400 },
    );
  }, 120_000);

  it('never prints a numeric secret either', async () => {
    await fc.assert(
      fc.asyncProperty(
        numericMarkerArbitrary,
        fc.integer({ min: 0, max: numberPlacements.length - 1 }),
        fc.constantFrom('object', 'json', 'yaml'),
        fc.constantFrom(...readers),
        async (secret, placement, delivery, reader) => {
          const placed = (numberPlacements[placement] as (secret: number) => unknown)(secret);
          const document = deliver(placed, delivery as Delivery, String(secret));
          const printed = await everythingPrinted(document, reader);

          expect(printed.filter((line) => line.includes(String(secret)))).toEqual([]);
        },
      ),
      { numRuns: 150 },
    );
  }, 120_000);

  it('keeps the position and the kind of the problem, so the operator still knows where to look', async () => {
    const secret = 'p@ss"w0rd-SECRET]';
    const printed = await everythingPrinted(`[${secret}`, 'env');

    const line = printed.find((entry) => entry.includes('config-error')) ?? '';
    expect(line).toContain('is not valid JSON at line 1, column 2: expected a value');
    expect(line).not.toContain('w0rd-SECRET');
  });
});
