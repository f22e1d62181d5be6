/**
 * Key-release receipts of some requests — "who received a key, and when" — in both of the
 * custodian's receipt modes, each checked on chain:
 *
 *  - **single**: one `KeyReleased` event per release ({@link listReleases}): on chain by itself;
 *  - **batch**: releases sealed under a Merkle root (`ReceiptBatchSealed`); each release's leaf
 *    and proof come from the custodian (`fetchReceipts`, sdk/audit/proofs.ts: public, validated
 *    against the API schema) and are checked by the ledger itself (`receiptLeaf`,
 *    `verifyReceipt`), as the auditor's verifyLedger does, so the custodian's word is not trusted.
 *    (No CustodianClient: a page that only reads receipts does not load the ECIES code.)
 *
 * A batched release whose batch is not sealed yet is `pending`; a proof that does not open
 * against the sealed root is `invalid` — reported, never hidden. When the custodian cannot be
 * asked, the on-chain releases are still listed and `custodianError` says why the rest is not.
 *
 * @example
 * ```ts
 * const { receipts } = await listReleaseReceipts(ctx, { custodianUrl: "https://custodian.example", requestIds: [7n] });
 * for (const r of receipts) console.log(r.requestId, r.how, r.state);
 * ```
 */
import { ZeroHash } from "ethers";
import type { Receipts } from "../api/schemas.js";
import { fetchReceipts } from "../audit/proofs.js";
import { SealshareError } from "../errors.js";
import { readCall, type SealshareContext } from "./context.js";
import { listReleases, type ReleaseListing } from "./list-releases.js";

export interface ListReleaseReceiptsParams {
  /** The custodian that serves batch proofs (its base URL). */
  custodianUrl: string;
  /** A fetch implementation; default the global one. */
  fetch?: typeof fetch;
  requestIds: bigint[];
  /** The requests' KeyReleased events, when already read (listReleases); read here otherwise. */
  events?: ReleaseListing[];
}

export interface ReleaseReceipt {
  requestId: bigint;
  /** GrantKind released. */
  kind: number;
  envelopeHash: string;
  /** Unix seconds: the KeyReleased event's block time, or the batched release's releasedAt. */
  at: number;
  how: "event" | "batch";
  /** verified: on chain (an event, or a proof the ledger accepted); pending: batch not sealed yet; invalid: the proof failed. */
  state: "verified" | "pending" | "invalid";
  txHash?: string;
  batchId?: string;
}

export interface ListReleaseReceiptsResult {
  /** Oldest first. */
  receipts: ReleaseReceipt[];
  /** Set when the custodian could not be asked for batch receipts (the events are listed anyway). */
  custodianError?: SealshareError;
}

type ServedReceipt = Receipts["receipts"][number];

/** Errors: none of the custodian's (see `custodianError`); ledger read errors as named SealshareErrors. */
export async function listReleaseReceipts(ctx: SealshareContext, p: ListReleaseReceiptsParams): Promise<ListReleaseReceiptsResult> {
  const events = p.events ?? (await Promise.all(p.requestIds.map((requestId) => listReleases(ctx, { requestId })))).flat();
  const receipts: ReleaseReceipt[] = events.map((e) => ({ requestId: e.requestId, kind: e.kind, envelopeHash: e.envelopeHash, at: e.at, how: "event", state: "verified", txHash: e.txHash }));
  const onChain = new Set(receipts.map((r) => `${r.requestId}:${r.envelopeHash.toLowerCase()}`));
  let custodianError: SealshareError | undefined;
  await Promise.all(
    p.requestIds.map(async (requestId) => {
      let served: ServedReceipt[];
      try {
        const answer = await fetchReceipts(p.custodianUrl, requestId, p.fetch);
        if (!answer) return; // not seen by the custodian (yet)
        served = answer.receipts;
      } catch (err) {
        custodianError ??= err instanceof SealshareError ? err : new SealshareError("CUSTODIAN_ERROR", String(err), { cause: err });
        return;
      }
      for (const r of served) {
        if (r.mode !== "batch" || onChain.has(`${requestId}:${r.envelopeHash.toLowerCase()}`)) continue;
        receipts.push({ requestId, kind: r.kind, envelopeHash: r.envelopeHash, at: r.releasedAt, how: "batch", state: await batchState(ctx, requestId, r), txHash: r.sealTx ?? undefined, batchId: r.batchId ?? undefined });
      }
    }),
  );
  receipts.sort((a, b) => a.at - b.at || Number(a.requestId - b.requestId));
  return custodianError ? { receipts, custodianError } : { receipts };
}

/** Pending until its batch is sealed; then verified only if the ledger opens the proof against the sealed root. */
async function batchState(ctx: SealshareContext, requestId: bigint, r: ServedReceipt): Promise<ReleaseReceipt["state"]> {
  if (r.batchId === null || r.proof === null) return "pending";
  const batchId = r.batchId;
  if ((await readCall(() => ctx.ledger.receiptBatchRoot(batchId))) === ZeroHash) return "pending";
  const leaf = await readCall(() => ctx.ledger.receiptLeaf(requestId, r.kind, r.envelopeHash, r.releasedAt));
  if (r.leaf !== null && r.leaf.toLowerCase() !== leaf.toLowerCase()) return "invalid";
  return (await readCall(() => ctx.ledger.verifyReceipt(batchId, leaf, r.proof!))) ? "verified" : "invalid";
}
