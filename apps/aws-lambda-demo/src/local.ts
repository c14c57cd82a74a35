/**
 * One-command local run: `pnpm --filter @faultline/aws-lambda-demo start [experiment-file] [--port N] [--store file]`.
 * Starts moto (or falls back to the file store), pushes the experiment (default `experiments/pricing-latency.yaml`
 * when present), serves on loopback and prints the URLs.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { demoDirectory, startDemo } from './demo.js';

// pnpm forwards a literal `--`; paths are relative to where the command was typed (pnpm sets INIT_CWD).
const args = process.argv.slice(2).filter((arg) => arg !== '--');
const invokedFrom = process.env.INIT_CWD ?? process.cwd();
const flag = (name: string) => {
  const index = args.indexOf(`--${name}`);
  return index === -1 ? undefined : args.splice(index, 2)[1];
};
const port = Number(flag('port') ?? process.env.PORT ?? 3001);
const store = flag('store') === 'file' ? 'file' : 'native';
const defaultExperiment = join(demoDirectory, '..', '..', 'experiments', 'pricing-latency.yaml');
const experimentFile =
  args[0] !== undefined
    ? resolve(invokedFrom, args[0])
    : existsSync(defaultExperiment)
      ? defaultExperiment
      : undefined;

const demo = await startDemo({ port, store, ...(experimentFile === undefined ? {} : { experimentFile }) });
console.log(`
faultline AWS Lambda demo
  orders:   ${demo.url}/orders/o-1001
  health:   ${demo.url}/healthz
  pricing:  ${demo.pricingUrl}/prices/kettle
  config:   ${demo.configSource}${experimentFile ? ` (pushed ${experimentFile})` : ''}
  moto:     ${demo.awsEndpoint ?? 'not running (file store)'}
Ctrl+C to stop.`);

const shutdown = async () => {
  await demo.stop();
  process.exit(0);
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
