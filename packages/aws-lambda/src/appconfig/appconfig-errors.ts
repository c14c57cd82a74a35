import { AwsSourceReadError } from '../aws-source-read-error.js';

/**
 * Reading AppConfig failed (`code` `STORE_READ_FAILED`); `serviceCode` is the AWS error name (e.g.
 * `ThrottlingException`) or, in extension mode, `Extension<status>` / the network error code. faultline reports it
 * as a `config-error` event and keeps the last good config; it never reaches your handler.
 *
 * @example
 * ```ts
 * const error = new AppConfigSourceError('aws-appconfig:orders/prod/faultline', 'ThrottlingException', 'GetLatestConfiguration … failed');
 * error.serviceCode; // 'ThrottlingException'
 * ```
 */
export class AppConfigSourceError extends AwsSourceReadError {
  override readonly name = 'AppConfigSourceError';
  /** The source name, `aws-appconfig:<application>/<environment>/<profile>`. */
  readonly source: string;

  constructor(source: string, serviceCode: string, message: string, options?: { cause?: unknown }) {
    super(serviceCode, message, options);
    this.source = source;
  }
}
