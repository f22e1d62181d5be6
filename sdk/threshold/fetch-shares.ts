/**
 * Asking every custodian of a set for its share at once, on the requester's side.
 *
 * All n are asked in parallel, each under its own timeout, so one slow or dead custodian costs
 * the requester at most that timeout and never blocks the others; the answers (shares or
 * errors) go to `combineShares`, which verifies them. Nothing here trusts an answer.
 *
 * The transport is injected (`fetchShare`): the real call (the custodian client: a signed
 * request, the share unwrapped from the requester's device key) is wired by its caller. It gets
 * an AbortSignal that fires on its timeout, on the caller's signal, or once enough answers are in
 * (`enough`); a fetch that ignores the signal is still abandoned at its timeout.
 *
 * Per custodian, `onProgress` sees: `asking` → `answered` | `failed` | `timed-out` | `skipped`
 * (not needed any more: `enough` was met first).
 */
import { getAddress } from "ethers";
import { SealshareError } from "../errors.js";
import type { CustodianAnswer, ShareAnswer } from "./combine.js";

/** One custodian to ask: its account and its index in the set, both from the chain. */
export interface ShareTarget {
  custodian: string;
  index: number;
}

/** What a custodian's fetch returns: its (unwrapped) share and the share's proof. */
export interface FetchedShare {
  share: Uint8Array;
  proof: readonly string[];
}

export type ShareProgressStatus = "asking" | "answered" | "failed" | "timed-out" | "skipped";

export interface ShareProgress {
  custodian: string;
  index: number;
  status: ShareProgressStatus;
  /** On failed, timed-out and skipped. */
  error?: SealshareError;
}

export interface FetchSharesParams {
  custodians: readonly ShareTarget[];
  /** Fetches one custodian's share; should stop when `signal` aborts. */
  fetchShare: (target: ShareTarget, opts: { signal: AbortSignal }) => Promise<FetchedShare>;
  /** Milliseconds each custodian gets. */
  timeoutMs: number;
  onProgress?: (progress: ShareProgress) => void;
  /** Aborts every fetch still running. */
  signal?: AbortSignal;
  /**
   * Stop asking once `needed` answers pass `accept` (e.g. t shares that verify against the
   * shares root): the fetches still running are aborted and answered as `skipped`.
   */
  enough?: { needed: number; accept: (answer: ShareAnswer) => boolean };
}

/**
 * Asks every custodian at once; resolves with one answer per custodian, in the order given, when
 * each has answered, failed, timed out or been skipped. Never rejects for a custodian's failure.
 *
 * @example
 * ```ts
 * const answers = await fetchShares({
 *   custodians: set.custodians.map((custodian, index) => ({ custodian, index })),
 *   fetchShare: (target, { signal }) => fetchShareFrom(target, { signal }),
 *   timeoutMs: 5_000,
 *   onProgress: (p) => bar.update(p.custodian, p.status),
 * });
 * ```
 */
