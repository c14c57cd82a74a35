/**
 * Reading AppConfig failed; `code` is the AWS error name (e.g. `ThrottlingException`) or, in extension mode,
 * `Extension<status>` / the network error code. faultline reports it as a `config-error` event and keeps the last
 * good config; it never reaches your handler.
 *
 * @example
 * ```ts
 * const error = new AppConfigSourceError('aws-appconfig:orders/prod/faultline', 'ThrottlingException', 'GetLatestConfiguration … failed');
 * error.code; // 'ThrottlingException'
 * ```
 */
export class AppConfigSourceError extends Error {
  override readonly name = 'AppConfigSourceError';
  /** The source name, `aws-appconfig:<application>/<environment>/<profile>`. */
  readonly source: string;
  readonly code: string;

  constructor(source: string, code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.source = source;
    this.code = code;
  }
}
