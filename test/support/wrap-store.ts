import { createMemoryStore } from "../../src/store/memory.ts";
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

/**
 * A memory store that counts the flow watches taken and released: what live-update tests
 * check streams give back. `open()` is how many are held now.
 */
export function countWatches() {
  const inner = createMemoryStore();
  const counts = { taken: 0, released: 0 };
  const store: FlowStore = {
    ...inner,
    async watchFlow(id, onChange) {
      const watch = await (inner.watchFlow as NonNullable<FlowStore["watchFlow"]>)(id, onChange);
      counts.taken++;
      let open = true;
      return {
        async close() {
          if (open) counts.released++;
          open = false;
          await watch.close();
        },
      };
    },
  };
  return { store, counts, open: () => counts.taken - counts.released };
}
