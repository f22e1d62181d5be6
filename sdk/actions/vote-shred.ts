/**
 * A supervisor votes to shred a version's shares (each supervisor once). When the votes of
 * accounts still holding SUPERVISOR_ROLE reach the custody contract's `shredQuorum`, the shred is
 * ordered as by the provider (orderShred): the result says whether this vote ordered it.
 *
 * @example
 * ```ts
 * const r = await voteShred(supervisorCtx, { datasetId: 1n, version: 1 });
 * if (!r.ordered) console.log(`${r.votes} of ${r.quorum} votes`);
 * ```
 */
import { txResult, type TxResult } from "./context.js";
import { custodyEventsIn, custodyWriter, readCustody, requireCustody, sendCustodyTx, type CustodyContext } from "./custody-context.js";
import { shredOrderIn, type ShredOrder, type ShredParams } from "./order-shred.js";

export interface VoteShredResult extends TxResult {
  datasetId: bigint;
  version: number;
  /** Votes that count after this one. */
  votes: number;
  /** Votes that order a shred. */
  quorum: number;
  /** Set when this vote reached the quorum. */
  ordered?: ShredOrder;
}

/** Errors: `CustodyUnauthorizedAccount` (not a supervisor), `CustodyAlreadyVoted`, `CustodyNotDeposited`, `CustodyVersionShredded`, `CustodyLedgerPaused`, `NO_CUSTODY`. */
export async function voteShred(ctx: CustodyContext, p: ShredParams): Promise<VoteShredResult> {
  const receipt = await sendCustodyTx(() => custodyWriter(ctx).voteShred(p.datasetId, p.version));
  const vote = custodyEventsIn(ctx, receipt, "ShredVoted")[0];
  const quorum = Number(await readCustody(() => requireCustody(ctx).shredQuorum()));
  const ordered = shredOrderIn(ctx, receipt);
  return { ...txResult(receipt), datasetId: p.datasetId, version: p.version, votes: Number(vote?.votes ?? 0), quorum, ...(ordered ? { ordered } : {}) };
}
