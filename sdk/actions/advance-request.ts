/**
 * Anyone asks the ledger to re-apply its grant rules to an open request. A grant is otherwise
 * decided only inside an approval, so this is for what changed without one: the first version
 * of an on-demand dataset was published after the approvals (the provider worker calls it after
 * each on-demand publication), a supervisor whose earlier approval counts again was re-granted
 * its role, or a category minimum was lowered.
 *
 * @example
 * ```ts
 * const { granted } = await advanceRequest(ctx, { requestId });
 * ```
 */
import { eventsIn, sendTx, txResult, writer, type SealshareContext, type TxResult } from "./context.js";

export interface AdvanceRequestParams {
  requestId: bigint;
}

export interface AdvanceRequestResult extends TxResult {
  requestId: bigint;
  granted: { kind: number; expiresAt: number; version: number };
}

/**
 * Errors: `AccessNothingToAdvance` (an approval, the version or the quorum is still missing),
 * `AccessUnknownRequest`, `AccessWrongStatus` (rejected, revoked or already formal),
 * `DatasetsRetired`, `ConsentsRevoked` / `ConsentsExpired` / `MembersNotActive`, `SealsharePaused`.
 */
export async function advanceRequest(ctx: SealshareContext, p: AdvanceRequestParams): Promise<AdvanceRequestResult> {
  const receipt = await sendTx(() => writer(ctx).advanceRequest(p.requestId));
  const g = eventsIn(ctx, receipt, "AccessGranted")[0]!; // the call reverts unless it grants
  return {
    ...txResult(receipt),
    requestId: p.requestId,
    granted: { kind: Number(g.kind), expiresAt: Number(g.expiresAt), version: Number(g.version) },
  };
}
