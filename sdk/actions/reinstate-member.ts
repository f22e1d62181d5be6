/**
 * A supervisor reinstates a suspended member. Grants issued before the suspension stay void.
 *
 * @example
 * ```ts
 * await reinstateMember(supervisorCtx, { member: "0xLender…" });
 * ```
 */
import { eventIn, sendTx, toAddress, txResult, writer, type SealshareContext, type TxResult } from "./context.js";

export interface ReinstateMemberParams {
  member: string;
}

export interface ReinstateMemberResult extends TxResult {
  member: string;
  epoch: number;
}

/** Errors: `AccessControlUnauthorizedAccount`, `MembersNotSuspended`. */
export async function reinstateMember(ctx: SealshareContext, p: ReinstateMemberParams): Promise<ReinstateMemberResult> {
  const member = toAddress(p.member, "member");
  const receipt = await sendTx(() => writer(ctx).reinstateMember(member));
  const e = eventIn(ctx, receipt, "MemberReinstated");
  return { ...txResult(receipt), member, epoch: Number(e.epoch) };
}
