import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join, resolve } from 'node:path';
import { FaultlineError } from '@faultline/core/adapter-kit';

/*
 * Loads a function's handler from its handler setting exactly as the Node.js Lambda runtime does (aws-lambda-ric
 * 4.x: `UserFunctionLoader`, `loadModule`, `resolveHandler`), so the layer finds the same function the runtime would
 * have found, and fails the same way when it cannot:
 *
 * - `src/app.handler` → module root `src`, module `app`, export path `handler` (dots after the first one walk into
 *   nested objects: `app.handlers.orders`); `..` is refused.
 * - The module is the first of `<root>/<module>`, `.js`, `.mjs`, `.cjs` that exists, loaded with `import()` (so
 *   `.js` follows the nearest package.json `type`), else `<module>` resolved like `require` from the task root.
 * - The export is looked up on the module, then on its `default` export (a CommonJS module imported by `import()`).
 *
 * Errors keep the runtime's names (`Runtime.MalformedHandlerName`, `Runtime.HandlerNotFound`); an error thrown while
 * loading the module is rethrown as it is, so the runtime wraps it (`Runtime.ImportModuleError`,
 * `Runtime.UserCodeSyntaxError`) as it would have without the layer.
 */

/**
 * The original handler could not be found from the handler setting. `name` is the Lambda runtime's error type for
 * the same failure, so the function reports the error type it would report without the layer.
 *
 * @example
 * ```ts
 * try {
 *   await loadLambdaHandler('src/app.missing', '/var/task');
 * } catch (error) {
 *   if (error instanceof LambdaHandlerResolutionError) console.error(error.name); // 'Runtime.HandlerNotFound'
 * }
 * ```
 */
export class LambdaHandlerResolutionError extends FaultlineError {
  /** `HANDLER_NOT_FOUND` or `HANDLER_MALFORMED`. */
  declare readonly code: 'HANDLER_NOT_FOUND' | 'HANDLER_MALFORMED';

  constructor(
    runtimeName: 'Runtime.HandlerNotFound' | 'Runtime.MalformedHandlerName',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(
      runtimeName === 'Runtime.HandlerNotFound' ? 'HANDLER_NOT_FOUND' : 'HANDLER_MALFORMED',
      message,
      options,
    );
    // The runtime's own error names, so the Lambda console shows what the runtime itself would.
    this.name = runtimeName;
  }
}

/** The parts of a handler setting, as the runtime splits it. */
export interface HandlerSetting {
  /** The folder under the task root, without a trailing slash (`src` for `src/app.handler`; empty for `index.handler`). */
  readonly moduleRoot: string;
  /** The module file name without its extension (`app`). */
  readonly moduleName: string;
  /** The export, dots walking into nested objects (`handler`, `handlers.orders`). */
  readonly exportPath: string;
}

const handlerPattern = /^([^.]*)\.(.*)$/;

/**
 * Splits a handler setting (`src/app.handler`) as the Lambda runtime does.
 *
 * @example
 * ```ts
 * parseHandlerSetting('src/app.handler'); // { moduleRoot: 'src', moduleName: 'app', exportPath: 'handler' }
 * ```
 */
export function parseHandlerSetting(setting: string): HandlerSetting {
  if (setting.includes('..')) {
    throw new LambdaHandlerResolutionError(
      'Runtime.MalformedHandlerName',
      `'${setting}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`,
    );
  }
  const fileAndExport = basename(setting);
  const moduleRoot = setting.substring(0, setting.indexOf(fileAndExport)).replace(/\/$/, '');
  const match = handlerPattern.exec(fileAndExport);
  if (match === null) {
    throw new LambdaHandlerResolutionError(
      'Runtime.MalformedHandlerName',
      `Bad handler '${setting}': expected <file>.<export>, e.g. index.handler or src/app.handler`,
    );
  }
  return { moduleRoot, moduleName: match[1] ?? '', exportPath: match[2] ?? '' };
}

const extensionLookupOrder = ['', '.js', '.mjs', '.cjs'] as const;

/**
 * Loads the module a handler setting names, from `taskRoot` (`LAMBDA_TASK_ROOT`), and returns the exported function.
 * A missing or non-function export throws {@link LambdaHandlerResolutionError}; errors thrown while loading the
 * module (not found, syntax, thrown at import) propagate as they are.
 *
 * @example
 * ```ts
 * const handler = await loadLambdaHandler('src/app.handler', process.env.LAMBDA_TASK_ROOT ?? '/var/task');
 * ```
 */
export async function loadLambdaHandler(
  setting: string,
  taskRoot: string,
): Promise<(...args: never[]) => unknown> {
  const parsed = parseHandlerSetting(setting);
  const module = await loadHandlerModule(parsed, taskRoot);
  let exported = findIn(parsed.exportPath, module);
  if (!exported && typeof module === 'object' && module !== null && 'default' in module) {
    exported = findIn(parsed.exportPath, (module as { default: unknown }).default);
  }
  // The runtime's own test: any falsy export counts as missing.
  if (!exported) {
    throw new LambdaHandlerResolutionError(
      'Runtime.HandlerNotFound',
      `${setting} is undefined or not exported`,
    );
  }
  if (typeof exported !== 'function') {
    throw new LambdaHandlerResolutionError('Runtime.HandlerNotFound', `${setting} is not a function`);
  }
  return exported as (...args: never[]) => unknown;
}

async function loadHandlerModule(setting: HandlerSetting, taskRoot: string): Promise<unknown> {
  const withoutExtension = resolve(taskRoot, setting.moduleRoot, setting.moduleName);
  for (const extension of extensionLookupOrder) {
    const file = `${withoutExtension}${extension}`;
    if (existsSync(file)) return (await import(file)) as unknown;
  }
  // Like the runtime: a module name resolved as a package, from the task root and the module root.
  const require = createRequire(join(taskRoot, 'noop.js'));
  const resolved = require.resolve(setting.moduleName, {
    paths: [taskRoot, join(taskRoot, setting.moduleRoot)],
  });
  return require(resolved) as unknown;
}

function findIn(exportPath: string, module: unknown): unknown {
  let current: unknown = module;
  for (const key of exportPath.split('.')) {
    current =
      current !== null && current !== undefined && typeof current === 'object'
        ? (current as Record<string, unknown>)[key]
        : undefined;
  }
  return current;
}
