/**
 * A module behind `import()`, loaded once per process on first use.
 *
 * @example
 * ```ts
 * const pipeline = createModuleLoader(() => import('./document-pipeline.js'));
 * const { compileExperimentDocument } = await pipeline.load();
 * ```
 */
export interface ModuleLoader<Module> {
  /** Loads the module, or joins the load in flight. A failed load is retried by the next call, not remembered. */
  load(): Promise<Module>;
  /** The module once loaded, else `undefined`. Synchronous, for per-invocation paths. */
  loaded(): Module | undefined;
}

/**
 * Wraps one `import()` (keep it a literal `import('./file.js')` so bundlers split it into its own chunk) so that it
 * runs once and a transient failure (a file system hiccup) does not disable it for good.
 *
 * @example
 * ```ts
 * const runtime = createModuleLoader(() => import('./fault-runtime.js'));
 * runtime.loaded(); // undefined until the first load() has finished
 * ```
 */
export function createModuleLoader<Module>(importModule: () => Promise<Module>): ModuleLoader<Module> {
  let loaded: Module | undefined;
  let loading: Promise<Module> | undefined;
  return {
    load() {
      loading ??= importModule().then(
        (module) => {
          loaded = module;
          return module;
        },
        (error: unknown) => {
          loading = undefined;
          throw error;
        },
      );
      return loading;
    },
    loaded: () => loaded,
  };
}
