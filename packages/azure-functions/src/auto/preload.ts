/**
 * `@faultline/azure-functions/auto` — zero-code install for Azure Functions (Node.js v4 programming model): start the
 * worker with `languageWorkers__node__arguments="--import @faultline/azure-functions/auto"` and every function of the
 * app is wrapped with faultline through the app's own `@azure/functions` hooks, configured by the usual
 * `FAULTLINE_*` variables. `FAULTLINE_DISABLED=1` makes it do nothing at all.
 * @packageDocumentation
 */
import { installAzureFunctionsHook } from './azure-functions-hook.js';

installAzureFunctionsHook();
