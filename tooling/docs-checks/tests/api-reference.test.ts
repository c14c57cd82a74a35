import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApiReference, publicEntryPoints } from '../src/api-reference.js';

const output = mkdtempSync(join(tmpdir(), 'faultline-api-reference-'));
afterAll(() => rmSync(output, { recursive: true, force: true }));

describe('the API reference (TypeDoc, from the TSDoc of every public entry point)', () => {
  it('covers every export of every published package, from their exports maps', () => {
    const entries = publicEntryPoints().map((entry) => `${entry.packageName}${entry.subpath.slice(1)}`);
    expect(entries).toEqual(
      expect.arrayContaining(['@faultline/core', '@faultline/aws-lambda/middy', '@faultline/cli']),
    );
    expect(entries.some((entry) => entry.startsWith('@faultline/testkit'))).toBe(false);
  });

  it('builds with no warnings and no errors, one module per entry point', async () => {
    // Act
    const build = await buildApiReference(output);

    // Assess
    expect(build.errors).toEqual([]);
    expect(build.warnings).toEqual([]);
    const modules = build.project?.children?.map((child) => child.name) ?? [];
    for (const entry of publicEntryPoints()) {
      expect(modules).toContain(
        entry.subpath === '.' ? entry.packageName : `${entry.packageName}/${entry.subpath.slice(2)}`,
      );
    }
    // The TSDoc made it in: withFaults has its summary.
    const withFaults = build.project?.getChildByName(['@faultline/aws-lambda', 'withFaults']);
    const signature = withFaults?.isDeclaration() ? withFaults.signatures?.[0] : undefined;
    expect(signature?.comment?.summary.length).toBeGreaterThan(0);
    expect(existsSync(join(output, 'index.html'))).toBe(true);
  });
});
