// Builds aws-lambda-ric's native client now rather than on the first test that needs it: `.ci/run` starts this in
// the background while lint and typecheck run (the build is a few minutes, mostly curl's serial `configure`). A
// test that arrives first waits on the build lock; a failed build here is built again by that test.
import { ensureLambdaRuntimeClient } from '../src/hosts/lambda-runtime.js';

const startedAt = performance.now();
const { entry, node } = await ensureLambdaRuntimeClient();
process.stdout.write(
  `aws-lambda-ric ready for ${node.path} (${entry}) in ${Math.round((performance.now() - startedAt) / 1000)} s\n`,
);
