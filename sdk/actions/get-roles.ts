/**
 * What one account may do on the ledger now, read from the chain: whether it holds the
 * supervisor's or the custodian's role, and its membership status (MemberStatus: 0 none,
 * 1 active, 2 suspended). What a page or a command reads before it offers an action, so an
 * account is shown only what the ledger would let it do.
 *
 * @example
 * ```ts
 * const roles = await getRoles(ctx, { account });
 * if (!roles.supervisor) console.log("only a supervisor approves, suspends or registers members");
 * ```
 */
import { CUSTODIAN_ROLE, SUPERVISOR_ROLE } from "../contracts.js";
import { getMember } from "./get-member.js";
import { readCall, toAddress, type SealshareContext } from "./context.js";

export interface GetRolesParams {
  /** Any account. */
  account: string;
}

export interface GetRolesResult {
  /** The account, checksummed. */
  account: string;
  /** Holds SUPERVISOR_ROLE: registers, suspends and reinstates members; approves and revokes. */
  supervisor: boolean;
  /** Holds CUSTODIAN_ROLE: a key custodian's signing account. */
  custodian: boolean;
  /** MemberStatus (vocabulary.ts): only an active member (1) may provide or request. */
  memberStatus: number;
}

/** Errors: `INVALID_ADDRESS`. */
export async function getRoles(ctx: SealshareContext, p: GetRolesParams): Promise<GetRolesResult> {
  const account = toAddress(p.account, "account");
  const [supervisor, custodian, member] = await Promise.all([
    readCall(() => ctx.ledger.hasRole(SUPERVISOR_ROLE, account)),
    readCall(() => ctx.ledger.hasRole(CUSTODIAN_ROLE, account)),
    getMember(ctx, { member: account }),
  ]);
  return { account, supervisor, custodian, memberStatus: member.status };
}
