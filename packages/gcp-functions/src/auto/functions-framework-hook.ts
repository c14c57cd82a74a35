// A namespace import: rolldown merges a named `createRequire` import with its own runtime's and hoists it into the
// main entry's chunk, so every cold import of `@faultline/gcp-functions` would load `node:module` for nothing.
import * as nodeModule from 'node:module';
import { dirname, join } from 'node:path';
import {
  instrumentFailingOpen,
  isFaultWrapped,
  isKillSwitchOn,
  reportSetup,
  summarizeError,
  unsupportedNodeVersion,
} from '@faultline/core/adapter-kit';

/*
 * The zero-code install for Cloud Functions: `NODE_OPTIONS="--import @faultline/gcp-functions/auto"`. When the
 * process is the Functions Framework binary (`functions-framework --target=…`, what Cloud Functions and Cloud Run
 * functions run), the preload loads the framework's own loader module before the framework does and wraps the
 * function it returns — whether the user registered it with `functions.http` / `functions.cloudEvent` or exported it
 * under the `--target` name — with `withFaults` / `withCloudEventFaults`. Node's module cache then hands the framework
 * that same loader, so no require or import hook is installed. Any other process started with the same NODE_OPTIONS
 * (npm, build scripts) is left alone.
 */

const mechanism = 'gcp-functions-preload';
const frameworkMain = /[\\/]@google-cloud[\\/]functions-framework[\\/]build[\\/]src[\\/]main\.js$/;

/** What the framework's `getUserFunction` resolves to (framework 3.x–5.x). */
interface LoadedFunction {
  readonly userFunction: unknown;
  readonly signatureType: string;
}

type GetUserFunction = (
  codeLocation: string,
  functionTarget: string,
  signatureType: string,
) => Promise<LoadedFunction | null>;

/** Options of {@link installFunctionsFrameworkHook}; the defaults are the process's own. */
export interface FunctionsFrameworkHookOptions {
  readonly environment?: Readonly<Record<string, string | undefined>>;
  readonly nodeVersion?: string;
  /** The process's main script. Default `process.argv[1]`. */
  readonly mainScript?: string | undefined;
}

/**
 * Hooks the Functions Framework's function loader so the function it serves is wrapped with faultline. Returns
 * whether it did. Does nothing at all with `FAULTLINE_DISABLED` set; logs a `setup` line and changes nothing on a
 * Node older than 20 or a framework whose loader it does not recognise. Never throws.
 *
 * @example
 * ```ts
 * // What `@faultline/gcp-functions/auto` runs:
 * installFunctionsFrameworkHook();
 * ```
 */
export function installFunctionsFrameworkHook(options: FunctionsFrameworkHookOptions = {}): boolean {
  const environment = options.environment ?? process.env;
  try {
    if (isKillSwitchOn(environment)) return false;
    const mainScript = realPath(options.mainScript ?? process.argv[1]);
    // Not the framework (npm, a build step, a test runner started with the same NODE_OPTIONS): nothing to do.
    if (mainScript === undefined || !frameworkMain.test(mainScript)) return false;
    const unsupported = unsupportedNodeVersion(options.nodeVersion);
    if (unsupported !== undefined) {
      reportSetup('warn', `${unsupported}; the function runs without faults`, { mechanism }, environment);
      return false;
    }
    const loader = nodeModule.createRequire(mainScript)(join(dirname(mainScript), 'loader.js')) as {
      getUserFunction?: unknown;
    };
    const original = loader.getUserFunction;
    if (typeof original !== 'function') {
      reportSetup(
        'warn',
        `this Functions Framework version (${mainScript}) has no loader faultline recognises; the function runs without faults`,
        { mechanism },
        environment,
      );
      return false;
    }
    const getUserFunction = original as GetUserFunction;
    loader.getUserFunction = async function faultlineGetUserFunction(
      codeLocation: string,
      functionTarget: string,
      signatureType: string,
    ): Promise<LoadedFunction | null> {
      const loaded = await getUserFunction(codeLocation, functionTarget, signatureType);
      // null: the framework has already said why it cannot load the function, and exits as it would without us.
      if (loaded === null || loaded === undefined) return loaded;
      return instrumentFailingOpen(
        loaded,
        functionTarget,
        { mechanism, function: functionTarget },
        environment,
        () => instrument(loaded, functionTarget, environment),
      );
    };
    return true;
  } catch (error) {
    reportSetup(
      'error',
      `faultline could not hook the Functions Framework (${summarizeError(error)}); the function runs without faults`,
      { mechanism },
      environment,
    );
    return false;
  }
}

async function instrument(
  loaded: LoadedFunction,
  target: string,
  environment: Readonly<Record<string, string | undefined>>,
): Promise<LoadedFunction> {
  const { userFunction, signatureType } = loaded;
  const details = { mechanism, function: target, signatureType };
  if (typeof userFunction !== 'function') return loaded;
  if (isFaultWrapped(userFunction)) {
    reportSetup(
      'info',
      `${target}: already wrapped with faultline; the preload leaves it as it is`,
      details,
      environment,
    );
    return loaded;
  }
  // The platform names the function (K_SERVICE, FUNCTION_TARGET); locally, the --target does.
  const named =
    (environment.K_SERVICE ?? environment.FUNCTION_TARGET ?? environment.FUNCTION_NAME ?? '') !== '';
  const options = named ? {} : { functionName: target };
  if (signatureType === 'http') {
    const { withFaults } = await import('../http/with-faults.js');
    const wrapped = withFaults(userFunction as Parameters<typeof withFaults>[0], options);
    reportSetup('info', `faultline instruments ${target} (HTTP)`, details, environment);
    return { ...loaded, userFunction: wrapped };
  }
  if (signatureType === 'cloudevent' && userFunction.length < 2) {
    const { withCloudEventFaults } = await import('../cloud-event/with-cloud-event-faults.js');
    const wrapped = withCloudEventFaults(userFunction as Parameters<typeof withCloudEventFaults>[0], options);
    reportSetup('info', `faultline instruments ${target} (CloudEvent)`, details, environment);
    return { ...loaded, userFunction: wrapped };
  }
  reportSetup(
    'warn',
    signatureType === 'cloudevent'
      ? `${target}: callback-style CloudEvent functions (event, callback) are not instrumented by faultline; make it async to use faults. It runs without faults`
      : `${target}: ${signatureType} functions are not instrumented by faultline (HTTP and CloudEvent functions are); it runs without faults`,
    details,
    environment,
  );
  return loaded;
}

function realPath(path: string | undefined): string | undefined {
  if (path === undefined || path === '') return undefined;
  try {
    // `node:fs` through require rather than an ESM import: importing it builds its ESM namespace, whose getters load
    // Node's whole stream stack (about twenty internal modules) in every process started with the preload.
    const { realpathSync } = nodeModule.createRequire(process.execPath)(
      'node:fs',
    ) as typeof import('node:fs');
    return realpathSync(path);
  } catch {
    return undefined;
  }
}
