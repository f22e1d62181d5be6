/**
 * Release receipts on chain, in one of two modes (SEALSHARE_RECEIPTS):
 *
 *  - **batch** (default): releases are sealed into batches — when `batchSize` are waiting, or
 *    when the oldest has waited `batchMaxAgeMs` — as an OpenZeppelin StandardMerkleTree root
 *    under a fresh UUID v4 batch id: `sealReceiptBatch(batchId, root, count)`. Each release
 *    keeps its leaf and proof; GET /v1/receipts/:requestId serves them (./proofs.ts).
 *  - **single**: one `recordRelease(requestId, kind, envelopeHash)` per release.
 *
 * Crash safety, batch mode. A batch is formed in ONE store transaction (batch row with its root,
 * and every member's batch id and proof), before anything is sent, so a release belongs to
 * exactly one batch. The seal transaction is persisted before it is broadcast (./tx.ts) under
 * key "seal:<batchId>", and "is it sealed?" is answered by the chain (`receiptBatchRoot`): a
 * crash before, during or after the seal resumes the same batch under the same id, and the
 * contract refuses a second seal of an id — nothing is lost, nothing sealed twice. A batch is
 * `sealed` once its ReceiptBatchSealed event is in a finalized block (the follower confirms it
 * in the same transaction that moves the finalized block); an orphaned seal is sent again.
 *
 * Crash safety, single mode. The transaction is persisted before broadcast under
 * "release:<requestId>:<kind>", so a crash finds it on record and resumes it; whether a
 * transaction on record already landed is asked of the chain (KeyReleased with that request and
 * envelope hash, from the block the tip was at when the envelope was persisted); a receipt is
 * confirmed once its KeyReleased is final.
 */
import { toBeHex, zeroPadValue, type Provider } from "ethers";
import type { Sealshare } from "../../sdk/contracts.js";
import type { Logger } from "../internal/logger.js";
import type { ChainTx, ReceiptStore, ReleaseRow, ReleaseStore, SyncStore, TxOutbox } from "../store/store.js";
import { ledgerInterface } from "../sync/events.js";
import { buildBatch, newBatchId } from "./merkle.js";
import type { TxHooks, TxSubmitter } from "./tx.js";

export type ReceiptsMode = "single" | "batch";

export interface ReceiptDeps {
  ledger: Sealshare;
  provider: Provider;
  store: ReceiptStore & Pick<ReleaseStore, "releases"> & Pick<SyncStore, "syncState"> & Pick<TxOutbox, "tx">;
  log: Logger;
  submitter: TxSubmitter;
  mode: ReceiptsMode;
  maxBlockRange: number;
  /** Seal when this many releases wait (default 100)… */
  batchSize?: number;
  /** …or when the oldest has waited this long (default 5000 ms). */
  batchMaxAgeMs?: number;
  /** Wall clock, unix seconds. */
  now: () => number;
  /**
   * Hooks for the custodian's other transactions sent through the same submitter, by the first
   * segment of their key (e.g. `shred` for ../custody/shred.ts's confirmShred): one tick moves
   * every open transaction forward, so they are judged here too.
   */
  otherTxs?: Record<string, TxHooks>;
}

export interface ReconcileReport {
  formed: number;
  sealsSent: number;
  singlesSent: number;
}

export interface Receipts {
  readonly mode: ReceiptsMode;
  /** Forms due batches, sends seals / single receipts, and moves open transactions forward. */
  reconcile(): Promise<ReconcileReport>;
}

const KEY_RELEASED = ledgerInterface.getEvent("KeyReleased")!.topicHash;

