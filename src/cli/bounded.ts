/**
 * Waits for `work`, but no longer than `ms`: a step of shutdown that hangs (a peer that
 * accepts and never answers) must not use up the grace period of the steps after it.
 * Resolves true when the work settled in time (a rejection counts as settled), false when
 * the time ran out; the work itself is left to finish or not.
 *
 * @example
 * if (!(await bounded(tracing.shutdown(), 2_500))) logger.warn("trace flush timed out");
 */
export async function bounded(work: Promise<unknown> | undefined, ms: number): Promise<boolean> {
  if (work === undefined) return true;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
    timer.unref();
  });
  try {
    return await Promise.race([
      work.then(
        () => true,
        () => true,
      ),
      expired,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
