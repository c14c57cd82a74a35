/**
 * One-command local run: `pnpm --filter @faultline/azure-functions-demo start [experiment-file] [--port N] [--store file]`.
 * Starts the pricing service, a local App Configuration HTTPS server (or the file store), pushes the experiment
 * (default `experiments/pricing-latency.yaml` when present), and serves the app through the local Functions host.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { demoDirectory, startDemo } from './demo.js';

// `pnpm … start -- --port 7072` passes the `--` through.
const args = process.argv.slice(2).filter((argument) => argument !== '--');
const flag = (name: string) => {
  const index = args.indexOf(`--${name}`);
  return index === -1 ? undefined : args.splice(index, 2)[1];
};
const port = Number(flag('port') ?? process.env.PORT ?? 7071);
const store = flag('store') === 'file' ? 'file' : 'native';
const defaultExperiment = join(demoDirectory, '..', '..', 'experiments', 'pricing-latency.yaml');
const experimentFile = args[0] ?? (existsSync(defaultExperiment) ? defaultExperiment : undefined);

const demo = await startDemo({ port, store, ...(experimentFile === undefined ? {} : { experimentFile }) });
console.log(`
faultline Azure Functions demo (local host, @azure/functions 4 programming model)
  orders:   ${demo.url}/orders/o-1001
  health:   ${demo.url}/healthz
  pricing:  ${demo.pricingUrl}/prices/kettle
  config:   ${demo.configSource}${experimentFile ? ` (pushed ${experimentFile})` : ''}
  store:    ${demo.appConfiguration ? `${demo.appConfiguration.endpoint} (key ${demo.appConfiguration.key}, label ${demo.appConfiguration.label}; its secret lives only in this process)` : 'file store: faultline push <file> --to file:apps/azure-functions-demo/.faultline/demo.json'}
Ctrl+C to stop.`);

const shutdown = async () => {
  await demo.stop();
  process.exit(0);
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
