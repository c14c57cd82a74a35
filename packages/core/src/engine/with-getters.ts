/** Per getter name: the symbol its reader is kept under, and the one getter function every object shares. */
const sharedGetters = new Map<string, { readonly key: symbol; readonly get: () => unknown }>();

/**
 * `target` with a read-only, enumerable getter per entry of `getters`, added after the object was built, so that the
 * objects the wrapper reads on every invocation (the engines) keep V8's fast properties. V8 keeps an object that
 * declares a getter in its literal (`{ get registry() {…} }`) in dictionary mode, and also one given a getter
 * function of its own: objects share a shape only when they share the getter function. So each object keeps its
 * reader under a symbol, and the getter, one function per name, calls it.
 *
 * @example
 * ```ts
 * const engine = withGetters({ current }, { registry: () => registry });
 * engine.registry; // the registry in force now
 * ```
 */
export function withGetters<Target extends object, Getters extends Record<string, () => unknown>>(
  target: Target,
  getters: Getters,
): Target & { readonly [Name in keyof Getters]: ReturnType<Getters[Name]> } {
  for (const [name, read] of Object.entries(getters)) {
    let shared = sharedGetters.get(name);
    if (shared === undefined) {
      const key = Symbol(name);
      shared = {
        key,
        get(this: Record<symbol, () => unknown>) {
          return this[key]?.();
        },
      };
      sharedGetters.set(name, shared);
    }
    Object.defineProperty(target, shared.key, { value: read });
    Object.defineProperty(target, name, { get: shared.get, enumerable: true });
  }
  return target as Target & { readonly [Name in keyof Getters]: ReturnType<Getters[Name]> };
}
