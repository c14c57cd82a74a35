/**
 * @faultline/azure-functions — chaos experiments for Azure Functions (Node.js v4 programming model).
 *
 * `withFaults(handler)` wraps one handler; `installFaults(app)` instruments every function of the app through the
 * v4 invocation hooks. The App Configuration source lives in `@faultline/azure-functions/app-configuration` and is
 * used automatically when `FAULTLINE_AZURE_APPCONFIG_KEY` is set (its SDK is loaded only then).
 *
 * @packageDocumentation
 */
export type { FunctionIdentityOptions } from './invocation.js';
export {
  type AzureFaultlineOptions,
  type AzureFunctionsAppLike,
  type AzureHandler,
  type InstalledFaults,
  type InstallFaultsOptions,
  installFaults,
  isFaultWrapped,
  type PreInvocationContextLike,
  type WrappedResult,
  withFaults,
} from './with-faults.js';
