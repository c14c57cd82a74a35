import { StoreAccessError } from './store.js';

/**
 * Imports a store's cloud SDK, an optional peer dependency of `@faultline/cli`: a CLI that only validates files or
 * pushes to one cloud does not install the other clouds' SDKs. When the SDK is not installed, the error names the
 * store and the command that fixes it; any other failure (a broken install, an SDK that throws while loading)
 * propagates as it is.
 *
 * @example
 * ```ts
 * const sdk = await importPeerSdk('aws-ssm:/faultline/orders', '@aws-sdk/client-ssm', () => import('@aws-sdk/client-ssm'));
 * ```
 */
export async function importPeerSdk<Module>(
  store: string,
  packageName: string,
  importModule: () => Promise<Module>,
): Promise<Module> {
  try {
    return await importModule();
  } catch (error) {
    if (!isMissingPackage(error, packageName)) throw error;
    throw new StoreAccessError(
      `${store}: this store needs ${packageName}, an optional peer dependency of @faultline/cli that is not installed. ` +
        `Install it next to the CLI to use this store: npm install ${packageName}`,
      store,
      { cause: error },
    );
  }
}

/** Node's "not found" for the package itself (ESM or CommonJS), not for something the package failed to import. */
export function isMissingPackage(error: unknown, packageName: string): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false;
  return (
    error.message.includes(`'${packageName}'`) ||
    error.message.includes(`"${packageName}"`) ||
    error.message.includes(`${packageName}/`)
  );
}
