/**
 * Sending the custodian's transactions (receipt batch seals, single receipts) so that a crash,
 * a dropped transaction, a fee spike or a reorg never loses one and never lands one twice.
 *
 *  - **Explicit nonces.** The submitter allocates nonces itself (from the account's pending
 *    count at first use, and never below the highest nonce it has open), so many transactions
 *    can be in flight without waiting for each other.
 *  - **Persist, then broadcast.** A transaction is signed locally and stored (nonce, hash,
 *    signed bytes, fees, key) BEFORE it is broadcast, under a unique key that names what it
 *    does ("seal:<batchId>", "release:<requestId>:<kind>"); `send` for a key already stored
 *    returns the stored one and sends nothing. After a crash every transaction is known.
 *  - **Progress** (`tick`, every round), for each open transaction in nonce order:
 *      mined (one of its hashes has a receipt)      → `mined`; `done` once the caller says its
 *                                                      effect is final (`final(tx)`)
 *      reverted                                     → if the effect is on chain anyway (`done(tx)`,
 *                                                      e.g. the batch was sealed by an earlier
 *                                                      attempt): mined; else resent, new nonce
 *      nonce used by a transaction not ours          → if `done(tx)`: mined; else resent, new nonce
 *      in the pool but not mined for `bumpAfterMs`   → replaced: same nonce, fees +12.5% (at least
 *        or `bumpAfterBlocks`                          the current fee data), every hash kept
 *      not in the pool (dropped, or orphaned by a reorg) → the same signed bytes broadcast again
 *      a nonce below it missing (a gap)             → filled with a 0-value self-transfer
 *  - **Idempotent by effect.** Before a transaction is resent under a NEW nonce (the only case
 *    where two of them could both land), `done(tx)` asks the chain whether the effect is already
 *    there (receiptBatchRoot(batchId) ≠ 0; a KeyReleased for the envelope). A batch id can be
 *    sealed only once on chain, so a seal can never land twice.
 */
import { keccak256, type Provider, type Signer, type TransactionReceipt } from "ethers";
import { RetryableError } from "../internal/errors.js";
import type { Logger } from "../internal/logger.js";
import { sleep } from "../internal/shutdown.js";
import type { ChainTx, TxOutbox } from "../store/store.js";

/** Polls for the receipt of `hash` every `pollMs`; throws if it reverted or `signal` aborts. */
export async function waitMined(provider: Provider, hash: string, pollMs: number, signal?: AbortSignal, timeoutMs = 120_000): Promise<TransactionReceipt> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const receipt = await provider.getTransactionReceipt(hash);
    if (receipt) {
      if (receipt.status !== 1) throw new Error(`transaction ${hash} reverted`);
      return receipt;
    }
    if (signal?.aborted) throw new Error("aborted while waiting for a transaction");
    if (Date.now() > deadline) throw new RetryableError(`transaction ${hash} not mined after ${timeoutMs} ms`);
    await sleep(Math.min(pollMs, 1000), signal);
  }
}

export interface TxJob {
  key: string;
  to: string;
  data: string;
  gasLimit?: bigint;
}

export interface TxHooks {
  /** Is the transaction's effect on chain (latest block), whichever transaction put it there? */
  done(tx: ChainTx): Promise<boolean>;
  /** Is it final (the caller's view: its event is in a finalized block)? Then the tx is closed. */
  final(tx: ChainTx): Promise<boolean>;
}

export interface TickReport {
  open: number;
  mined: number;
  bumped: number;
  rebroadcast: number;
  renonced: number;
  filled: number;
  closed: number;
}

export interface TxSubmitter {
  /** Persists and broadcasts `job`, unless a transaction with its key exists (then returns it). */
  send(job: TxJob): Promise<ChainTx>;
  /** One pass over the open transactions (see the file header). */
  tick(hooks: TxHooks): Promise<TickReport>;
}

export interface SubmitterDeps {
  provider: Provider;
  /** The custodian's account; must be able to sign transactions locally (a Wallet). */
  signer: Signer;
  chainId: bigint;
  store: TxOutbox;
  log: Logger;
  /** Replace a transaction not mined after this long (default 30 s)… */
  bumpAfterMs?: number;
  /** …or after this many blocks (default 3). */
  bumpAfterBlocks?: number;
  /** Fee increase per replacement, in per-mille (default 125 = +12.5%). */
  bumpPerMille?: bigint;
  /** Gas limit = estimate × (1 + this/100) (default 25). */
  gasMarginPercent?: bigint;
  now?: () => number; // ms
}

