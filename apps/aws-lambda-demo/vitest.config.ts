import { defineConfig } from 'vitest/config';
import { createVitestConfig } from '../../vitest.shared.ts';

const config = createVitestConfig(import.meta.dirname);
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
