/**
 * @faultline/aws-lambda — the AWS Lambda adapter: `withFaults` for handlers. The Middy middleware, the SSM source
 * and the AWS SDK v3 dependency-fault middleware live on the `/middy`, `/ssm` and `/aws-sdk` subpaths; the event and
 * response translations are internal.
 * @packageDocumentation
 */
export type { LambdaContext } from './invocation/lambda-context.js';
export { type AsyncLambdaHandler, type LambdaFaultlineOptions, withFaults } from './with-faults.js';
