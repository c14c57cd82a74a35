/**
 * @faultline/aws-lambda — the AWS Lambda adapter: `withFaults` for handlers and the
 * event/response translations. The Middy middleware and the SSM source live on the `/middy` and `/ssm` subpaths.
 * @packageDocumentation
 */
export {
  detectTrigger,
  httpLambdaTriggers,
  type LambdaTrigger,
  lambdaTriggers,
} from './invocation/detect-trigger.js';
export type { LambdaContext } from './invocation/lambda-context.js';
export {
  createLambdaInvocationMapper,
  type LambdaInvocationMapper,
  type LambdaInvocationMapperOptions,
} from './invocation/to-invocation.js';
export { createLambdaAdapter, type LambdaAdapterOptions } from './lambda-adapter.js';
export {
  type LambdaHttpResult,
  readNativeResponse,
  throttledNativeResponse,
  toNativeResponse,
  writeNativeResponse,
} from './response/http-response.js';
export {
  type AsyncLambdaHandler,
  type LambdaFaultlineOptions,
  resolveLambdaDefaultSource,
  withFaults,
} from './with-faults.js';
