/**
 * A supervisor suspends a member: its pending requests and live grants stop counting at once
 * (and stay void after a reinstatement).
 *
 * @example
 * ```ts
 * const { epoch } = await suspendMember(supervisorCtx, { member: "0xLender…", reasonCode: 7 });
 * ```
 */
import { eventIn, sendTx, toAddress, txResult, writer, type SealshareContext, type TxResult } from "./context.js";

export interface SuspendMemberParams {
  member: string;
  /** Why (an off-chain code list); 0 if unspecified. */
  reasonCode?: number;
}

export interface SuspendMemberResult extends TxResult {
  member: string;
  /** The member's suspension epoch after this suspension. */
  epoch: number;
}

/** Errors: `AccessControlUnauthorizedAccount`, `MembersNotActive`. */
export async function suspendMember(ctx: SealshareContext, p: SuspendMemberParams): Promise<SuspendMemberResult> {
  const member = toAddress(p.member, "member");
  const receipt = await sendTx(() => writer(ctx).suspendMember(member, p.reasonCode ?? 0));
  const e = eventIn(ctx, receipt, "MemberSuspended");
  return { ...txResult(receipt), member, epoch: Number(e.epoch) };
}
