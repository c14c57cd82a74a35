import { readFileSync } from 'node:fs';
import { type RunStore, validateRunStore } from '@faultline/core';
import { createAppConfigStore } from './aws-appconfig.js';
import { createSsmStore } from './aws-ssm.js';
import { createAppConfigurationStore } from './azure-app-configuration.js';
import { createFileStore } from './file.js';
import { createFirestoreStore } from './gcp-firestore.js';
import type { ExperimentStore, StoreKind } from './store.js';
import { StoreAccessError, storeKinds, withOperationTimeout } from './store.js';

export * from './aws-appconfig.js';
export * from './aws-ssm.js';
export * from './azure-app-configuration.js';
export * from './file.js';
export * from './gcp-firestore.js';
export * from './store.js';

/**
 * Where one experiment lives: the `store` of a run target, or what `--to` names. The shape is the experiment
 * format's (core's `RunStore`, one variant per entry of {@link storeKinds}).
 */
export type StoreCoordinates = RunStore;

/** Default variable holding the App Configuration connection string (same as the Azure adapter reads). */
export const defaultConnectionStringVariable = 'FAULTLINE_AZURE_APPCONFIG_CONNECTION_STRING';

/** The default's old name, still read (with one warning) when the new one is unset. */
const deprecatedConnectionStringVariable = 'FAULTLINE_APPCONFIG_CONNECTION_STRING';

/** Options of {@link createStore}. */
export interface CreateStoreOptions {
  /** Bound on every store operation. Default 20 s. */
  readonly timeoutMs?: number;
  /** File stores may create directories outside the working directory (`--allow-outside`). */
  readonly allowOutside?: boolean;
  /**
   * Receives one sentence per deprecated setting in use (e.g. a renamed variable) and per problem a store works
   * around rather than fail (e.g. AppConfig's `off` without its no-bake strategy), each once per process.
   */
  readonly onWarning?: (message: string) => void;
}

const warnedOnce = new Set<string>();

/**
 * Creates the store client for `coordinates`, every operation bounded by `timeoutMs` (default 20 s). Secrets are
 * read from the environment here and never kept in coordinates, journals or reports.
 *
 * @example
 * ```ts
 * const store = createStore({ kind: 'file', path: '.faultline/demo.json' });
 * ```
 */
export function createStore(
  coordinates: StoreCoordinates,
  environment: Readonly<Record<string, string | undefined>> = process.env,
  options: CreateStoreOptions = {},
): ExperimentStore {
  const warn = (message: string) => {
    if (warnedOnce.has(message)) return;
    warnedOnce.add(message);
    options.onWarning?.(message);
  };
  return withOperationTimeout(
    createUnboundedStore(coordinates, environment, options.allowOutside === true, warn),
    options.timeoutMs,
  );
}

function createUnboundedStore(
  coordinates: StoreCoordinates,
  environment: Readonly<Record<string, string | undefined>>,
  allowOutside: boolean,
  warn: (message: string) => void,
): ExperimentStore {
  switch (coordinates.kind) {
    case 'aws-ssm':
      return createSsmStore(coordinates);
    case 'aws-appconfig':
      return createAppConfigStore({ ...coordinates, onWarning: warn });
    case 'gcp-firestore':
      return createFirestoreStore(coordinates);
    case 'file':
      return createFileStore({ path: coordinates.path, allowOutside });
    case 'azure-app-configuration': {
      const variable = coordinates.connectionStringEnv ?? defaultConnectionStringVariable;
      let connectionString = environment[variable];
      const legacy = environment[deprecatedConnectionStringVariable];
      if (
        coordinates.connectionStringEnv === undefined &&
        (connectionString === undefined || connectionString === '') &&
        legacy !== undefined &&
        legacy !== ''
      ) {
        connectionString = legacy;
        warn(
          `${deprecatedConnectionStringVariable} is deprecated; rename it to ${defaultConnectionStringVariable} (the old name still works for now).`,
        );
      }
      const name = `azure-app-configuration:${coordinates.key}`;
      if (connectionString === undefined || connectionString === '') {
        throw new StoreAccessError(
          `${name}: the connection string variable ${variable} is not set (export it, or name another with connectionStringEnv)`,
          name,
        );
      }
      let ca: string | undefined;
      if (coordinates.caFile !== undefined) {
        try {
          ca = readFileSync(coordinates.caFile, 'utf8');
        } catch (error) {
          throw new StoreAccessError(`${name}: cannot read caFile ${coordinates.caFile}`, name, {
            cause: error,
          });
        }
      }
      return createAppConfigurationStore({
        key: coordinates.key,
        connectionString,
        ...(coordinates.label === undefined ? {} : { label: coordinates.label }),
        ...(ca === undefined ? {} : { ca }),
      });
    }
  }
}

/**
 * A short address for messages: `aws-ssm:/faultline/demo`.
 *
 * @example
 * ```ts
 * describeCoordinates({ kind: 'file', path: '.faultline/demo.json' }); // 'file:.faultline/demo.json'
 * ```
 */
export function describeCoordinates(coordinates: StoreCoordinates): string {
  switch (coordinates.kind) {
    case 'aws-ssm':
      return `aws-ssm:${coordinates.parameter}`;
    case 'aws-appconfig':
      return `aws-appconfig:${coordinates.application}/${coordinates.environment}/${coordinates.profile}`;
    case 'gcp-firestore':
      return `gcp-firestore:${coordinates.document}`;
    case 'azure-app-configuration':
      return `azure-app-configuration:${coordinates.key}${coordinates.label ? `@${coordinates.label}` : ''}`;
    case 'file':
      return `file:${coordinates.path}`;
  }
}

/**
 * Checks one run target's `store` on its own (placeholders already resolved), so a command that only writes to
 * stores (`off`, `on`, `status`) needs nothing else from the run section, and one broken target never hides the
 * others. Returns the coordinates, or a message naming the field and the fix.
 *
 * @example
 * ```ts
 * parseStoreCoordinates({ kind: 'file', path: '.faultline/demo.json' }, 'run.targets[0].store');
 * // { ok: true, coordinates: { kind: 'file', path: '.faultline/demo.json' } }
 * ```
 */
export function parseStoreCoordinates(
  value: unknown,
  path: string,
):
  | { readonly ok: true; readonly coordinates: StoreCoordinates }
  | { readonly ok: false; readonly message: string } {
  const result = validateRunStore(value, path);
  if (result.ok) return { ok: true, coordinates: result.store };
  return {
    ok: false,
    message: result.issues
      .map((issue) => `${issue.path}: ${issue.message}${issue.hint === undefined ? '' : ` (${issue.hint})`}`)
      .join('; '),
  };
}

/**
 * Type guard for store kinds.
 *
 * @example
 * ```ts
 * isStoreKind('aws-ssm'); // true
 * ```
 */
export function isStoreKind(value: string): value is StoreKind {
  return (storeKinds as readonly string[]).includes(value);
}
