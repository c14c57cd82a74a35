import { describe, expect, it } from 'vitest';
import {
  readEnvironmentSettings,
  resolveCachedConfigOptions,
} from '../../src/config/environment-settings.js';
import { renamedVariables } from '../../src/config/renamed-variables.js';
import { defaultCachedConfigOptions } from '../../src/index.js';

describe('readEnvironmentSettings', () => {
  it('reads nothing from an empty environment', () => {
    expect(readEnvironmentSettings({})).toEqual({
      disabled: false,
      logLevel: undefined,
      ttlMs: undefined,
      fetchBudgetMs: undefined,
      maxStaleMs: undefined,
      maxSizeBytes: undefined,
      configFile: undefined,
      hasInlineConfig: false,
      warnings: [],
    });
  });

  it('reads every FAULTLINE_* setting', () => {
    const settings = readEnvironmentSettings({
      FAULTLINE_DISABLED: 'TRUE',
      FAULTLINE_LOG_LEVEL: 'Debug',
      FAULTLINE_CONFIG_TTL_MS: '5000',
      FAULTLINE_CONFIG_FETCH_BUDGET_MS: ' 250 ',
      FAULTLINE_CONFIG_MAX_STALE_MS: '60000',
      FAULTLINE_CONFIG_MAX_SIZE_BYTES: '1024',
      FAULTLINE_CONFIG_FILE: './faultline.yaml',
      FAULTLINE_CONFIG: '{"id":"x"}',
    });

    expect(settings).toEqual({
      disabled: true,
      logLevel: 'debug',
      ttlMs: 5_000,
      fetchBudgetMs: 250,
      maxStaleMs: 60_000,
      maxSizeBytes: 1_024,
      configFile: './faultline.yaml',
      hasInlineConfig: true,
      warnings: [],
    });
  });

  it.each(['0', 'false', 'off', 'no', ''])('keeps faults on for FAULTLINE_DISABLED=%j', (value) => {
    expect(readEnvironmentSettings({ FAULTLINE_DISABLED: value }).disabled).toBe(false);
  });

  it('treats an unrecognised FAULTLINE_DISABLED as disabled and warns', () => {
    const settings = readEnvironmentSettings({ FAULTLINE_DISABLED: 'please' });

    expect(settings.disabled).toBe(true);
    expect(settings.warnings).toEqual([expect.stringContaining('FAULTLINE_DISABLED="please"')]);
  });

  it('ignores bad values with one warning each, naming the variable and the default used', () => {
    const settings = readEnvironmentSettings({
      FAULTLINE_LOG_LEVEL: 'loud',
      FAULTLINE_CONFIG_TTL_MS: '30s',
      FAULTLINE_CONFIG_FETCH_BUDGET_MS: '-1',
      FAULTLINE_CONFIG_MAX_SIZE_BYTES: '1e6',
    });

    expect(settings.logLevel).toBeUndefined();
    expect(settings.ttlMs).toBeUndefined();
    expect(settings.fetchBudgetMs).toBeUndefined();
    expect(settings.maxSizeBytes).toBeUndefined();
    expect(settings.warnings).toEqual([
      'FAULTLINE_LOG_LEVEL="loud" is not one of debug, info, warn, error, silent; using the default (info).',
      'FAULTLINE_CONFIG_TTL_MS="30s" is not a whole number of milliseconds ≥ 0; using the default (30000).',
      'FAULTLINE_CONFIG_FETCH_BUDGET_MS="-1" is not a whole number of milliseconds ≥ 0; using the default (1000).',
      'FAULTLINE_CONFIG_MAX_SIZE_BYTES="1e6" is not a whole number of bytes ≥ 0; using the default (262144).',
    ]);
  });
});

describe('renamed variables', () => {
  it('are the four Azure App Configuration variables, which gained AZURE_', () => {
    expect(renamedVariables).toEqual([
      ['FAULTLINE_APPCONFIG_KEY', 'FAULTLINE_AZURE_APPCONFIG_KEY'],
      ['FAULTLINE_APPCONFIG_LABEL', 'FAULTLINE_AZURE_APPCONFIG_LABEL'],
      ['FAULTLINE_APPCONFIG_ENDPOINT', 'FAULTLINE_AZURE_APPCONFIG_ENDPOINT'],
      ['FAULTLINE_APPCONFIG_CONNECTION_STRING', 'FAULTLINE_AZURE_APPCONFIG_CONNECTION_STRING'],
    ]);
  });
});

describe('resolveCachedConfigOptions', () => {
  it('prefers the option, then the environment, then the default', () => {
    const settings = readEnvironmentSettings({
      FAULTLINE_CONFIG_TTL_MS: '5000',
      FAULTLINE_CONFIG_FETCH_BUDGET_MS: '200',
    });

    const resolved = resolveCachedConfigOptions({ fetchBudgetMs: 300 }, settings);

    expect(resolved).toEqual({ ...defaultCachedConfigOptions, ttlMs: 5_000, fetchBudgetMs: 300 });
  });

  it('falls back to the defaults with neither', () => {
    expect(resolveCachedConfigOptions()).toEqual(defaultCachedConfigOptions);
  });
});