export function createReceipts(deps: ReceiptDeps): Receipts {
  const { ledger, provider, store, log, submitter } = deps;
  const batchSize = deps.batchSize ?? 100;
  const maxAgeSeconds = Math.max(0, Math.ceil((deps.batchMaxAgeMs ?? 5000) / 1000));
  let ledgerAddress: string | undefined;
  const addressOf = async () => (ledgerAddress ??= await ledger.getAddress());

  async function isSealed(batchId: string): Promise<boolean> {
    return BigInt(await ledger.receiptBatchRoot(batchId)) !== 0n;
  }

  /** The KeyReleased log of this envelope, if one is on chain. */
  async function findOnChain(row: Pick<ReleaseRow, "requestId" | "kind" | "envelopeHash" | "searchFromBlock">) {
    const head = await provider.getBlockNumber();
    for (let from = Math.max(0, row.searchFromBlock ?? 0); from <= head; from += deps.maxBlockRange) {
      const logs = await provider.getLogs({
        address: await addressOf(),
        fromBlock: from,
        toBlock: Math.min(head, from + deps.maxBlockRange - 1),
        topics: [KEY_RELEASED, zeroPadValue(toBeHex(BigInt(row.requestId)), 32)],
      });
      for (const l of logs) {
        const parsed = ledgerInterface.parseLog({ topics: [...l.topics], data: l.data });
        if (parsed && Number(parsed.args.kind) === row.kind && String(parsed.args.envelopeHash).toLowerCase() === row.envelopeHash?.toLowerCase()) {
          return { txHash: l.transactionHash, blockNumber: l.blockNumber };
        }
      }
    }
    return undefined;
  }

  const hooks = {
    async done(tx: ChainTx): Promise<boolean> {
      const [kind, a, b] = tx.key.split(":");
      if (kind === "seal") return isSealed(a!);
      if (kind === "release") {
        const [row] = (await store.releases(a!)).filter((r) => r.kind === Number(b));
        return row ? (await findOnChain(row)) !== undefined : false;
      }
      const other = deps.otherTxs?.[kind!];
      if (other) return other.done(tx);
      return false;
    },
    async final(tx: ChainTx): Promise<boolean> {
      const [kind, a, b] = tx.key.split(":");
      if (kind === "seal") return (await store.openBatches()).every((x) => x.batchId !== a);
      if (kind === "release") {
        const [row] = (await store.releases(a!)).filter((r) => r.kind === Number(b));
        return !row || row.receiptState === "confirmed";
      }
      const other = deps.otherTxs?.[kind!];
      if (other) return other.final(tx);
      return true;
    },
  };

  async function formBatches(): Promise<number> {
    let formed = 0;
    for (;;) {
      const waiting = await store.unbatchedReleases(batchSize);
      if (waiting.length === 0) break;
      // Waited since it was persisted, by the wall clock: `releasedAt` follows chain time, which
      // may run ahead of the wall clock (releases are never dated before their grant's block).
      const oldest = Math.min(...waiting.map((w) => w.persistedAt));
      if (waiting.length < batchSize && deps.now() - oldest < maxAgeSeconds) break;
      const { root, leaves, proofs } = buildBatch(waiting);
      waiting.forEach((w, i) => {
        if (w.leaf.toLowerCase() !== leaves[i]!.toLowerCase()) throw new Error(`stored leaf of ${w.requestId}/${w.kind} does not match its release`);
      });
      const batchId = newBatchId();
      await store.createBatch({ batchId, root, members: waiting.map((w, i) => ({ requestId: w.requestId, kind: w.kind, proof: proofs[i]! })) });
      log.info({ batchId, root, count: waiting.length }, "receipt batch formed");
      formed++;
      if (waiting.length < batchSize) break;
    }
    return formed;
  }

  async function sendSeals(): Promise<number> {
    let sent = 0;
    const to = await addressOf();
    for (const b of await store.openBatches()) {
      if (b.state !== "formed") continue;
      if (!(await store.tx(`seal:${b.batchId}`)) && (await isSealed(b.batchId))) {
        await store.markBatchSent(b.batchId); // sealed by an earlier run; the follower confirms it
        continue;
      }
      const data = ledgerInterface.encodeFunctionData("sealReceiptBatch", [b.batchId, b.root, b.count]);
      await submitter.send({ key: `seal:${b.batchId}`, to, data });
      await store.markBatchSent(b.batchId);
      sent++;
    }
    return sent;
  }

  async function sendSingles(): Promise<number> {
    let sent = 0;
    const to = await addressOf();
    const rows = await store.openReceipts(500);
    const finalized = rows.length > 0 ? (await store.syncState()).finalized : 0;
    for (const row of rows) {
      const data = ledgerInterface.encodeFunctionData("recordRelease", [BigInt(row.requestId), row.kind, row.envelopeHash]);
      let key = `release:${row.requestId}:${row.kind}`;
      let existing = await store.tx(key);
      if (existing && existing.data.toLowerCase() !== data.toLowerCase()) {
        // That transaction carried the receipt of another envelope of this (request, kind): one
        // made from a grant a reorg orphaned. This release's receipt is a transaction of its own.
        key = `${key}:${row.envelopeHash}`;
        existing = await store.tx(key);
      }
      if (existing) {
        if (existing.minedTx && existing.minedBlock !== null && existing.minedBlock <= finalized) {
          await store.markReceiptConfirmed(row.requestId, row.kind, existing.minedTx, existing.minedBlock);
        } else if (row.receiptState === "unsent") {
          await store.markReceiptSent(row.requestId, row.kind, existing.hashes.at(-1)!);
        }
        continue;
      }
      if (row.receiptState !== "unsent") continue;
      const tx = await submitter.send({ key, to, data });
      await store.markReceiptSent(row.requestId, row.kind, tx.hashes.at(-1)!);
      log.info({ requestId: row.requestId, kind: row.kind, tx: tx.hashes.at(-1) }, "release receipt sent");
      sent++;
    }
    return sent;
  }

  async function reconcile(): Promise<ReconcileReport> {
    const report: ReconcileReport = { formed: 0, sealsSent: 0, singlesSent: 0 };
    // Both kinds may be open after a change of mode; each is finished in its own way.
    report.formed = await formBatches();
    report.sealsSent = await sendSeals();
    report.singlesSent = await sendSingles();
    await submitter.tick(hooks);
    return report;
  }

  return { mode: deps.mode, reconcile };
}
