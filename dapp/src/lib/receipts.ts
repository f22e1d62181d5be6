/**
 * Key-release receipts — "who received a key, and when" — in both of the custodian's modes:
 *
 *  - **single**: one `KeyReleased` event per release, read from the ledger;
 *  - **batch**: releases sealed as a Merkle root (`ReceiptBatchSealed`); each release's leaf and
 *    proof come from the custodian (`GET /v1/receipts/:requestId`, public) and are checked on the
 *    ledger itself (`receiptLeaf`, `verifyReceipt`), so the custodian's word is not trusted.
 *
 * A release the custodian reports but whose batch is not sealed yet is shown as such (not
 * verified); a proof that does not verify is shown as a failure, never hidden.
 */
import type { Sealshare } from "../../../sdk/contracts.js";
import type { SealshareContext } from "../../../sdk/actions/context.js";
import { listReleases, type ReleaseListing } from "../../../sdk/actions/list-releases.js";

export interface ReleaseRecord {
  requestId: bigint;
  kind: number;
  envelopeHash: string;
  /** Unix seconds: block time of the KeyReleased event, or the custodian's releasedAt. */
  at: number;
  how: "event" | "batch";
  /** verified: on chain (event, or proof checked); pending: batch not sealed yet; invalid: proof failed. */
  state: "verified" | "pending" | "invalid";
  txHash?: string;
  batchId?: string;
}

/** One receipt as the custodian serves it (service/http/routes/receipts.ts). */
interface ServedReceipt {
  kind: number;
  mode: "batch" | "single";
  status: "pending" | "submitted" | "confirmed";
  envelopeHash: string;
  releasedAt: number;
  batchId: string | null;
  leaf: string | null;
  proof: string[] | null;
  sealTx: string | null;
}

/** The custodian's receipts of a request; undefined when it serves none (route absent, or unknown request). */
export async function servedReceipts(custodianUrl: string, requestId: bigint): Promise<ServedReceipt[] | undefined> {
  try {
    const res = await fetch(`${custodianUrl}/v1/receipts/${requestId}`, { headers: { accept: "application/json" } });
    if (!res.ok) return undefined;
    const body = (await res.json()) as { receipts?: ServedReceipt[] };
    return Array.isArray(body.receipts) ? body.receipts : undefined;
  } catch {
    return undefined;
  }
}

/** Checks a batched receipt against the ledger: the leaf is the release's, and the proof opens the sealed root. */
export async function verifyBatched(ledger: Sealshare, requestId: bigint, r: ServedReceipt): Promise<boolean> {
  if (!r.batchId || !r.proof) return false;
  const leaf = await ledger.receiptLeaf(requestId, r.kind, r.envelopeHash, r.releasedAt);
  if (r.leaf && r.leaf.toLowerCase() !== leaf.toLowerCase()) return false;
  return ledger.verifyReceipt(r.batchId, leaf, r.proof);
}

/** Every release of `requestIds`: KeyReleased events, plus batched receipts the custodian proves. */
export async function releasesOf(ctx: SealshareContext, custodianUrl: string, requestIds: bigint[], events?: ReleaseListing[]): Promise<ReleaseRecord[]> {
  const fromEvents = events ?? (await Promise.all(requestIds.map((requestId) => listReleases(ctx, { requestId })))).flat();
  const out: ReleaseRecord[] = fromEvents.map((e) => ({ requestId: e.requestId, kind: e.kind, envelopeHash: e.envelopeHash, at: e.at, how: "event", state: "verified", txHash: e.txHash }));
  const seen = new Set(out.map((r) => `${r.requestId}:${r.envelopeHash.toLowerCase()}`));
  await Promise.all(
    requestIds.map(async (requestId) => {
      for (const r of (await servedReceipts(custodianUrl, requestId)) ?? []) {
        if (r.mode !== "batch" || seen.has(`${requestId}:${r.envelopeHash.toLowerCase()}`)) continue;
        const sealed = r.batchId !== null && r.proof !== null && (await ctx.ledger.receiptBatchRoot(r.batchId)) !== `0x${"00".repeat(32)}`;
        const state = !sealed ? "pending" : (await verifyBatched(ctx.ledger, requestId, r)) ? "verified" : "invalid";
        out.push({ requestId, kind: r.kind, envelopeHash: r.envelopeHash, at: r.releasedAt, how: "batch", state, txHash: r.sealTx ?? undefined, batchId: r.batchId ?? undefined });
      }
    }),
  );
  return out.sort((a, b) => a.at - b.at || Number(a.requestId - b.requestId));
}
