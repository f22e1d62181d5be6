/**
 * The dataset's provider, or a supervisor, approves a request. When the approvals the policy
 * requires are in, the ledger grants in the same transaction (temporary first if the policy
 * allows one, formal once the supervisor quorum is reached).
 *
 * @example
 * ```ts
 * await approveRequest(bankCtx, { requestId, as: "provider" });
 * const { granted } = await approveRequest(supervisorCtx, { requestId, as: "supervisor" });
 * ```
 */
import { eventIn, eventsIn, sendTx, txResult, writer, type SealshareContext, type TxResult } from "./context.js";

export interface ApproveRequestParams {
  requestId: bigint;
  as: "provider" | "supervisor";
}

export interface ApproveRequestResult extends TxResult {
  requestId: bigint;
  as: "provider" | "supervisor";
  supervisorApprovals: number;
  /** Set when this approval produced a grant. */
  granted?: { kind: number; expiresAt: number; version: number };
}

/**
 * Errors: `AccessUnknownRequest`, `AccessWrongStatus`, `AccessAlreadyApproved`,
 * `DatasetsNotProvider`, `AccessControlUnauthorizedAccount` (not a supervisor),
 * `ConsentsRevoked` / `ConsentsExpired` / `MembersNotActive` (the grant's basis is gone).
 */
export async function approveRequest(ctx: SealshareContext, p: ApproveRequestParams): Promise<ApproveRequestResult> {
  const l = writer(ctx);
  const receipt = await sendTx(() => (p.as === "provider" ? l.approveAsProvider(p.requestId) : l.approveAsSupervisor(p.requestId)));
  const a = eventIn(ctx, receipt, "AccessApproved");
  const g = eventsIn(ctx, receipt, "AccessGranted")[0];
  return {
    ...txResult(receipt),
    requestId: p.requestId,
    as: p.as,
    supervisorApprovals: Number(a.supervisorApprovals),
    ...(g ? { granted: { kind: Number(g.kind), expiresAt: Number(g.expiresAt), version: Number(g.version) } } : {}),
  };
}