export async function fetchShares(p: FetchSharesParams): Promise<CustodianAnswer[]> {
  if (!Number.isFinite(p.timeoutMs) || p.timeoutMs <= 0) throw new RangeError("timeoutMs must be a positive number of milliseconds");
  // Addresses come from the chain; a malformed one is the caller's bug, refused before anyone is asked.
  const targets = p.custodians.map((c) => ({ custodian: getAddress(c.custodian), index: c.index }));

  const stopAll = new AbortController();
  const onOuterAbort = () => stopAll.abort();
  if (p.signal?.aborted) stopAll.abort();
  else p.signal?.addEventListener("abort", onOuterAbort, { once: true });
  let accepted = 0;

  const report = (progress: ShareProgress) => {
    try {
      p.onProgress?.(progress);
    } catch {
      // A progress display must not change which shares are fetched.
    }
  };

  const ask = async ({ custodian, index }: ShareTarget): Promise<CustodianAnswer> => {
    const own = new AbortController();
    const stopOwn = () => own.abort();
    // A listener added to a signal that has already fired never runs: check first.
    if (stopAll.signal.aborted) own.abort();
    else stopAll.signal.addEventListener("abort", stopOwn, { once: true });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const outcome = new Promise<{ kind: "timeout" } | { kind: "stopped" }>((resolve) => {
      if (own.signal.aborted) return resolve({ kind: "stopped" });
      timer = setTimeout(() => resolve({ kind: "timeout" }), p.timeoutMs);
      own.signal.addEventListener("abort", () => resolve({ kind: "stopped" }), { once: true });
    });
    report({ custodian, index, status: "asking" });
    try {
      const settled = own.signal.aborted
        ? await outcome // cancelled before it began: the custodian is not asked at all
        : await Promise.race([
            start(() => p.fetchShare({ custodian, index }, { signal: own.signal })).then(
              (value) => ({ kind: "value" as const, value }),
              (error: unknown) => ({ kind: "error" as const, error }),
            ),
            outcome,
          ]);
      if (settled.kind === "value" && isFetchedShare(settled.value)) {
        const answer: ShareAnswer = { custodian, index, share: settled.value.share, proof: settled.value.proof };
        if (p.enough && safeAccept(p.enough.accept, answer) && ++accepted >= p.enough.needed) stopAll.abort();
        report({ custodian, index, status: "answered" });
        return answer;
      }
      const error =
        settled.kind === "value"
          ? new SealshareError("THRESHOLD_BAD_SHARE", `custodian ${custodian} (index ${index}) gave a bad share: its answer holds no share and proof`, { details: { custodian, index } })
          : answerError(settled, custodian, index, p.timeoutMs);
      const status: ShareProgressStatus = settled.kind === "timeout" ? "timed-out" : settled.kind === "stopped" && !p.signal?.aborted ? "skipped" : "failed";
      report({ custodian, index, status, error });
      return { custodian, index, error };
    } finally {
      clearTimeout(timer);
      own.abort(); // a fetch still running (one that lost the race) is told to stop
      stopAll.signal.removeEventListener("abort", stopOwn);
    }
  };

  try {
    return await Promise.all(targets.map(ask));
  } finally {
    p.signal?.removeEventListener("abort", onOuterAbort);
  }
}

function isFetchedShare(value: unknown): value is FetchedShare {
  const v = value as Partial<FetchedShare> | null | undefined;
  return typeof v === "object" && v !== null && v.share instanceof Uint8Array && Array.isArray(v.proof);
}

/** Calls `fetch` now (so it sees the signal as it is), turning a synchronous throw into a rejection. */
function start<T>(fetch: () => Promise<T>): Promise<T> {
  try {
    return Promise.resolve(fetch());
  } catch (error) {
    return Promise.reject(error);
  }
}

function safeAccept(accept: (answer: ShareAnswer) => boolean, answer: ShareAnswer): boolean {
  try {
    return accept(answer);
  } catch {
    return false;
  }
}

function answerError(
  settled: { kind: "timeout" } | { kind: "stopped" } | { kind: "error"; error: unknown },
  custodian: string,
  index: number,
  timeoutMs: number,
): SealshareError {
  const details = { custodian, index };
  switch (settled.kind) {
    case "timeout":
      return new SealshareError("THRESHOLD_CUSTODIAN_TIMEOUT", `custodian ${custodian} (index ${index}) did not answer within ${timeoutMs} ms`, {
        hint: "the custodian may be down or overloaded: ask its operator, or try again later",
        details,
      });
    case "stopped":
      return new SealshareError("THRESHOLD_CUSTODIAN_FAILED", `custodian ${custodian} (index ${index}) was not waited for: enough shares had arrived, or the fetch was cancelled`, { details });
    case "error": {
      const e = settled.error;
      const why = e instanceof Error ? e.message : String(e);
      return new SealshareError("THRESHOLD_CUSTODIAN_FAILED", `custodian ${custodian} (index ${index}) failed: ${why}`, {
        details: { ...details, ...(e instanceof SealshareError ? { cause: e.code } : {}) },
        cause: e,
      });
    }
  }
}
