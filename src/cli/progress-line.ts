/** The least time between two redraws, so a fast walk does not flood the terminal. */
const redrawMs = 100;

/** A progress line: {@link ProgressLine.update} redraws it, {@link ProgressLine.done} clears it. */
export interface ProgressLine {
  update(count: number): void;
  done(): void;
}

/**
 * A single line on a terminal that counts what a long command has got through, with its
 * rate: `label: 12500 flows scanned (41200/s)`, redrawn in place with `\r`. No bar: a
 * store cannot say up front how many records it holds. Writes nothing unless `stream`
 * is a TTY, so logs and pipes never see it.
 *
 * @example
 * const progress = progressLine(process.stderr, "waymark migrate", "flows scanned");
 * progress.update(500);
 * progress.done();
 */
export function progressLine(
  stream: NodeJS.WriteStream,
  label: string,
  counted: string,
): ProgressLine {
  if (!stream.isTTY) return { update() {}, done() {} };
  const started = performance.now();
  let drawnAt = Number.NEGATIVE_INFINITY;
  let drawn = false;
  return {
    update(count) {
      const at = performance.now();
      if (at - drawnAt < redrawMs) return;
      drawnAt = at;
      drawn = true;
      const rate = Math.round(count / Math.max((at - started) / 1000, 0.001));
      // \x1b[K clears what a longer line before it left on the right.
      stream.write(`\r${label}: ${count} ${counted} (${rate}/s)\x1b[K`);
    },
    done() {
      if (drawn) stream.write("\r\x1b[K");
    },
  };
}
