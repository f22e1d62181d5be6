/**
 * Shutdown is one AbortController plus clean-ups registered as components start. `shutdown()`
 * aborts the signal (so every loop stops at its next await) and then runs the clean-ups in the
 * reverse order of registration (HTTP server first, store last), each once, errors logged.
 */
import type { Logger } from "./logger.js";

export interface Shutdown {
  readonly signal: AbortSignal;
  /** Registers a clean-up; runs in reverse registration order. */
  onShutdown(name: string, fn: () => Promise<void> | void): void;
  /** Aborts and runs the clean-ups. Idempotent: later calls return the first call's promise. */
  shutdown(reason?: string): Promise<void>;
}

export function createShutdown(log: Logger): Shutdown {
  const controller = new AbortController();
  const cleanups: { name: string; fn: () => Promise<void> | void }[] = [];
  let done: Promise<void> | undefined;
  return {
    signal: controller.signal,
    onShutdown(name, fn) {
      cleanups.push({ name, fn });
    },
    shutdown(reason = "shutdown") {
      done ??= (async () => {
        log.info({ reason }, "shutting down");
        controller.abort(new Error(reason));
        for (const { name, fn } of cleanups.reverse()) {
          try {
            await fn();
          } catch (err) {
            log.error({ err, step: name }, "clean-up failed");
          }
        }
      })();
      return done;
    },
  };
}

/** Resolves after `ms`, or at once when `signal` aborts (never rejects). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
  });
}

/**
 * A wake-up bell between stages: the follower rings it after new grants, a deposit rings it
 * when a key arrives, and the release worker waits on it (with a timeout) between rounds.
 */
export class Bell {
  #waiters: (() => void)[] = [];
  #rung = false;

  ring(): void {
    this.#rung = true;
    for (const w of this.#waiters.splice(0)) w();
  }

  /** Resolves when rung (or at once if rung since the last wait), after `ms`, or on abort. */
  async wait(ms: number, signal?: AbortSignal): Promise<void> {
    if (this.#rung) {
      this.#rung = false;
      return;
    }
    const inner = new AbortController();
    const onAbort = () => inner.abort();
    signal?.addEventListener("abort", onAbort, { once: true });
    this.#waiters.push(onAbort);
    await sleep(ms, inner.signal);
    signal?.removeEventListener("abort", onAbort);
    this.#waiters = this.#waiters.filter((w) => w !== onAbort);
    this.#rung = false;
  }
}

/** Exponential back-off with full jitter: attempt 0 → up to `base`, capped at `max` ms. */
export function backoff(attempt: number, base = 250, max = 30_000): number {
  const ceiling = Math.min(max, base * 2 ** Math.min(attempt, 20));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}
