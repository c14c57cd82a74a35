/**
 * `@faultline/gcp-functions/auto` — zero-code install for Cloud Functions (and the Functions Framework anywhere):
 * start the function with `NODE_OPTIONS="--import @faultline/gcp-functions/auto"` and every function the framework
 * serves (`functions.http`, `functions.cloudEvent`, or exported under the `--target` name) is wrapped with faultline,
 * configured by the usual `FAULTLINE_*` variables. `FAULTLINE_DISABLED=1` makes it do nothing at all.
 * @packageDocumentation
 */
import { installFunctionsFrameworkHook } from './functions-framework-hook.js';

installFunctionsFrameworkHook();
