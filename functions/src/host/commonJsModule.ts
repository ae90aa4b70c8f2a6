// CommonJS packages loaded with `import()` look different from source (Node's interop, which also
// offers named exports) and from the ES module bundle (esbuild's, which offers only `default`).
// These read them the same way in both.

/** A CommonJS module's exports: the bundle puts them on `default` only, Node also as named exports. */
export function commonJsExports<T extends object>(module: T): T {
  const exported = (module as { default?: unknown }).default;
  return (exported && typeof exported === 'object' ? exported : module) as T;
}

/**
 * The default export of a CommonJS module loaded with `import()`. Node (and the bundle) hand over
 * `module.exports` as `default`; a module compiled from TypeScript keeps its own one level down.
 */
export function commonJsDefault<T extends { default: unknown }>(
  module: T,
): T['default'] extends { default: infer Inner } ? Inner : T['default'] {
  const exported = module.default as { default?: unknown } | undefined;
  return (
    exported && typeof exported === 'object' && 'default' in exported ? exported.default : exported
  ) as never;
}
