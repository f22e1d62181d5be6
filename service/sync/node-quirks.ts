/**
 * What differs between the JSON-RPC nodes the custodian follows — Hardhat's EDR (`hardhat node`),
 * Anvil (Foundry, revm), geth-style clients and hosted providers in front of them — and how the
 * custodian reads them all the same way. Everything node-specific on the *following* side lives
 * here (the driving side — how tests mine and reorganize — is devkit/nodes/index.ts); the
 * table is in docs/OPERATIONS.md ("Nodes and hosted RPC providers"), checked on real nodes by
 * test/service/nodes.test.ts.
 *
 *  - **Error shapes.** The same refusal reads differently on each node: an unknown block hash in
 *    eth_getLogs is `-32602 "blockHash cannot be found"` on Hardhat, `-32000 "unknown block"` on
 *    Anvil, `"header not found"` on geth; a range cap is "block range too large", "query returned
 *    more than 10000 results", "Log response size exceeded …", "eth_getLogs is limited to a 10000
 *    range"; a rate limit is HTTP 429 or a JSON-RPC error ("rate limit", "request rate exceeded",
 *    "exceeded its compute units per second capacity", code -32005 / 429). {@link classifyRpcError}
 *    sorts them by what to do: a range cap → halve the range; a rate limit or a vanished block →
 *    back off and retry (a RetryableError); anything else → the caller's back-off. The rate limit
 *    is checked FIRST: "too many requests" and "exceeded" must never be read as "range too large"
 *    (halving on a rate limit doubles the request rate).
 *  - **Revert data.** Both nodes answer a reverting eth_call / eth_estimateGas with code 3 and the
 *    custom error's bytes in `error.data` (messages differ: Hardhat names the error, Anvil prints
 *    its selector); ethers decodes both the same way, so revert names (release/chain-errors.ts,
 *    sdk/revert.ts) need nothing node-specific. A *mined* transaction that reverts differs:
 *    Hardhat's automine refuses it at eth_sendRawTransaction (the error carries the revert data,
 *    the transaction is mined anyway); Anvil accepts it and mines it with status 0 (no revert
 *    data, only the receipt). The custodian's submitter (release/tx.ts) judges its transactions
 *    by their receipts, never by the send's answer, so both end the same way.
 *  - **Log ordering.** Both return eth_getLogs sorted by (block, log index) and with no range cap;
 *    hosted providers need not do either, so the follower sorts what it ingests (follower.ts)
 *    and {@link splitRange} halves a refused range.
 *  - **Timestamps.** Hardhat makes every block's timestamp exceed its parent's (+1 s when several
 *    blocks are mined in one second, so a fast test chain runs ahead of the wall clock); Anvil
 *    uses the wall clock and gives blocks mined in the same second the SAME timestamp, and the
 *    blocks an `anvil_reorg` makes copy the replaced blocks' timestamps (the head's timestamp can
 *    go back after a reorg) — and Anvil's later blocks then lag the wall clock for good. The
 *    custodian's chain time therefore never moves back: the store only ever raises it
 *    (store/sql-store.ts, `chain_time < ?`), expiry is judged against max(wall clock, chain time)
 *    — a second early at worst, never late — and releases are dated by chain time
 *    ({@link releaseTime}), never by the wall clock.
 *  - **Finality tags.** `finalized` / `safe` mean different things: Hardhat answers the head for
 *    both; Anvil answers head − 64 and head − 32 (two and one epochs of 32 slots); a proof-of-stake
 *    network answers its checkpoints; many L2s and consortium chains answer the head. The
 *    custodian does not use them: a block is final when it is `SEALSHARE_CONFIRMATIONS` deep,
 *    the same rule on every node.
 *  - **Block filters.** An unknown filter id (node restarted, another backend behind a load
 *    balancer) is `result: null` on Hardhat and an error "filter not found" on Anvil; after
 *    `anvil_rollback` (a shorter chain) a block filter reports nothing at all. The follower treats
 *    a filter as a hint only ({@link filterHashes}) and takes a full look at the head at least
 *    every second (follower.ts FULL_STEP_EVERY_MS), so a chain that got shorter is still seen.
 */
import { RetryableError } from "../internal/errors.js";

