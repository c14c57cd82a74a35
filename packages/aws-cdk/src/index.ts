/**
 * @faultline/aws-cdk — deploy faultline to Node.js Lambda functions without code changes: the layer, its variables,
 * the experiment's SSM parameter and least-privilege access, as a construct ({@link FaultlineLambda}) or an aspect
 * ({@link FaultlineAspect}).
 * @packageDocumentation
 */
export {
  defaultLayerZipPath,
  FaultlineAspect,
  FaultlineConstructError,
  type FaultlineInstallMode,
  FaultlineLambda,
  type FaultlineLambdaProps,
  type FaultlineProps,
  faultlineExecWrapper,
  faultlineLayerHandler,
} from './faultline-lambda.js';
