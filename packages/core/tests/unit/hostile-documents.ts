/**
 * Hostile experiment documents, each within the 256 KiB size cap: the shapes an adversarial pass used to stall or
 * exhaust a function (issue 13), plus their JSON cousins and a legitimate document near the cap. Shared by the
 * fresh-process measurement (`security-hostile-documents.test.ts`) and the fuzz drill's YAML-shaped cases.
 */

/** Bytes in the default size cap (256 KiB). */
export const sizeCapBytes = 256 * 1024;

/** A document and how a function reads it: JSON text (every store), or a file the file source maps to YAML. */
export interface HostileDocument {
  readonly name: string;
  readonly text: string;
  /** What the file source passes for this document's file name (`.yaml` → `yaml`). */
  readonly fileFormat?: 'yaml';
  /** Whether a function must accept it (a real experiment) or may only refuse it. */
  readonly expect: 'parsed' | 'rejected';
}

const repeat = (count: number, build: (index: number) => string, separator: string): string =>
  Array.from({ length: count }, (_, index) => build(index)).join(separator);

/** A valid experiment close to the size cap and to the value limit: 100 faults with long `in` lists. */
export function largeValidExperiment(): string {
  const faults = Array.from({ length: 100 }, (_, index) => ({
    id: `fault-${index}`,
    type: 'latency',
    probability: 0.5,
    delayMs: 100,
    match: [0, 1, 2].map((condition) => ({
      field: `http.header.x-tenant-${condition}`,
      op: 'in',
      value: Array.from({ length: 30 }, (_, tenant) => `tenant-${index}-${condition}-${tenant}`),
    })),
  }));
  return JSON.stringify({ schemaVersion: 1, id: 'large', description: 'x'.repeat(3_000), faults });
}

/** The hostile documents, each at most {@link sizeCapBytes}. */
export function hostileDocuments(): HostileDocument[] {
  const documents: HostileDocument[] = [
    // The issue's three YAML cases.
    {
      name: 'YAML mapping of 26 708 keys',
      text: repeat(26_708, (i) => `k${i}: 1`, '\n'),
      expect: 'rejected',
    },
    { name: 'YAML, 250 000 unclosed [', text: '['.repeat(250_000), expect: 'rejected' },
    { name: 'YAML list 100 000 levels deep', text: `${'- '.repeat(100_000)}x`, expect: 'rejected' },
    // The same as files the file source reads as `.yaml`.
    {
      name: 'YAML file: mapping of 26 708 keys',
      text: repeat(26_708, (i) => `k${i}: 1`, '\n'),
      fileFormat: 'yaml',
      expect: 'rejected',
    },
    {
      name: 'YAML file: 250 000 unclosed [',
      text: '['.repeat(250_000),
      fileFormat: 'yaml',
      expect: 'rejected',
    },
    {
      name: 'YAML file: list 100 000 levels deep',
      text: `${'- '.repeat(100_000)}x`,
      fileFormat: 'yaml',
      expect: 'rejected',
    },
    // JSON is hostile too.
    {
      name: 'JSON arrays 120 000 levels deep',
      text: `${'['.repeat(120_000)}${']'.repeat(120_000)}`,
      expect: 'rejected',
    },
    { name: 'JSON, 250 000 unclosed [', text: '['.repeat(250_000), expect: 'rejected' },
    {
      name: 'JSON objects 40 000 levels deep',
      text: `${'{"a":'.repeat(40_000)}1${'}'.repeat(40_000)}`,
      expect: 'rejected',
    },
    {
      name: 'JSON object of 20 000 unknown keys',
      text: `{${repeat(20_000, (i) => `"k${i}":1`, ',')}}`,
      expect: 'rejected',
    },
    {
      name: 'JSON experiment with 20 000 unknown keys in one fault',
      text: `{"schemaVersion":1,"id":"x","faults":[{"id":"a","type":"latency","delayMs":1,${repeat(15_000, (i) => `"k${i}":1`, ',')}}]}`,
      expect: 'rejected',
    },
    {
      name: 'JSON array of 120 000 numbers',
      text: `[${repeat(120_000, () => '1', ',')}]`,
      expect: 'rejected',
    },
    {
      name: 'JSON array of 80 000 objects',
      text: `[${repeat(80_000, () => '{}', ',')}]`,
      expect: 'rejected',
    },
    {
      name: 'JSON with 1 000 faults',
      text: JSON.stringify({
        schemaVersion: 1,
        id: 'x',
        faults: Array.from({ length: 1_000 }, (_, i) => ({ id: `f${i}`, type: 'latency', delayMs: 1 })),
      }),
      expect: 'rejected',
    },
    {
      name: 'JSON string of 250 000 characters',
      text: JSON.stringify({ schemaVersion: 1, id: 'x', description: 'x'.repeat(250_000), faults: [] }),
      expect: 'rejected',
    },
    {
      name: 'JSON string of 80 000 escapes',
      text: JSON.stringify({ schemaVersion: 1, id: 'x', faults: [], note: '"\\'.repeat(40_000) }),
      expect: 'rejected',
    },
    {
      name: 'JSON object with one key 900 times',
      text: `{${repeat(900, () => '"id":"x"', ',')}}`,
      expect: 'rejected',
    },
    { name: 'valid experiment near the cap', text: largeValidExperiment(), expect: 'parsed' },
  ];
  for (const document of documents) {
    if (Buffer.byteLength(document.text) > sizeCapBytes) {
      throw new Error(`${document.name} is ${Buffer.byteLength(document.text)} bytes, over the cap`);
    }
  }
  return documents;
}
