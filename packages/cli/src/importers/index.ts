export { importChaosLambda } from './chaos-lambda.js';
export { importFailureLambda } from './failure-lambda.js';
export {
  type GlobConversion,
  ImportError,
  type ImportOptions,
  type ImportResult,
  type RegexToGlobOptions,
  regexToGlob,
} from './import-support.js';
