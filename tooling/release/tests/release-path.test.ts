import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { publishedPackageNames, repositoryRoot } from '@faultline/testkit/packing';
import { afterAll, describe, expect, it } from 'vitest';
import { readWorkspacePackages } from '../src/workspace.ts';

const run = promisify(execFile);
const cleanup: string[] = [];

afterAll(async () => {
  for (const directory of cleanup) await rm(directory, { recursive: true, force: true });
});

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

describe('the release path (docs/releasing.md)', () => {
  it('`pnpm changeset version` bumps the five public packages together, writes their changelogs and consumes the changesets', async () => {
    // A copy of what `changeset version` reads and writes: the workspace's manifests, changelogs and .changeset/.
    const copy = await mkdtemp(join(tmpdir(), 'faultline-release-'));
    cleanup.push(copy);
    for (const file of ['package.json', 'pnpm-workspace.yaml'])
      await copyFile(join(repositoryRoot, file), join(copy, file));
    await mkdir(join(copy, '.changeset'));
    const changesetFiles = await readdir(join(repositoryRoot, '.changeset'));
    for (const file of changesetFiles)
      await copyFile(join(repositoryRoot, '.changeset', file), join(copy, '.changeset', file));
    const pending = changesetFiles.filter((file) => file.endsWith('.md') && file !== 'README.md');
    expect(pending.length, 'changesets waiting for a release').toBeGreaterThan(0);
    const packages = readWorkspacePackages();
    for (const workspacePackage of packages) {
      const target = join(copy, relative(repositoryRoot, workspacePackage.directory));
      await mkdir(target, { recursive: true });
      await copyFile(join(workspacePackage.directory, 'package.json'), join(target, 'package.json'));
      if (await exists(join(workspacePackage.directory, 'CHANGELOG.md'))) {
        await copyFile(join(workspacePackage.directory, 'CHANGELOG.md'), join(target, 'CHANGELOG.md'));
      }
    }

    await run(
      process.execPath,
      [join(repositoryRoot, 'node_modules', '@changesets', 'cli', 'bin.js'), 'version'],
      {
        cwd: copy,
        env: { ...process.env, CI: 'true' },
      },
    );

    const versions = new Set<string>();
    for (const workspacePackage of packages) {
      const path = relative(repositoryRoot, workspacePackage.directory);
      const after = JSON.parse(await readFile(join(copy, path, 'package.json'), 'utf8')) as {
        version: string;
        dependencies?: Record<string, string>;
      };
      if (workspacePackage.manifest.private === true) {
        expect(after.version, `${workspacePackage.manifest.name} is private and never versioned`).toBe(
          workspacePackage.manifest.version,
        );
        continue;
      }
      expect(after.version, workspacePackage.manifest.name).not.toBe(workspacePackage.manifest.version);
      versions.add(after.version);
      const changelog = await readFile(join(copy, path, 'CHANGELOG.md'), 'utf8');
      expect(changelog, workspacePackage.manifest.name).toContain(`## ${after.version}`);
      // Internal ranges stay workspace:*; pnpm pins the released version when it packs.
      for (const [dependency, range] of Object.entries(after.dependencies ?? {})) {
        if (dependency.startsWith('@faultline/')) expect(range).toBe('workspace:*');
      }
    }
    expect(versions.size, 'one version for the fixed group').toBe(1);
    const left = (await readdir(join(copy, '.changeset'))).filter(
      (file) => file.endsWith('.md') && file !== 'README.md',
    );
    expect(left, 'every changeset is consumed').toEqual([]);
  }, 120_000);

  it('`pnpm release` (build, then `pnpm -r publish --provenance`) as a dry run publishes the five public packages, nothing private, and uploads nothing', async () => {
    // The publish step talks to a registry: a loopback stub that knows no package (so each is "new") and records
    // every request. A dry run must only look.
    const requests: string[] = [];
    const registry: Server = createServer((request, response) => {
      requests.push(`${request.method} ${request.url}`);
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end('{"error":"not found"}');
    });
    await new Promise<void>((resolve) => registry.listen(0, '127.0.0.1', resolve));
    const { port } = registry.address() as AddressInfo;
    try {
      // The documented command itself (`pnpm release`: build, then `pnpm -r publish --provenance`), with the
      // dry-run flags appended to the publish step.
      const manifest = JSON.parse(await readFile(join(repositoryRoot, 'package.json'), 'utf8'));
      expect(manifest.scripts.release).toMatch(/pnpm -r --filter='\.\/packages\/\*' publish --provenance$/);
      const { stdout, stderr } = await run(
        'pnpm',
        ['run', 'release', '--dry-run', '--no-git-checks', '--registry', `http://127.0.0.1:${port}/`],
        {
          cwd: repositoryRoot,
          maxBuffer: 64 * 1024 * 1024,
          env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' },
        },
      );
      const output = `${stdout}${stderr}`;
      const published = [...output.matchAll(/📦 (@faultline\/[a-z-]+)@(\S+) →/g)].map((match) => match[1]);
      expect(published.sort()).toEqual([...publishedPackageNames].sort());
      expect(output).not.toMatch(/@faultline\/(testkit|bench|release|repo-checks|docs-checks|[a-z-]+-demo)@/);
      expect(
        requests.every((request) => request.startsWith('GET ')),
        requests.join('\n'),
      ).toBe(true);
    } finally {
      await new Promise<void>((resolve) => registry.close(() => resolve()));
    }
  }, 900_000);
});
