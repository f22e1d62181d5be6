/**
 * A supervisor registers a member institution (bank, insurer, fund, data platform).
 *
 * @example
 * ```ts
 * const { txHash } = await registerMember(supervisorCtx, {
 *   member: "0xBank…",
 *   kycRef: "KYC-2024-0001",            // hashed before it goes on chain
 *   name: "Acme Bank",                   // its verified display name: #name=Acme%20Bank on the URI
 *   metadataURI: "https://members.example/bank.json",
 * });
 * ```
 */
import { metadataURIWithName } from "../members/display-name.js";
import { eventIn, sendTx, toAddress, toBytes32, txResult, writer, type SealshareContext, type TxResult } from "./context.js";

export interface RegisterMemberParams {
  member: string;
  /** The off-chain KYC reference; only its keccak256 goes on chain. A 0x bytes32 is taken as the hash. */
  kycRef: string;
  /** Where the institution's public metadata lives ("" = none). */
  metadataURI?: string;
  /**
   * The institution's display name, written into the record (sdk/members/display-name.ts): a
   * `data:application/json` record when there is no `metadataURI`, else a `#name=` fragment on
   * it. This is the name every client shows as verified.
   */
  name?: string;
}

export interface RegisterMemberResult extends TxResult {
  member: string;
  supervisor: string;
  kycRefHash: string;
  /** The metadata URI written on chain (with the name in it, when one was given). */
  metadataURI: string;
}

/** Errors: `INVALID_MEMBER_NAME`, `INVALID_METADATA_URI`, `AccessControlUnauthorizedAccount` (not a supervisor), `MembersAlreadyRegistered`. */
export async function registerMember(ctx: SealshareContext, p: RegisterMemberParams): Promise<RegisterMemberResult> {
  const member = toAddress(p.member, "member");
  const kycRefHash = toBytes32(p.kycRef);
  const metadataURI = p.name === undefined ? (p.metadataURI ?? "") : metadataURIWithName(p.name, p.metadataURI);
  const receipt = await sendTx(() => writer(ctx).registerMember(member, kycRefHash, metadataURI));
  const e = eventIn(ctx, receipt, "MemberRegistered");
  return { ...txResult(receipt), member, supervisor: e.supervisor as string, kycRefHash, metadataURI };
}
