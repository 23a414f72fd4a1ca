import type { FlowStore } from "../../src/store/types.ts";

/**
 * A real store behind a hook that runs before every method call, by name: for counting
 * calls or failing on demand in HTTP-layer tests.
 */
export function wrapStore(inner: FlowStore, before: (method: string) => void): FlowStore {
  return Object.fromEntries(
    Object.entries(inner).map(([name, member]) => [
      name,
      // Methods are wrapped; data members such as `capabilities` pass through unchanged.
      typeof member !== "function"
        ? member
        : async (...args: unknown[]) => {
            before(name);
            return (member as (...a: unknown[]) => Promise<unknown>)(...args);
          },
    ]),
  ) as unknown as FlowStore;
}
