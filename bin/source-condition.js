// A module hook for a checkout of the repository, registered by waymark.js: resolves with
// the "waymark-source" export condition, which maps the package's own name to src/*.ts.
export function resolve(specifier, context, nextResolve) {
  return nextResolve(specifier, {
    ...context,
    conditions: [...context.conditions, "waymark-source"],
  });
}
