/**
 * The ledger's admin registers a custodian set for threshold custody: n custodians in share
 * order, any t of whom rebuild a version's key. The custody contract checks each holds
 * CUSTODIAN_ROLE and has a live share key on the ledger (device id keccak256("sealshare-custodian"),
 * published with its proof of possession) and records that key id: the key its share is wrapped to.
 *
 * @example
 * ```ts
 * const { setId } = await registerCustodianSet(adminCtx, { custodians: [c1, c2, c3], threshold: 2 });
 * ```
 */
import { assertThresholdShape } from "../threshold/split.js";
import { txResult, toAddress, type TxResult } from "./context.js";
import { custodyEventsIn, custodyWriter, sendCustodyTx, type CustodyContext } from "./custody-context.js";
import { SealshareError } from "../errors.js";

export interface RegisterCustodianSetParams {
  /** The custodians' accounts, in share order: custodians[i] holds share index i. */
  custodians: readonly string[];
  /** Shares needed to rebuild a key, 1 ≤ t ≤ n ≤ 16. */
  threshold: number;
}

export interface RegisterCustodianSetResult extends TxResult {
  setId: number;
  custodians: string[];
  /** The ledger key id each custodian's share will be wrapped to, same order. */
  keyIds: number[];
  threshold: number;
}

/**
 * Errors: `THRESHOLD_INVALID_SET` (checked before sending), `CustodyUnauthorizedAccount` (not
 * the admin), `CustodyDuplicateCustodian`, `CustodyNotCustodian`, `CustodyNoCustodianKey`,
 * `CustodyLedgerPaused`, `NO_CUSTODY`.
 */
export async function registerCustodianSet(ctx: CustodyContext, p: RegisterCustodianSetParams): Promise<RegisterCustodianSetResult> {
  const custodians = p.custodians.map((c, i) => toAddress(c, `custodian ${i}`));
  assertThresholdShape({ n: custodians.length, t: p.threshold });
  const receipt = await sendCustodyTx(() => custodyWriter(ctx).registerSet(custodians, p.threshold));
  const e = custodyEventsIn(ctx, receipt, "CustodianSetRegistered")[0];
  if (!e) throw new SealshareError("MISSING_EVENT", `no CustodianSetRegistered event in transaction ${receipt.hash}`);
  return {
    ...txResult(receipt),
    setId: Number(e.setId),
    custodians: [...(e.custodians as string[])],
    keyIds: (e.keyIds as bigint[]).map(Number),
    threshold: Number(e.threshold),
  };
}