export type RpcErrorKind = "rate-limited" | "range-too-large" | "block-gone" | "other";

/** HTTP 429 (rpc.ts says "answered HTTP 429"), or a JSON-RPC error that is a rate or quota limit. */
const RATE_LIMITED = /\bHTTP 429\b|rate.?limit|request rate|too many requests|compute units per second|capacity exceeded|throughput|exceeded .*(quota|credits)|daily request count|requests per second/i;
const RATE_LIMIT_CODES = new Set([429, -32029, -32090]);
/** A refused eth_getLogs range: by block span, by result count, or by response size. */
const RANGE_TOO_LARGE =
  /block range|range (is )?too (large|wide|big)|range limit|limited to (a )?\d+|more than \d+ (results|logs)|too many (results|logs|blocks)|response size|query returned more than|exceeds? (the )?(max|limit)|max(imum)? (block )?range|query timeout exceeded|log response size/i;
/** The block asked for is not (or no longer) on the node's chain: it was reorganized away. */
const BLOCK_GONE = /blockhash cannot be found|unknown block|header not found|block not found|could not find block/i;

function messageAndCode(err: unknown): { message: string; code?: number } {
  const e = err as { message?: unknown; rpcCode?: unknown; error?: { code?: unknown; message?: unknown }; info?: { error?: { code?: unknown; message?: unknown } } } | null;
  const inner = e?.error ?? e?.info?.error;
  const message = [e?.message, inner?.message].filter((m) => typeof m === "string").join(" ") || String(err);
  const code = [e?.rpcCode, inner?.code].find((c) => typeof c === "number") as number | undefined;
  return { message, code };
}

/** What an RPC failure means for a reader (see the file header). */
export function classifyRpcError(err: unknown): RpcErrorKind {
  const { message, code } = messageAndCode(err);
  if ((code !== undefined && RATE_LIMIT_CODES.has(code)) || RATE_LIMITED.test(message)) return "rate-limited";
  if (RANGE_TOO_LARGE.test(message)) return "range-too-large";
  if (BLOCK_GONE.test(message)) return "block-gone";
  return "other";
}

/**
 * A rate limit or a vanished block as a RetryableError (the follower backs off; on the next step
 * a vanished block shows up as a reorg); anything else unchanged.
 */
export function asRetryable(err: unknown, what: string): unknown {
  const kind = classifyRpcError(err);
  if (kind === "rate-limited") return new RetryableError(`${what}: the RPC endpoint is rate limiting us`, { cause: err });
  if (kind === "block-gone") return new RetryableError(`${what}: the block is no longer on the node's chain (a reorg)`, { cause: err });
  return err;
}

/** The halves of an inclusive block range the node refused as too large; null when it is one block. */
export function splitRange(from: number, to: number): [[number, number], [number, number]] | null {
  if (to <= from) return null;
  const mid = Math.floor((from + to) / 2);
  return [
    [from, mid],
    [mid + 1, to],
  ];
}

/** eth_getFilterChanges' answer as block hashes; throws when the filter is gone (Hardhat: null; Anvil: an error). */
export function filterHashes(answer: unknown): string[] {
  if (!Array.isArray(answer)) throw new Error("the block filter is gone (eth_getFilterChanges did not answer a list)");
  return answer as string[];
}

/**
 * The time a release is dated (`releasedAt`, in its receipt leaf): the chain-head time the
 * custodian has seen (the store's chain time), not the wall clock. A receipt batch is sealed in a
 * LATER block, so on every chain whose timestamps do not go back its block's time is at or after
 * the release's date, and the grant's block (final, at or below the head) is at or before it.
 * The wall clock gives neither on every node: Hardhat's blocks run ahead of it (so a wall-clock
 * date can precede the grant's block), Anvil's lag it by up to a second (and more after a reorg),
 * and a proof-of-stake block carries its slot's start time, which can precede the moment a
 * transaction it includes was sent — a wall-clock date can then follow the seal's block, and an
 * auditor reports the receipt as sealed before the release it records (RECEIPT_FROM_THE_FUTURE).
 * The wall clock is used only before any head was seen (chain time 0).
 */
export function releaseTime(chainTime: number, wallClock: number): number {
  return chainTime > 0 ? chainTime : wallClock;
}
