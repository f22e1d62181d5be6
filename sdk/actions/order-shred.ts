/**
 * The dataset's current provider orders the serving custodian set's shares of a version
 * destroyed, at once (irreversible: no custodian serves the version's key again, and nothing can
 * be deposited for it). Each custodian deletes its share and confirms on chain (getShredStatus).
 *
 * @example
 * ```ts
 * const { setId } = await orderShred(bankCtx, { datasetId: 1n, version: 1 });
 * ```
 */
import { SealshareError } from "../errors.js";
import { txResult, type TxResult } from "./context.js";
import { custodyEventsIn, custodyWriter, sendCustodyTx, type CustodyContext } from "./custody-context.js";

export interface ShredParams {
  datasetId: bigint;
  version: number;
}

export interface ShredOrder {
  datasetId: bigint;
  version: number;
  /** The set whose shares are to be destroyed. */
  setId: number;
  orderedBy: string;
  /** Unix seconds. */
  orderedAt: number;
}

export type OrderShredResult = TxResult & ShredOrder;

/** Errors: `CustodyNotProvider`, `CustodyNotDeposited`, `CustodyVersionShredded`, `CustodyLedgerPaused`, `NO_CUSTODY`. */
export async function orderShred(ctx: CustodyContext, p: ShredParams): Promise<OrderShredResult> {
  const receipt = await sendCustodyTx(() => custodyWriter(ctx).orderShred(p.datasetId, p.version));
  const order = shredOrderIn(ctx, receipt);
  if (!order) throw new SealshareError("MISSING_EVENT", `no ShredOrdered event in transaction ${receipt.hash}`);
  return { ...txResult(receipt), ...order };
}

/** The ShredOrdered event of a transaction, if it emitted one. */
export function shredOrderIn(ctx: CustodyContext, receipt: Parameters<typeof custodyEventsIn>[1]): ShredOrder | undefined {
  const e = custodyEventsIn(ctx, receipt, "ShredOrdered")[0];
  if (!e) return undefined;
  return { datasetId: BigInt(e.datasetId as bigint), version: Number(e.version), setId: Number(e.setId), orderedBy: String(e.orderedBy), orderedAt: Number(e.orderedAt) };
}
