/** One Server-Sent Event as a client parses it (WHATWG HTML §9.2.6). */
export interface SseEvent {
  id: string | undefined;
  event: string;
  data: string;
}

/**
 * Reads a `text/event-stream` response body as it arrives: its events in order, the
 * comments (heartbeats) and `retry:` hints seen, and when it ended.
 */
export function sseReader(response: Response) {
  if (!response.body) throw new Error("the response has no body");
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  const events: SseEvent[] = [];
  const comments: string[] = [];
  const retries: number[] = [];
  const waiters = new Set<() => void>();
  let buffer = "";
  let done = false;
  const wake = () => {
    for (const waiter of [...waiters]) waiter();
  };

  const ended = (async () => {
    try {
      for (;;) {
        const chunk = await reader.read();
        if (chunk.done) break;
        buffer += chunk.value;
        let cut = buffer.indexOf("\n\n");
        while (cut >= 0) {
          parseBlock(buffer.slice(0, cut));
          buffer = buffer.slice(cut + 2);
          cut = buffer.indexOf("\n\n");
        }
        wake();
      }
    } catch {
      // Cancelled by the test, or the connection dropped: ended either way.
    } finally {
      done = true;
      wake();
    }
  })();

  function parseBlock(block: string) {
    let event: SseEvent | undefined;
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) comments.push(line.slice(1).trim());
      else if (line.startsWith("retry: ")) retries.push(Number(line.slice(7)));
      else {
        const [field, ...rest] = line.split(": ");
        const value = rest.join(": ");
        event ??= { id: undefined, event: "message", data: "" };
        if (field === "id") event.id = value;
        else if (field === "event") event.event = value;
        else if (field === "data") event.data = value;
      }
    }
    if (event) events.push(event);
  }

  /** Resolves once `check` holds, or rejects after `timeoutMs`. */
  function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = () => {
        if (!check()) return;
        clearTimeout(timer);
        waiters.delete(waiter);
        resolve();
      };
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for ${what}; events: ${JSON.stringify(events)}`,
          ),
        );
      }, timeoutMs);
      waiters.add(waiter);
    });
  }

  return {
    events,
    comments,
    retries,
    /** Whether the server ended the stream (or it was cancelled). */
    get done() {
      return done;
    },
    /** Resolves when the stream has ended. */
    ended,
    /** Waits for at least `count` events, and returns them all. */
    async waitForEvents(count: number, timeoutMs = 2_000): Promise<SseEvent[]> {
      await until(() => events.length >= count, timeoutMs, `${count} events`);
      return events;
    },
    /** Waits for an event of this type. */
    async waitFor(type: string, timeoutMs = 2_000): Promise<SseEvent> {
      await until(() => events.some((e) => e.event === type), timeoutMs, type);
      return events.find((e) => e.event === type) as SseEvent;
    },
    /** Waits for at least `count` comment lines (heartbeats). */
    async waitForComments(count: number, timeoutMs = 2_000): Promise<void> {
      await until(() => comments.length >= count, timeoutMs, `${count} comments`);
    },
    /** Waits for the server to end the stream. */
    async waitForEnd(timeoutMs = 2_000): Promise<void> {
      await until(() => done, timeoutMs, "the end of the stream");
    },
    /** Hangs up, as a client going away does. */
    async cancel(): Promise<void> {
      await reader.cancel().catch(() => undefined);
      await ended;
    },
  };
}

/** The JSON `data` of an event. */
export function dataOf(event: SseEvent): Record<string, unknown> {
  return JSON.parse(event.data) as Record<string, unknown>;
}
