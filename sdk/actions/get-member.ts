/**
 * One account's membership record as the ledger holds it (`memberOf`, read by field name):
 * its status (MemberStatus: 0 none, 1 active, 2 suspended), how many times it was suspended,
 * and when it was registered. An account never registered reads as status 0, all zero.
 *
 * @example
 * ```ts
 * const m = await getMember(ctx, { member: bank });
 * if (m.status !== MemberStatus.Active) console.log(`${m.member} may not ask or provide`);
 * ```
 */
import { readCall, toAddress, type SealshareContext } from "./context.js";

export interface GetMemberParams {
  /** Any account. */
  member: string;
}

export interface GetMemberResult {
  /** The account, checksummed. */
  member: string;
  /** MemberStatus (vocabulary.ts). */
  status: number;
  /** Suspensions so far; requests made in an earlier epoch stay void. */
  epoch: number;
  /** Unix seconds of its registration; 0 = never registered. */
  registeredAt: number;
}

/** Errors: `INVALID_ADDRESS`. */
export async function getMember(ctx: SealshareContext, p: GetMemberParams): Promise<GetMemberResult> {
  const member = toAddress(p.member, "member");
  const m = await readCall(() => ctx.ledger.memberOf(member));
  return { member, status: Number(m.status), epoch: Number(m.epoch), registeredAt: Number(m.registeredAt) };
}
