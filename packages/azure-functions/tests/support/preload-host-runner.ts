// A stand-in for the Azure Functions Node.js worker process, bundled and started by the preload tests: it installs
// the local host (which provides `@azure/functions-core`, as the worker does), loads the app's entry file named on
// the command line, serves its HTTP functions on 127.0.0.1 and prints the URL.
import { pathToFileURL } from 'node:url';
import { installAzureFunctionsHost } from '@faultline/testkit';

const host = installAzureFunctionsHost();
await import(pathToFileURL(process.argv[2] ?? '').href);
const server = await host.listen({ routePrefix: 'api' });
console.log(`listening ${server.url}`);
