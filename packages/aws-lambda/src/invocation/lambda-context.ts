/**
 * The part of the Lambda `context` object faultline reads. Declared here (not imported from `@types/aws-lambda`)
 * so users need no extra type package; the real `Context` is assignable to it.
 *
 * @example
 * ```ts
 * import type { LambdaContext } from '@faultline/aws-lambda';
 * const context: LambdaContext = {
 *   functionName: 'orders',
 *   invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:orders',
 *   awsRequestId: 'test-1',
 *   getRemainingTimeInMillis: () => 3000,
 * };
 * ```
 */
export interface LambdaContext {
  readonly functionName: string;
  readonly functionVersion?: string;
  /** e.g. `arn:aws:lambda:eu-west-1:123456789012:function:orders:live` (the alias is the optional 8th part). */
  readonly invokedFunctionArn: string;
  readonly awsRequestId: string;
  /** Milliseconds left before Lambda stops the invocation. */
  getRemainingTimeInMillis(): number;
}
