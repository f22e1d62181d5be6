/**
 * Following changes live: server-sent events from the custodian (`GET /v1/events`, which needs a
 * Sign-In with Ethereum session, see ./custodian-session.ts) when the user signed in, and
 * polling the chain otherwise. Either way the page's `refresh` runs; an event only makes it run
 * sooner. The custodian's events (`grant`, `release`, `revocation`, `resync`) are advisory: the
 * chain stays the source of truth, so every one of them just triggers a refresh; `end` (the
 * session ended) falls back to polling.
 */

export type LiveMode = "connecting" | "events" | "polling";

export interface LiveHandle {
  readonly mode: LiveMode;
  stop(): void;
}

export function follow(opts: {
  /** Without it (not signed in), poll only. */
  eventsUrl?: string;
  pollMs: number;
  refresh: () => Promise<void>;
  onMode?: (mode: LiveMode) => void;
  /**
   * The chain head (block number). When given, a poll refreshes only if a block was added since
   * the last refresh: nothing on chain can have changed otherwise, and a page polling every
   * second then costs one eth_blockNumber, not a dozen reads.
   */
  head?: () => Promise<number>;
}): LiveHandle {
  let mode: LiveMode = "connecting";
  let stopped = false;
  let running = false;
  let again = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let source: EventSource | undefined;

  const setMode = (m: LiveMode) => {
    if (m !== mode) {
      mode = m;
      opts.onMode?.(m);
    }
  };

  const run = async () => {
    if (stopped) return;
    if (running) {
      again = true; // coalesce bursts into one more refresh
      return;
    }
    running = true;
    try {
      await opts.refresh();
    } catch {
      /* the page shows its own errors; keep following */
    } finally {
      running = false;
    }
    if (again) {
      again = false;
      void run();
    }
  };

  let lastHead: number | undefined;
  const poll = async () => {
    if (opts.head) {
      const head = await opts.head().catch(() => undefined);
      if (head !== undefined && head === lastHead) return;
      lastHead = head;
    }
    await run();
  };

  const schedule = () => {
    if (stopped) return;
    // With SSE the chain is still polled, slowly, in case an event is missed.
    timer = setTimeout(() => void poll().finally(schedule), mode === "events" ? opts.pollMs * 5 : opts.pollMs);
  };

  if (opts.eventsUrl && typeof EventSource !== "undefined") {
    try {
      source = new EventSource(opts.eventsUrl);
      source.onopen = () => setMode("events");
      source.onmessage = () => void run();
      source.onerror = () => {
        // Not served (404), wrong type, or the connection dropped for good: poll instead.
        if (source?.readyState === EventSource.CLOSED) {
          source.close();
          setMode("polling");
        }
      };
      for (const name of ["grant", "release", "revocation", "resync"]) source.addEventListener(name, () => void run());
      source.addEventListener("end", () => {
        source?.close();
        setMode("polling");
      });
    } catch {
      setMode("polling");
    }
  } else setMode("polling");

  schedule();
  return {
    get mode() {
      return mode;
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
      source?.close();
    },
  };
}
