/**
 * A supervisor registers a member institution (bank, insurer, fund, data platform).
 *
 * @example
 * ```ts
 * const { txHash } = await registerMember(supervisorCtx, {
 *   member: "0xBank…",
 *   kycRef: "KYC-2024-0001",            // hashed before it goes on chain
 *   metadataURI: "https://members.example/bank.json",
 * });
 * ```
 */
import { eventIn, sendTx, toAddress, toBytes32, txResult, writer, type SealshareContext, type TxResult } from "./context.js";

export interface RegisterMemberParams {
  member: string;
  /** The off-chain KYC reference; only its keccak256 goes on chain. A 0x bytes32 is taken as the hash. */
  kycRef: string;
  metadataURI: string;
}

export interface RegisterMemberResult extends TxResult {
  member: string;
  supervisor: string;
  kycRefHash: string;
}

/** Errors: `AccessControlUnauthorizedAccount` (not a supervisor), `MembersAlreadyRegistered`. */
export async function registerMember(ctx: SealshareContext, p: RegisterMemberParams): Promise<RegisterMemberResult> {
  const member = toAddress(p.member, "member");
  const kycRefHash = toBytes32(p.kycRef);
  const receipt = await sendTx(() => writer(ctx).registerMember(member, kycRefHash, p.metadataURI));
  const e = eventIn(ctx, receipt, "MemberRegistered");
  return { ...txResult(receipt), member, supervisor: e.supervisor as string, kycRefHash };
}
