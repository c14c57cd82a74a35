import { createLibraryBuild } from '../../tsdown.shared.ts';

// One chunk per load: what an adapter imports at cold start; the interception scope and the status phrases, which
// both the runtime and the interceptors use; the engine runtime (with the content hash) its first invocation loads;
// the interceptors (imported at load by `@faultline/aws-lambda/aws-sdk`, else loaded with the first experiment that
// has a blackhole or dependency fault); and the experiment pipeline the first config document loads.
export default createLibraryBuild(import.meta.dirname, {
  chunkGroups: [
    { name: 'adapter-kit-eager', roots: ['./src/adapter-kit.ts'] },
    {
      name: 'interception-scope-chunk',
      roots: ['./src/scope/interception-scope.ts', './src/invocation/reason-phrases.ts'],
    },
    {
      name: 'fault-runtime-chunk',
      roots: ['./src/engine/fault-runtime.ts', './src/config/content-version.ts'],
    },
    { name: 'interception-chunk', roots: ['./src/interception.ts'] },
    { name: 'document-pipeline-chunk', roots: ['./src/engine/document-pipeline.ts'] },
  ],
  // What a cold instance's first invocation parses (the runtime, the pipeline) and what an experiment with a network
  // fault adds: shipped minified, with source maps.
  minifiedChunks: ['fault-runtime-chunk', 'document-pipeline-chunk', 'interception-chunk'],
});
