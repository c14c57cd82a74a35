export {
  type CachedConfigOptions,
  checkCachedConfigOptions,
  defaultCachedConfigOptions,
} from './cache-options.js';
export {
  type CachedConfig,
  type CachedValue,
  type CreateCachedConfigOptions,
  createCachedConfig,
} from './cached-config.js';
export {
  ConfigDocumentError,
  ConfigFetchTimeoutError,
  ConfigTooLargeError,
  InvalidConfigOptionError,
} from './config-errors.js';
export type { ConfigLoadRequest, ConfigLoadResult, ConfigSource } from './config-source.js';
export { contentVersion } from './content-version.js';
export { resolveDefaultConfigSource } from './default-source.js';
export {
  type ConfigDocumentFormat,
  configDocumentFormats,
  decodeConfigDocument,
  formatFromFileName,
} from './document-format.js';
export {
  type EnvironmentSettings,
  readEnvironmentSettings,
  resolveCachedConfigOptions,
} from './environment-settings.js';
export { createEnvironmentSource, type EnvironmentSourceOptions } from './environment-source.js';
export { createFileSource, type FileSourceOptions } from './file-source.js';
export { createInlineSource } from './inline-source.js';
