import { defineConfig } from 'vitest/config';
import { createVitestConfig } from '../../vitest.shared.ts';

const config = createVitestConfig(import.meta.dirname);
// vitest hands these conditions to Node as `--conditions`; with `import` among them Node's require() picks the ESM
// build of dual packages (is-promise in the Functions Framework's router) and Express breaks. `source` is all the
// workspace packages need; Node adds `node`/`import`/`require` by itself.
const conditions = ['source', 'node'];
export default defineConfig({
  ...config,
  resolve: { ...config.resolve, conditions },
  ssr: { ...config.ssr, resolve: { ...config.ssr?.resolve, conditions } },
});
