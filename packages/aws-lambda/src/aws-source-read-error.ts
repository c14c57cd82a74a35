import { FaultlineError } from '@faultline/core/adapter-kit';

/**
 * What the AWS sources' read errors share (`SsmParameterError`, `AppConfigSourceError`, `PowertoolsSourceError`):
 * the code `STORE_READ_FAILED` and the AWS error name underneath as `serviceCode`. Internal: callers tell the
 * sources apart by the public subclasses, which keep their own names and the field naming what they read.
 */
export abstract class AwsSourceReadError extends FaultlineError {
  declare readonly code: 'STORE_READ_FAILED';
  /** The AWS error name (e.g. `ThrottlingException`), or what the source reports in its place. */
  readonly serviceCode: string;

  constructor(serviceCode: string, message: string, options?: { cause?: unknown }) {
    super('STORE_READ_FAILED', message, options);
    this.serviceCode = serviceCode;
  }
}
