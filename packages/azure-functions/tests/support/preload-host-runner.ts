// A stand-in for the Azure Functions Node.js worker process, bundled and started by the preload tests: it installs
// the local host (which provides `@azure/functions-core`, as the worker does), loads the app's entry file named on
// the command line, serves its HTTP functions on 127.0.0.1 and prints the URL. Like the Functions host's console, it
// prints what functions log through their invocation's `context` (faultline's per-invocation events go there).
import { pathToFileURL } from 'node:url';
import { installAzureFunctionsHost } from '@faultline/testkit';

const host = installAzureFunctionsHost({
  onLog(entry) {
    if (entry.category === 'user') console.log(entry.message);
    else if (entry.level === 'error' || entry.level === 'critical' || entry.level === 'warning') {
      process.stderr.write(`[azure-functions-host] ${entry.level}: ${entry.message}\n`);
    }
  },
});
await import(pathToFileURL(process.argv[2] ?? '').href);
const server = await host.listen({ routePrefix: 'api' });
console.log(`listening ${server.url}`);
