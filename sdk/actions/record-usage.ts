/**
 * The requester records what it did with the data (a usage code and the hash of a free-text or
 * structured description kept off chain).
 *
 * @example
 * ```ts
 * await recordUsage(insurerCtx, { requestId, usageCode: 1, details: "converted to CSV for underwriting" });
 * ```
 */
import { ZeroHash } from "ethers";
import { sendTx, toBytes32, txResult, writer, type SealshareContext, type TxResult } from "./context.js";

export interface RecordUsageParams {
  requestId: bigint;
  usageCode: number;
  /** Description (hashed with keccak256) or a 0x bytes32 hash. */
  details?: string;
}

export interface RecordUsageResult extends TxResult {
  requestId: bigint;
  usageCode: number;
  detailsHash: string;
}

/** Errors: `AccessNotRequester`, `AccessWrongStatus` (never granted). */
export async function recordUsage(ctx: SealshareContext, p: RecordUsageParams): Promise<RecordUsageResult> {
  const detailsHash = p.details ? toBytes32(p.details) : ZeroHash;
  const receipt = await sendTx(() => writer(ctx).recordUsage(p.requestId, p.usageCode, detailsHash));
  return { ...txResult(receipt), requestId: p.requestId, usageCode: p.usageCode, detailsHash };
}
