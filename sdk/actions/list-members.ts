/**
 * Registered members from the ledger's events and views, in registration order: status now
 * (MemberStatus: 1 active, 2 suspended), metadata URI, and while suspended the last
 * suspension's reason, supervisor and transaction.
 *
 * @example
 * ```ts
 * const suspended = (await listMembers(ctx)).filter((m) => m.status === MemberStatus.Suspended);
 * ```
 */
import { getAddress } from "ethers";
import { MemberStatus } from "../vocabulary.js";
import { queryEvents, readCall, type SealshareContext } from "./context.js";

export interface MemberListing {
  member: string;
  /** MemberStatus (vocabulary.ts). */
  status: number;
  metadataURI: string;
  txHash: string;
  suspension?: { reasonCode: number; by: string; txHash: string };
}

export async function listMembers(ctx: SealshareContext): Promise<MemberListing[]> {
  const [registered, suspensions] = await Promise.all([queryEvents(ctx, "MemberRegistered"), queryEvents(ctx, "MemberSuspended")]);
  return Promise.all(
    registered.map(async (e) => {
      const status = Number((await readCall(() => ctx.ledger.memberOf(e.args.member))).status);
      const last = suspensions.filter((x) => x.args.member === e.args.member).pop();
      return {
        member: e.args.member,
        status,
        metadataURI: e.args.metadataURI,
        txHash: e.txHash,
        suspension: status === MemberStatus.Suspended && last ? { reasonCode: Number(last.args.reasonCode), by: getAddress(last.args.supervisor), txHash: last.txHash } : undefined,
      };
    }),
  );
}
