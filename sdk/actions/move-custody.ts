/**
 * Change of set (issue 14 item 6): the provider moves a version's key to another custodian set —
 * a new split with a new root, deposited to the new set (depositShares). On chain the deposit
 * replaces the serving set and orders the old set's shares shredded in the same transaction; the
 * old set's custodians delete their shares and confirm (getShredStatus on the old set).
 *
 * The provider needs the version's data key: its own key file from registration, or the key
 * fetched as a requester of a grant (fetchThresholdKey). It is checked against the version's
 * on-chain key commitment before anything is sent.
 *
 * @example
 * ```ts
 * const r = await moveCustody(bankCtx, { datasetId, version: 1, toSetId: 2, dek, custodians });
 * console.log(`set ${r.replacedSetId} → ${r.setId}`);
 * ```
 */
import { SealshareError } from "../errors.js";
import { readCustody, requireCustody, type CustodyContext } from "./custody-context.js";
import { depositShares, type DepositSharesParams, type DepositSharesResult } from "./deposit-shares.js";

export interface MoveCustodyParams extends Omit<DepositSharesParams, "setId"> {
  /** The set to move the version's shares to. */
  toSetId: number;
}

/**
 * Errors: `CUSTODY_NOT_DEPOSITED` (nothing to move: use depositShares), `CUSTODY_SAME_SET`,
 * `CustodyVersionShredded`, and those of depositShares.
 */
export async function moveCustody(ctx: CustodyContext, p: MoveCustodyParams): Promise<DepositSharesResult> {
  const record = await readCustody(() => requireCustody(ctx).custodyOf(p.datasetId, p.version));
  const from = Number(record.setId);
  if (from === 0) {
    throw new SealshareError("CUSTODY_NOT_DEPOSITED", `dataset #${p.datasetId} v${p.version} has no shares with a custodian set yet: nothing to move`, {
      hint: "deposit it first (`sealshare custody deposit`)",
    });
  }
  if (from === p.toSetId) {
    throw new SealshareError("CUSTODY_SAME_SET", `dataset #${p.datasetId} v${p.version} is already served by set ${from}`, { hint: "name another set" });
  }
  const { toSetId, ...rest } = p;
  return depositShares(ctx, { ...rest, setId: toSetId });
}
