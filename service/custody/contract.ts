/**
 * The custody contract (contracts/interfaces/ICustody.sol): threshold custody beside the ledger.
 * A deployment names it optionally (`custody`); a deployment without it runs exactly as before
 * (whole keys only): every custody stage is then off.
 */
import { getAddress, type ContractRunner } from "ethers";
import type { Deployment } from "../../sdk/contracts.js";
import { ICustody__factory, type ICustody } from "../../types/ethers-contracts/index.js";

export type Custody = ICustody;

/** The custody contract's address in the deployment, if it names one (older files do not). */
export function custodyAddressOf(deployment: Deployment): string | undefined {
  const custody = (deployment as Deployment & { custody?: string }).custody;
  return custody ? getAddress(custody) : undefined;
}

export function connectCustody(address: string, runner: ContractRunner): Custody {
  return ICustody__factory.connect(address, runner);
}

/** `shareGrant`'s `reason` (ICustody.ShareInvalidReason), by index. */
export const SHARE_INVALID_REASONS = ["None", "GrantInvalid", "NotDeposited", "Shredded", "NotInSet"] as const;
export type ShareInvalidReasonName = (typeof SHARE_INVALID_REASONS)[number];
