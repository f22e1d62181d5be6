/**
 * The custody contract (contracts/interfaces/ICustody.sol, SealshareCustody): threshold custody
 * beside the ledger. A deployment names it optionally (`custody`); a deployment without it runs
 * exactly as before (whole keys only): every custody stage is then off.
 */
import { getAddress } from "ethers";
import type { Deployment, SealshareCustody } from "../../sdk/contracts.js";

export { connectCustody } from "../../sdk/contracts.js";

export type Custody = SealshareCustody;

/** The custody contract's address in the deployment, if it names one (older files do not). */
export function custodyAddressOf(deployment: Deployment): string | undefined {
  return deployment.custody ? getAddress(deployment.custody) : undefined;
}

/** `shareGrant`'s `reason` (ICustody.ShareInvalidReason), by index. */
export const SHARE_INVALID_REASONS = ["None", "GrantInvalid", "NotDeposited", "Shredded", "NotInSet"] as const;
export type ShareInvalidReasonName = (typeof SHARE_INVALID_REASONS)[number];
