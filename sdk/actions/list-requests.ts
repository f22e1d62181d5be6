/**
 * Access requests from the ledger's events and views, newest first: by a requester, and/or on
 * some datasets, or one request. Each with its stored state, the grant's state now, who approved,
 * who rejected or revoked it and why, and — while pending — what it still waits for under the
 * rules in force (the dataset's policy with its category floor: provider approval, supervisor
 * quorum = max(policy, floor), the floor's temporary rule AfterQuorum / Early / Forbidden).
 *
 * @example
 * ```ts
 * const [r] = await listRequests(ctx, { requestId: 7n });
 * if (r.waitingFor && !r.waitingFor.nothing) console.log(`needs ${r.waitingFor.supervisors} more supervisor approvals`);
 * ```
 */
import { getAddress } from "ethers";
import { RequestStatus } from "../vocabulary.js";
import { grantRules, NO_FLOOR, waitingFor, type GrantRules, type WaitingFor } from "../reads/grant-rules.js";
import { queryEvents, readCall, toAddress, type SealshareContext } from "./context.js";
import { getCategoryFloors } from "./get-category-floors.js";
import type { Policy } from "./register-dataset.js";

export interface ListRequestsParams {
  requester?: string;
  datasetIds?: bigint[];
  requestId?: bigint;
}

export interface GrantState {
  valid: boolean;
  /** GrantInvalidReason (vocabulary.ts). */
  reason: number;
  kind: number;
  expiresAt: number;
}

export interface Decision {
  what: "rejected" | "revoked";
  by: string;
  reasonCode: number;
  txHash: string;
}

export interface RequestListing {
  requestId: bigint;
  datasetId: bigint;
  requester: string;
  consentId: string;
  purpose: number;
  /** GrantKind wanted. */
  kind: number;
  duration: number;
  keyId: number;
  txHash: string;
  blockNumber: number;
  /** RequestStatus (vocabulary.ts). */
  status: number;
  providerApproved: boolean;
  supervisorApprovals: number;
  grant: GrantState;
  /** Supervisors and providers who approved (AccessApproved). */
  approvers: string[];
  /** Who rejected the request or revoked its grant, and why (AccessRejected / GrantRevoked). */
  decision?: Decision;
  /** The rules a grant of this request needs now (the dataset's policy and its category floor). */
  rules: GrantRules;
  /** While pending: what is still missing under `rules`. */
  waitingFor?: WaitingFor;
}

/** Errors: `INVALID_ADDRESS`. */
export async function listRequests(ctx: SealshareContext, p: ListRequestsParams = {}): Promise<RequestListing[]> {
  const requester = p.requester ? toAddress(p.requester, "requester") : null;
  const events = await queryEvents(ctx, "AccessRequested", [p.requestId ?? null, null, requester]);
  const wanted = p.datasetIds ? new Set(p.datasetIds.map(String)) : undefined;
  const mine = events.filter((e) => !wanted || wanted.has(String(e.args.datasetId)));
  if (mine.length === 0) return [];
  const ids = mine.map((e) => e.args.requestId as bigint);
  const byId = (event: string) => (ids.length <= 100 ? queryEvents(ctx, event, [ids]) : queryEvents(ctx, event));
  const [approvals, rejections, revocations, floors] = await Promise.all([byId("AccessApproved"), byId("AccessRejected"), byId("GrantRevoked"), getCategoryFloors(ctx)]);
  const decisions = new Map<bigint, Decision>();
  for (const [what, list] of [["rejected", rejections], ["revoked", revocations]] as const) {
    for (const e of list) decisions.set(e.args.requestId, { what, by: getAddress(e.args.by), reasonCode: Number(e.args.reasonCode), txHash: e.txHash });
  }
  const datasets = new Map<string, Promise<{ category: number; policy: Policy }>>();
  const datasetOf = (id: bigint) => {
    let d = datasets.get(String(id));
    if (!d) {
      d = readCall(() => ctx.ledger.dataset(id)).then((x) => ({
        category: Number(x.category),
        policy: { requireProvider: x.policy.requireProvider, supervisorQuorum: Number(x.policy.supervisorQuorum), maxTemporary: Number(x.policy.maxTemporary), maxFormal: Number(x.policy.maxFormal) },
      }));
      datasets.set(String(id), d);
    }
    return d;
  };
  const out = await Promise.all(
    mine.map(async (e): Promise<RequestListing> => {
      const requestId = e.args.requestId as bigint;
      const [r, g, d] = await Promise.all([readCall(() => ctx.ledger.requestOf(requestId)), readCall(() => ctx.ledger.isGrantValid(requestId)), datasetOf(e.args.datasetId)]);
      const rules = grantRules(d.policy, floors.get(d.category) ?? NO_FLOOR);
      const status = Number(r.status);
      const kind = Number(e.args.kind);
      const approvals_ = { providerApproved: r.providerApproved, supervisorApprovals: Number(r.supervisorApprovals) };
      return {
        requestId,
        datasetId: e.args.datasetId,
        requester: e.args.requester,
        consentId: e.args.consentId,
        purpose: Number(e.args.purpose),
        kind,
        duration: Number(e.args.duration),
        keyId: Number(e.args.keyId),
        txHash: e.txHash,
        blockNumber: e.blockNumber,
        status,
        ...approvals_,
        grant: { valid: g.valid, reason: Number(g.reason), kind: Number(g.kind), expiresAt: Number(g.expiresAt) },
        approvers: approvals.filter((a) => a.args.requestId === requestId).map((a) => getAddress(a.args.approver)),
        decision: decisions.get(requestId),
        rules,
        waitingFor: status === RequestStatus.Pending ? waitingFor(rules, kind, approvals_) : undefined,
      };
    }),
  );
  return out.sort((a, b) => Number(b.requestId - a.requestId));
}
