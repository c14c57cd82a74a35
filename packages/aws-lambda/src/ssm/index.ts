/**
 * `@faultline/aws-lambda/ssm` — the SSM Parameter Store config source. Needs the optional peer
 * `@aws-sdk/client-ssm`, which is loaded on the first read only.
 * @packageDocumentation
 */
export {
  createSsmSource,
  InvalidSsmSourceOptionError,
  type SsmClientConfig,
  type SsmClientLike,
  SsmParameterError,
  type SsmSourceOptions,
} from './ssm-source.js';
