import { Module } from 'node:module';
import {
  isKillSwitchOn,
  reportSetup,
  summarizeError,
  unsupportedNodeVersion,
} from '@faultline/core/adapter-kit';
import { type AzureFunctionsAppLike, installFaults } from '../with-faults.js';

/*
 * The zero-code install for Azure Functions (v4 programming model): the worker starts with
 * `languageWorkers__node__arguments="--import @faultline/azure-functions/auto"` (or NODE_OPTIONS). The preload cannot
 * install anything up front: the worker provides `@azure/functions-core` only once it runs, and the library the hook
 * must be registered with is the app's own copy of `@azure/functions`, resolved from the app's folder. So it watches
 * module loading (`Module._load`, which both `require` and `import` of a CommonJS package go through) and, the first
 * time the app loads `@azure/functions`, calls `installFaults(app)` on that very module: every function of the app is
 * then wrapped through the library's `preInvocation` hook. A bundled app (where `@azure/functions` is inlined) cannot
 * be seen this way; call `installFaults(app)` in code there.
 */

const mechanism = 'azure-functions-preload';
const azureFunctionsPath = /(^|[\\/])@azure[\\/]functions([\\/]|$)/;

type Load = (request: string, parent: unknown, isMain: boolean) => unknown;

/** Options of {@link installAzureFunctionsHook}; the defaults are the process's own. */
export interface AzureFunctionsHookOptions {
  readonly environment?: Readonly<Record<string, string | undefined>>;
  readonly nodeVersion?: string;
}

/**
 * Watches for the app's `@azure/functions` and installs faultline's hook on it. Returns whether it is watching. Does
 * nothing at all with `FAULTLINE_DISABLED` set; logs a `setup` line and changes nothing on a Node older than 20.
 * Never throws, and never fails a module load.
 *
 * @example
 * ```ts
 * // What `@faultline/azure-functions/auto` runs:
 * installAzureFunctionsHook();
 * ```
 */
export function installAzureFunctionsHook(options: AzureFunctionsHookOptions = {}): boolean {
  const environment = options.environment ?? process.env;
  try {
    if (isKillSwitchOn(environment)) return false;
    const unsupported = unsupportedNodeVersion(options.nodeVersion);
    if (unsupported !== undefined) {
      reportSetup('warn', `${unsupported}; the functions run without faults`, { mechanism }, environment);
      return false;
    }
    // The CommonJS loader itself (no import.meta: the package is also built as CommonJS).
    const moduleApi = Module as unknown as { _load: Load };
    const originalLoad = moduleApi._load;
    const seen = new WeakSet<object>();
    let installed = false;
    moduleApi._load = function faultlineLoad(
      this: unknown,
      request: string,
      parent: unknown,
      isMain: boolean,
    ) {
      const exported = originalLoad.call(this, request, parent, isMain);
      if (
        !installed &&
        typeof request === 'string' &&
        azureFunctionsPath.test(request) &&
        typeof exported === 'object' &&
        exported !== null &&
        !seen.has(exported)
      ) {
        seen.add(exported);
        installed = installOn(exported as { app?: unknown }, request, environment);
        // Step out of the way when nobody wrapped the loader after us (the worker patches `require`, not `_load`).
        if (installed && moduleApi._load === faultlineLoad) moduleApi._load = originalLoad;
      }
      return exported;
    };
    return true;
  } catch (error) {
    reportSetup(
      'error',
      `faultline could not watch for @azure/functions (${summarizeError(error)}); the functions run without faults`,
      { mechanism },
      environment,
    );
    return false;
  }
}

function installOn(
  library: { app?: unknown },
  request: string,
  environment: Readonly<Record<string, string | undefined>>,
): boolean {
  try {
    const app = library.app as Partial<AzureFunctionsAppLike> | undefined;
    if (typeof app?.hook?.preInvocation !== 'function') {
      reportSetup(
        'warn',
        `the app's @azure/functions (${request}) has no app.hook.preInvocation: faultline needs the v4 programming model ` +
          '(@azure/functions 4.x); the functions run without faults',
        { mechanism },
        environment,
      );
      return true;
    }
    installFaults(app as AzureFunctionsAppLike, { environment });
    reportSetup(
      'info',
      "faultline instruments every function of the app (the app's own @azure/functions)",
      { mechanism },
      environment,
    );
    return true;
  } catch (error) {
    reportSetup(
      'error',
      `faultline could not be set up (${summarizeError(error)}); the functions run without faults`,
      { mechanism },
      environment,
    );
    return true;
  }
}
