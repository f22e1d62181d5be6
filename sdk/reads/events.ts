/**
 * The one way the SDK reads ledger events: bounded, chunked `eth_getLogs`.
 *
 * Hosted RPC providers refuse a log query over a wide block range or with too many results, so
 * no read may ask "every log since the deployment block" in one call. This reader walks
 * [fromBlock, toBlock] in windows of at most `maxRange` blocks (default 2,000) and:
 * - halves the window when the node answers "range too large" / "too many results" (down to
 *   one block; a single block that is still refused is a real error), and keeps the smaller
 *   window for the rest of the walk;
 * - retries any other failure (timeouts, 429s, dropped connections) with exponential back-off,
 *   `retries` times, before giving up with `EVENT_READ_FAILED`;
 * - decodes every log with the ledger's Interface (logs it cannot decode are skipped), and
 *   returns them in chain order (block, log index).
 *
 * Every SDK read action, the provider worker's ledger view, the consent receipt check and the
 * audit timeline/verify read through it.
 *
 * @example
 * ```ts
 * const logs = await readLedgerEvents(ctx, { event: "AccessRequested", topics: [null, datasetId] });
 * const all = await readLedgerEvents(ctx, {}, { maxRange: 500 }); // every ledger event
 * ```
 */
import { getAddress, Interface, toBeHex, zeroPadValue, type Log, type Provider } from "ethers";
import { Sealshare__factory } from "../../types/ethers-contracts/index.js";
import { SealshareError } from "../errors.js";

const ledgerInterface = Sealshare__factory.createInterface() as unknown as Interface;

/** A decoded ledger event with where it happened. */
export interface LedgerLog {
  /** The event's name ("AccessRequested"). */
  event: string;
  args: Record<string, unknown> & { [k: string]: any }; // eslint-disable-line @typescript-eslint/no-explicit-any
  txHash: string;
  blockNumber: number;
  logIndex: number;
}

/** How the reader pages and retries. */
export interface EventReaderOptions {
  /** Largest block range per eth_getLogs. Default 2,000. */
  maxRange?: number;
  /** Retries of a failed window (not counting range halvings). Default 4. */
  retries?: number;
  /** First back-off delay in ms (at least 300); doubles on each retry. Default 300. */
  backoffMs?: number;
}

/** Where to read: a provider and the ledger's address; `fromBlock` is the deployment block. */
export interface EventSource {
  provider: Provider;
  ledger: string;
  fromBlock?: number;
  reader?: EventReaderOptions;
}

/** Which events: one name (with indexed-argument filters), several names, or (none given) all. */
export interface EventQuery {
  event?: string | string[];
  /**
   * With a single `event`: its indexed arguments in order (null = any, an array = any of).
   * Values are addresses, bigints/numbers or bytes32.
   */
  topics?: (null | unknown | unknown[])[];
  fromBlock?: number;
  toBlock?: number;
}

export const DEFAULT_MAX_RANGE = 2_000;
/**
 * ethers' provider keeps the answer to an identical request for 250 ms (its in-flight
 * de-duplication), failures included: a retry sooner than that would read the same failure.
 */
const MIN_BACKOFF_MS = 300;

/** The ledger's events matching `q`, decoded, in chain order, read `maxRange` blocks at a time. */
export async function readEvents(src: EventSource, q: EventQuery = {}, opts: EventReaderOptions = {}): Promise<LedgerLog[]> {
  const o = { ...src.reader, ...opts };
  const topics = topicFilter(q);
  const from = Math.max(q.fromBlock ?? 0, src.fromBlock ?? 0);
  const to = q.toBlock ?? (await withRetry(() => src.provider.getBlockNumber(), o));
  const logs = await getLogsChunked(src.provider, { address: src.ledger, topics }, from, to, o);
  const out: LedgerLog[] = [];
  for (const l of logs) {
    let parsed;
    try {
      parsed = ledgerInterface.parseLog({ topics: [...l.topics], data: l.data });
    } catch {
      continue;
    }
    if (!parsed) continue;
    const args: Record<string, unknown> = {};
    parsed.fragment.inputs.forEach((input, i) => (args[input.name] = parsed.args[i]));
    out.push({ event: parsed.name, args, txHash: l.transactionHash, blockNumber: l.blockNumber, logIndex: l.index });
  }
  return out.sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);
}