export function createTxSubmitter(deps: SubmitterDeps): TxSubmitter {
  const { provider, signer, store, log } = deps;
  const bumpAfterMs = deps.bumpAfterMs ?? 30_000;
  const bumpAfterBlocks = deps.bumpAfterBlocks ?? 3;
  const bump = 1000n + (deps.bumpPerMille ?? 125n);
  const margin = 100n + (deps.gasMarginPercent ?? 25n);
  const nowMs = deps.now ?? Date.now;
  let address: string | undefined;
  let next: number | undefined; // next nonce to allocate
  let init: Promise<void> | undefined;

  async function ensureInit(): Promise<void> {
    init ??= (async () => {
      address = await signer.getAddress();
      const pending = await provider.getTransactionCount(address, "pending");
      const open = await store.openTxs();
      next = Math.max(pending, ...open.map((t) => t.nonce + 1));
    })().catch((err: unknown) => {
      init = undefined;
      throw err;
    });
    await init;
  }

  const allocate = () => next!++;

  async function fees(): Promise<{ maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }> {
    const f = await provider.getFeeData();
    const maxPriorityFeePerGas = f.maxPriorityFeePerGas ?? 1_000_000_000n;
    const maxFeePerGas = f.maxFeePerGas ?? (f.gasPrice ?? 1_000_000_000n) * 2n;
    return { maxFeePerGas: maxFeePerGas < maxPriorityFeePerGas ? maxPriorityFeePerGas : maxFeePerGas, maxPriorityFeePerGas };
  }

  async function sign(t: { to: string; data: string; nonce: number; gasLimit: bigint; maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }) {
    const raw = await signer.signTransaction({
      type: 2,
      chainId: deps.chainId,
      to: t.to,
      data: t.data,
      nonce: t.nonce,
      gasLimit: t.gasLimit,
      maxFeePerGas: t.maxFeePerGas,
      maxPriorityFeePerGas: t.maxPriorityFeePerGas,
      value: 0n,
    });
    return { raw, hash: keccak256(raw) };
  }

  /** Broadcast; the node's objections are settled by the next tick. */
  async function broadcast(t: ChainTx, raw: string): Promise<void> {
    try {
      await provider.broadcastTransaction(raw);
    } catch (err) {
      log.warn({ txKey: t.key, nonce: t.nonce, err }, "broadcast refused or failed; the submitter will check again");
    }
  }

  async function send(job: TxJob): Promise<ChainTx> {
    const existing = await store.tx(job.key);
    if (existing) return existing;
    await ensureInit();
    const gasLimit = job.gasLimit ?? ((await provider.estimateGas({ from: address, to: job.to, data: job.data })) * margin) / 100n;
    const f = await fees();
    const nonce = allocate();
    const { raw, hash } = await sign({ to: job.to, data: job.data, nonce, gasLimit, ...f });
    const head = await provider.getBlockNumber();
    const record: ChainTx = {
      key: job.key,
      nonce,
      hashes: [hash],
      raw,
      to: job.to,
      data: job.data,
      gasLimit: gasLimit.toString(),
      maxFeePerGas: f.maxFeePerGas.toString(),
      maxPriorityFeePerGas: f.maxPriorityFeePerGas.toString(),
      state: "sent",
      minedTx: null,
      minedBlock: null,
      sentAtMs: nowMs(),
      sentBlock: head,
      bumps: 0,
      resends: 0,
    };
    const stored = await store.putTx(record);
    if (stored.hashes[0] !== hash) return stored; // another round stored this key first: its tx stands
    await broadcast(stored, raw);
    log.info({ txKey: job.key, nonce, tx: hash }, "transaction sent");
    return stored;
  }

  /** Re-signs `t` under a fresh nonce (its old nonce can no longer be mined). */
  async function renonce(t: ChainTx, why: string): Promise<void> {
    const f = await fees();
    const nonce = allocate();
    const { raw, hash } = await sign({ to: t.to, data: t.data, nonce, gasLimit: BigInt(t.gasLimit), ...f });
    await store.updateTx(t.key, {
      nonce,
      hashes: [...t.hashes, hash],
      raw,
      maxFeePerGas: f.maxFeePerGas.toString(),
      maxPriorityFeePerGas: f.maxPriorityFeePerGas.toString(),
      state: "sent",
      minedTx: null,
      minedBlock: null,
      sentAtMs: nowMs(),
      sentBlock: await provider.getBlockNumber(),
      resends: t.resends + 1,
    });
    await broadcast(t, raw);
    log.warn({ txKey: t.key, oldNonce: t.nonce, nonce, tx: hash, why }, "transaction resent under a new nonce");
  }

  async function replace(t: ChainTx): Promise<void> {
    const f = await fees();
    const up = (old: string, current: bigint) => {
      const bumped = (BigInt(old) * bump + 999n) / 1000n;
      return bumped > current ? bumped : current;
    };
    const maxPriorityFeePerGas = up(t.maxPriorityFeePerGas, f.maxPriorityFeePerGas);
    let maxFeePerGas = up(t.maxFeePerGas, f.maxFeePerGas);
    if (maxFeePerGas < maxPriorityFeePerGas) maxFeePerGas = maxPriorityFeePerGas;
    const { raw, hash } = await sign({ to: t.to, data: t.data, nonce: t.nonce, gasLimit: BigInt(t.gasLimit), maxFeePerGas, maxPriorityFeePerGas });
    await store.updateTx(t.key, {
      hashes: [...t.hashes, hash],
      raw,
      maxFeePerGas: maxFeePerGas.toString(),
      maxPriorityFeePerGas: maxPriorityFeePerGas.toString(),
      sentAtMs: nowMs(),
      sentBlock: await provider.getBlockNumber(),
      bumps: t.bumps + 1,
    });
    await broadcast(t, raw);
    log.warn({ txKey: t.key, nonce: t.nonce, tx: hash, maxFeePerGas: maxFeePerGas.toString() }, "transaction not mined in time; replaced with higher fees");
  }

  async function fill(nonce: number): Promise<void> {
    const f = await fees();
    const key = `filler:${nonce}:${nowMs()}`;
    const { raw, hash } = await sign({ to: address!, data: "0x", nonce, gasLimit: 21_000n, ...f });
    const t = await store.putTx({
      key,
      nonce,
      hashes: [hash],
      raw,
      to: address!,
      data: "0x",
      gasLimit: "21000",
      maxFeePerGas: f.maxFeePerGas.toString(),
      maxPriorityFeePerGas: f.maxPriorityFeePerGas.toString(),
      state: "sent",
      minedTx: null,
      minedBlock: null,
      sentAtMs: nowMs(),
      sentBlock: await provider.getBlockNumber(),
      bumps: 0,
      resends: 0,
    });
    await broadcast(t, raw);
    log.warn({ nonce, tx: hash }, "nonce gap filled with an empty transaction");
  }

  async function receiptOf(t: ChainTx): Promise<TransactionReceipt | null> {
    const receipts = await Promise.all(t.hashes.map((h) => provider.getTransactionReceipt(h)));
    return receipts.find((r) => r !== null) ?? null;
  }

  async function tick(hooks: TxHooks): Promise<TickReport> {
    const report: TickReport = { open: 0, mined: 0, bumped: 0, rebroadcast: 0, renonced: 0, filled: 0, closed: 0 };
    const open = await store.openTxs();
    report.open = open.length;
    if (open.length === 0) return report;
    await ensureInit();
    const [latest, head] = await Promise.all([provider.getTransactionCount(address!, "latest"), provider.getBlockNumber()]);
    const isFiller = (t: ChainTx) => t.key.startsWith("filler:");
    const waiting: ChainTx[] = [];

    for (const t of open) {
      const receipt = await receiptOf(t);
      if (receipt && receipt.status === 1) {
        if (t.state !== "mined" || t.minedTx !== receipt.hash) {
          await store.updateTx(t.key, { state: "mined", minedTx: receipt.hash, minedBlock: receipt.blockNumber });
          report.mined++;
        }
        const closed = isFiller(t) ? receipt.blockNumber <= head : await hooks.final({ ...t, minedTx: receipt.hash, minedBlock: receipt.blockNumber });
        if (closed) {
          await store.updateTx(t.key, { state: "done" });
          report.closed++;
        }
        continue;
      }
      if (t.state === "mined" && t.minedTx === null && (await hooks.final(t))) {
        await store.updateTx(t.key, { state: "done" });
        report.closed++;
        continue;
      }
      if (receipt || t.nonce < latest) {
        // Reverted, or its nonce went to a transaction that is not one of ours.
        if (!isFiller(t) && (await hooks.done(t))) {
          await store.updateTx(t.key, { state: "mined", minedTx: null, minedBlock: null });
          report.mined++;
        } else if (isFiller(t)) {
          await store.updateTx(t.key, { state: "done" });
          report.closed++;
        } else {
          await renonce(t, receipt ? "reverted" : "nonce used by another transaction");
          report.renonced++;
        }
        continue;
      }
      if (t.state === "mined") await store.updateTx(t.key, { state: "sent", minedTx: null, minedBlock: null }); // its block was orphaned
      waiting.push(t);
    }

    // Unmined, nonce ≥ latest: fill gaps below them, then rebroadcast the dropped, bump the slow.
    const held = new Set(waiting.map((t) => t.nonce));
    const top = Math.max(...waiting.map((t) => t.nonce), latest - 1);
    // Nonces below `pending` are taken by transactions in the pool (ours or not): never replaced.
    const pending = top > latest ? await provider.getTransactionCount(address!, "pending") : latest;
    for (let n = Math.max(latest, pending); n < top; n++) {
      if (!held.has(n)) {
        await fill(n);
        report.filled++;
      }
    }
    for (const t of waiting) {
      const inPool = (await Promise.all(t.hashes.map((h) => provider.getTransaction(h)))).some((x) => x !== null);
      if (!inPool) {
        await broadcast(t, t.raw);
        await store.updateTx(t.key, { resends: t.resends + 1, sentAtMs: nowMs(), sentBlock: head });
        log.warn({ txKey: t.key, nonce: t.nonce }, "transaction dropped from the pool; broadcast again");
        report.rebroadcast++;
      } else if (nowMs() - t.sentAtMs >= bumpAfterMs || head - t.sentBlock >= bumpAfterBlocks) {
        await replace(t);
        report.bumped++;
      }
    }
    if (next !== undefined) next = Math.max(next, latest);
    return report;
  }

  return { send, tick };
}
