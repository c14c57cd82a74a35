/**
 * `@faultline/aws-lambda/appconfig` — the AWS AppConfig config source: AppConfigData (needs the optional peer
 * `@aws-sdk/client-appconfigdata`, loaded on the first read only) or the AWS AppConfig Agent Lambda extension.
 * @packageDocumentation
 */
export {
  type AppConfigDataClientLike,
  type AppConfigReadMode,
  AppConfigSourceError,
  type AppConfigSourceOptions,
  appConfigReadModes,
  createAppConfigSource,
  InvalidAppConfigSourceOptionError,
} from './appconfig-source.js';
