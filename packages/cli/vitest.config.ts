import { defineConfig } from 'vitest/config';
import { createVitestConfig } from '../../vitest.shared.ts';

const config = createVitestConfig(import.meta.dirname, {
  // Integration tests start real backends and drive real load at 10 to 20 requests per second, and spend most of
  // their time waiting on it (Artillery reports every 10 s): two files at a time, on 2-core machines too.
  maxWorkers: 2,
  testTimeout: 120_000,
});
// The AWS SDK's `module` condition points at `dist-es`, whose extensionless imports Node's ESM loader cannot resolve
// when vitest externalizes the SDK; resolve it like Node does (`source` still maps workspace packages to `src`).
const conditions = ['source', 'node', 'import', 'default'];

export default defineConfig({
  ...config,
  resolve: { ...config.resolve, conditions },
  ssr: {
    ...config.ssr,
    resolve: { ...config.ssr?.resolve, conditions, externalConditions: ['node', 'import'] },
  },
});
