/**
 * Runs `work` on every item, at most `limit` at a time, and resolves when all are done
 * (rejects with the first failure).
 *
 * @example await eachBounded(records, 8, async (record) => void (await store.readEvents?.(record.id)));
 */
export async function eachBounded<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
