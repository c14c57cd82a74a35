import { basename, dirname, join, resolve } from 'node:path';
import type { ViteUserConfig } from 'vitest/config';

/**
 * The one vitest configuration every workspace package extends.
 *
 * - Resolves workspace packages through their `source` export condition, so tests run against `src/` without a
 *   build step.
 * - Writes a JSON report per package into `.vitest-reports/` at the repository root when
 *   `VITEST_JSON_REPORT_DIR` is set; `.ci/run` sums those reports into its `N passed, N failed` line.
 * - Forces the loopback-only environment the SDKs need (no metadata-server probes, dummy AWS credentials).
 */
export function createVitestConfig(
  packageDirectory: string,
  overrides: NonNullable<ViteUserConfig['test']> = {},
): ViteUserConfig {
  const reportDirectory = process.env.VITEST_JSON_REPORT_DIR;
  const packageName = `${basename(dirname(packageDirectory))}-${basename(packageDirectory)}`;
  const reporters: (string | [string, { outputFile: string }])[] = ['default'];
  if (reportDirectory) {
    reporters.push(['json', { outputFile: join(resolve(reportDirectory), `${packageName}.json`) }]);
  }
  // vitest also hands these conditions to Node as `--conditions`: with `import` among them, Node's require() picks
  // the ESM build of dual packages (is-promise inside the Functions Framework's Express router) and breaks it.
  // `source` is all the workspace packages need; `import`/`require`/`default` are added per import kind.
  const conditions = ['source', 'node'];
  return {
    resolve: { conditions },
    ssr: { resolve: { conditions } },
    test: {
      environment: 'node',
      include: ['tests/**/*.test.ts'],
      reporters: reporters as NonNullable<NonNullable<ViteUserConfig['test']>['reporters']>,
      testTimeout: 30_000,
      hookTimeout: 60_000,
      env: {
        METADATA_SERVER_DETECTION: 'none',
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
        AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
        AWS_EC2_METADATA_DISABLED: 'true',
      },
      ...overrides,
    },
  };
}
