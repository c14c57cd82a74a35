/**
 * One-command local run: `pnpm --filter @faultline/gcp-functions-demo start [experiment-file]`.
 *
 * Starts Google's Firestore emulator (unless FIRESTORE_EMULATOR_HOST points to one; falls back to the file store
 * when it cannot run), pushes the experiment (default `experiments/pricing-latency.yaml`) to the Firestore document
 * `faultline/demo`, and serves the functions on http://127.0.0.1:$PORT (default 8080) until Ctrl-C.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyLoopbackEnvironment, type FirestoreEmulator, startFirestoreEmulator } from '@faultline/testkit';
import { startDemo } from './demo.js';

applyLoopbackEnvironment();
const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const defaultExperiment = join(repositoryRoot, 'experiments', 'pricing-latency.yaml');
const experimentFile = process.argv[2] ?? (existsSync(defaultExperiment) ? defaultExperiment : undefined);

let emulator: FirestoreEmulator | undefined;
if (!process.env.FIRESTORE_EMULATOR_HOST) {
  try {
    console.log('starting the Firestore emulator (about 3 s)…');
    emulator = await startFirestoreEmulator({ projectId: process.env.GCLOUD_PROJECT ?? 'faultline-demo' });
    process.env.FIRESTORE_EMULATOR_HOST = emulator.host;
  } catch (error) {
    console.warn(`${(error as Error).message}\n→ continuing with the file store`);
  }
}

const demo = await startDemo({
  port: Number(process.env.PORT ?? 8080),
  ...(experimentFile === undefined ? {} : { experimentFile }),
});

console.log(`
gcp-functions demo on ${demo.url}  (config: ${demo.configSource})
  curl ${demo.url}/orders/o-1001
  curl ${demo.url}/healthz
  curl -X POST ${demo.url}/events -H 'content-type: application/json' -H 'ce-specversion: 1.0' \\
       -H 'ce-id: evt-1' -H 'ce-type: com.example.order.created' -H 'ce-source: //demo' -d '{"orderId":"o-1001"}'
  curl ${demo.url}/events/evt-1
${experimentFile === undefined ? 'no experiment pushed' : `experiment pushed: ${experimentFile}`}
${emulator ? `Firestore emulator: FIRESTORE_EMULATOR_HOST=${emulator.host} (document faultline/demo)` : ''}
Ctrl-C to stop.`);

let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  await demo.stop();
  await emulator?.stop();
  process.exit(0);
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