/**
 * Raw logs of `filter` in [from, to], at most `maxRange` blocks per call, halving on "range too
 * large", retrying other failures with back-off.
 */
export async function getLogsChunked(
  provider: Provider,
  filter: { address: string; topics?: (string | string[] | null)[] },
  from: number,
  to: number,
  opts: EventReaderOptions = {},
): Promise<Log[]> {
  let span = Math.max(1, Math.floor(opts.maxRange ?? DEFAULT_MAX_RANGE));
  const out: Log[] = [];
  let a = from;
  while (a <= to) {
    const b = Math.min(to, a + span - 1);
    try {
      out.push(...(await withRetry(() => provider.getLogs({ ...filter, fromBlock: a, toBlock: b }), opts)));
      a = b + 1;
    } catch (err) {
      if (isRangeRefusal(err) && b > a) {
        span = Math.max(1, Math.floor((b - a + 1) / 2));
        continue;
      }
      throw err instanceof SealshareError
        ? err
        : new SealshareError("EVENT_READ_FAILED", `eth_getLogs failed for blocks ${a}–${b}: ${messageOf(err)}`, { cause: err, hint: "check the RPC endpoint; lower the block range per query (maxRange)" });
    }
  }
  return out;
}

/** True when the node refused the query for its size (range or result count), not for a fault. */
export function isRangeRefusal(err: unknown): boolean {
  return /range (is )?too (large|wide|big)|block range|too many (results|logs|blocks)|more than \d+ results|exceeds? (the )?(max|limit)|response size|limit exceeded|query timeout exceeded|-32005/i.test(messageOf(err));
}

async function withRetry<T>(call: () => Promise<T>, opts: EventReaderOptions): Promise<T> {
  const retries = opts.retries ?? 4;
  let delay = Math.max(opts.backoffMs ?? 300, MIN_BACKOFF_MS);
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (isRangeRefusal(err) || attempt >= retries) throw err;
      await new Promise((r) => setTimeout(r, delay));
      delay *= 2;
    }
  }
}

/** Every message in an ethers error and its nested causes (the node's own text sits deep). */
function messageOf(err: unknown, depth = 0): string {
  if (depth > 5 || err === null || err === undefined) return "";
  if (typeof err !== "object") return String(err);
  const e = err as Record<string, unknown>;
  const parts = [typeof e.message === "string" ? e.message : "", typeof e.code === "number" ? String(e.code) : ""];
  for (const k of ["error", "info", "cause", "payload"]) if (e[k] && e[k] !== err) parts.push(messageOf(e[k], depth + 1));
  return parts.filter(Boolean).join(" | ");
}

function topicFilter(q: EventQuery): (string | string[] | null)[] | undefined {
  if (q.event === undefined) return undefined;
  const names = Array.isArray(q.event) ? q.event : [q.event];
  const fragments = names.map((n) => {
    const f = ledgerInterface.getEvent(n);
    if (!f) throw new SealshareError("UNKNOWN_EVENT", `the ledger has no event ${n}`);
    return f;
  });
  if (fragments.length > 1) {
    if (q.topics?.length) throw new SealshareError("INVALID_QUERY", "indexed-argument filters need a single event");
    return [fragments.map((f) => f.topicHash)];
  }
  const indexed = fragments[0]!.inputs.filter((i) => i.indexed);
  const enc = (v: unknown, i: number): string => {
    const input = indexed[i];
    if (!input) throw new SealshareError("INVALID_QUERY", `${names[0]} has only ${indexed.length} indexed arguments`);
    const type = input.type;
    return zeroPadValue(type === "address" ? getAddress(String(v)) : type.startsWith("uint") ? toBeHex(BigInt(v as bigint)) : type === "bool" ? toBeHex(v ? 1 : 0) : String(v), 32).toLowerCase();
  };
  return [fragments[0]!.topicHash, ...(q.topics ?? []).map((t, i) => (t === null || t === undefined ? null : Array.isArray(t) ? t.map((x) => enc(x, i)) : enc(t, i)))];
}
