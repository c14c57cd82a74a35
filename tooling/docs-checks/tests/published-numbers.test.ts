import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRepositoryFile, repositoryRoot } from '../src/markdown.js';

interface BenchRow {
  readonly name: string;
  readonly value: number;
  readonly baseline: number | null;
  readonly note?: string;
}

const results = JSON.parse(readFileSync(join(repositoryRoot, 'bench/results.json'), 'utf8')) as BenchRow[];

function rowNamed(name: string): BenchRow {
  const row = results.find((candidate) => candidate.name === name);
  if (row === undefined) throw new Error(`bench/results.json has no row "${name}"`);
  return row;
}

/** What the bench measured as added over its baseline, in ms with one decimal, as the docs print it. */
function addedMs(name: string): string {
  const row = rowNamed(name);
  if (row.baseline === null) throw new Error(`bench/results.json's row "${name}" has no baseline`);
  return (row.value - row.baseline).toFixed(1);
}

/**
 * What the bench measured as added per invocation, in whole ns as the docs print it: the median of the per-round
 * differences that the row's note gives (`added 27.3 ns/op`), which is what docs/performance.md says it publishes.
 */
function addedNs(name: string): number {
  const match = /added (-?[0-9.]+) ns\/op/.exec(rowNamed(name).note ?? '');
  if (match === null)
    throw new Error(`bench/results.json's row "${name}" has no "added … ns/op" in its note`);
  return Math.round(Number(match[1]));
}

/** A signed whole number as the docs print it: `+27`, `−1` (the typographic minus). */
function signed(value: number): string {
  return value < 0 ? `−${-value}` : `+${value}`;
}

/** A bundle row in kB with one decimal. */
function kilobytes(name: string): string {
  return rowNamed(name).value.toFixed(1);
}

const oneFault = '1 fault that does not match (http.method eq DELETE, GET request)';
const adapters = [
  { adapter: 'aws-lambda', label: 'AWS', wrapper: 'withFaults' },
  { adapter: 'azure-functions', label: 'Azure', wrapper: 'withFaults' },
  { adapter: 'gcp-functions', label: 'GCP', wrapper: 'withFaults (HTTP)' },
] as const;

function tableLine(text: string, start: string): string {
  const line = text.split('\n').find((candidate) => candidate.startsWith(start));
  if (line === undefined) throw new Error(`no table line starting "${start}"`);
  return line;
}

describe('numbers the docs publish', () => {
  it("match bench/results.json: the aws-lambda README's cold import and first response", () => {
    const readme = readRepositoryFile('packages/aws-lambda/README.md').replace(/\s+/g, ' ');
    expect(readme).toContain(
      `adds ${addedMs('aws-lambda: cold import of @faultline/aws-lambda')} ms over an empty module`,
    );
    expect(readme).toContain(
      `comes ${addedMs('aws-lambda: cold start to the first response with @faultline/aws-lambda')} ms after a bare handler's`,
    );
    expect(readme).toContain(
      `it adds ${addedMs('aws-lambda: cold import of @faultline/aws-lambda from node_modules (unbundled)')} ms`,
    );
    expect(readme).toContain(
      `| one armed fault that does not match (decided from the event, nothing built) | ${addedNs(`aws-lambda: withFaults, ${oneFault}`)} ns |`,
    );
  });

  it('match bench/results.json: the cold-import targets table of docs/performance.md', () => {
    const performance = readRepositoryFile('docs/performance.md');
    const row = tableLine(performance, '| Cold import of an adapter entry, bundled');
    const unbundled = tableLine(performance, '| Cold import of an adapter entry, unbundled');
    const firstResponse = tableLine(
      performance,
      '| Cold start to the first response, armed experiment, unbundled',
    );
    for (const { adapter, label } of adapters) {
      expect(row).toContain(`+${addedMs(`${adapter}: cold import of @faultline/${adapter}`)} ms (${label})`);
      expect(unbundled).toContain(
        `+${addedMs(`${adapter}: cold import of @faultline/${adapter} from node_modules (unbundled)`)} ms (${label})`,
      );
      expect(firstResponse).toContain(
        `+${addedMs(`${adapter}: cold start to the first response with @faultline/${adapter} from node_modules (unbundled)`)} ms (${label})`,
      );
    }
    for (const [entry, label] of [
      ['gcp-functions/auto', 'GCP'],
      ['azure-functions/auto', 'Azure'],
    ] as const) {
      expect(unbundled).toContain(
        `+${addedMs(`zero-code: cold import of @faultline/${entry} from node_modules (unbundled)`)} ms (${label})`,
      );
    }
  });

  it('match bench/results.json: the hot-path targets table of docs/performance.md', () => {
    const performance = readRepositoryFile('docs/performance.md');
    const one = tableLine(performance, '| Added per invocation, one armed fault that does not match');
    const oneRoute = tableLine(
      performance,
      '| Added per invocation, 10 faults that do not match (on one route)',
    );
    const unrelated = tableLine(performance, '| Added per invocation, 10 faults with nothing in common');
    for (const { adapter, label, wrapper } of adapters) {
      const prefix = `${adapter}: ${wrapper}`;
      expect(one).toContain(`${signed(addedNs(`${prefix}, ${oneFault}`))} ns (${label}`);
      expect(oneRoute).toContain(
        `${signed(addedNs(`${prefix}, 10 faults that do not match`))} ns (${label})`,
      );
      expect(unrelated).toContain(
        `${signed(addedNs(`${prefix}, 10 unrelated faults that do not match`))} ns (${label})`,
      );
    }
    expect(one).toContain(`${signed(addedNs(`core-engine: enabled experiment, ${oneFault}`))} ns (core)`);
    expect(one).toContain(
      `${signed(addedNs('gcp-functions: withCloudEventFaults, 1 fault that does not match (event.type prefix admin.)'))} ns (GCP CloudEvent)`,
    );
  });

  it("match bench/results.json: the per-adapter table's one-fault column of docs/performance.md", () => {
    const performance = readRepositoryFile('docs/performance.md');
    for (const { adapter, wrapper } of adapters) {
      const line = tableLine(performance, `| \`@faultline/${adapter}\``);
      const cells = line.split('|').map((cell) => cell.trim());
      // Columns: adapter, baseline, idle, one fault, ten faults, dry-run.
      expect(cells[4]).toMatch(new RegExp(`^\\${signed(addedNs(`${adapter}: ${wrapper}, ${oneFault}`))} ns`));
      expect(cells[6]).toBe(
        `${signed(addedNs(`${adapter}: ${wrapper}, dry-run experiment, fault that does not match`))} ns`,
      );
    }
  });

  it('match bench/results.json: the bundle sizes of docs/performance.md', () => {
    const performance = readRepositoryFile('docs/performance.md');
    const line = tableLine(performance, '| Bundle of an adapter entry loaded at import');
    for (const { adapter, label } of adapters) {
      expect(line).toContain(
        `${kilobytes(`${adapter}: bundle of @faultline/${adapter} loaded at import`)} kB (${label})`,
      );
    }
    expect(line).toContain(
      `${kilobytes('aws-lambda: bundle of @faultline/aws-lambda/middy loaded at import')} kB (Middy)`,
    );
  });

  it("match bench/results.json: the root README's ranges", () => {
    const readme = readRepositoryFile('README.md').replace(/\s+/g, ' ');
    const msRange = (names: readonly string[]) => {
      const values = names.map((name) => Number(addedMs(name)));
      return `+${Math.min(...values).toFixed(1)}–${Math.max(...values).toFixed(1)} ms`;
    };
    const entries = adapters.map(({ adapter }) => adapter);
    expect(readme).toContain(
      `a cold import adds ${msRange(entries.map((adapter) => `${adapter}: cold import of @faultline/${adapter}`))} bundled and ${msRange(entries.map((adapter) => `${adapter}: cold import of @faultline/${adapter} from node_modules (unbundled)`))} from an unbundled`,
    );
    expect(readme).toContain(
      `comes ${msRange(entries.map((adapter) => `${adapter}: cold start to the first response with @faultline/${adapter}`))} (bundled) and ${msRange(entries.map((adapter) => `${adapter}: cold start to the first response with @faultline/${adapter} from node_modules (unbundled)`))} (unbundled)`,
    );
    const oneFaultRows = [
      ...adapters.map(({ adapter, wrapper }) => addedNs(`${adapter}: ${wrapper}, ${oneFault}`)),
      addedNs('gcp-functions: withCloudEventFaults, 1 fault that does not match (event.type prefix admin.)'),
    ];
    expect(readme).toContain(`+${Math.min(...oneFaultRows)}–${Math.max(...oneFaultRows)} ns`);
  });
});
