/**
 * The provider or a supervisor refuses a pending request, with a reason code.
 *
 * @example
 * ```ts
 * await rejectRequest(supervisorCtx, { requestId, reasonCode: 3 });
 * ```
 */
import { sendTx, txResult, writer, type SealshareContext, type TxResult } from "./context.js";

export interface RejectRequestParams {
  requestId: bigint;
  reasonCode?: number;
}

export interface RejectRequestResult extends TxResult {
  requestId: bigint;
  reasonCode: number;
}

/** Errors: `AccessWrongStatus` (not pending, or unknown: status 0), `AccessNotApprover`. */
export async function rejectRequest(ctx: SealshareContext, p: RejectRequestParams): Promise<RejectRequestResult> {
  const reasonCode = p.reasonCode ?? 0;
  const receipt = await sendTx(() => writer(ctx).rejectRequest(p.requestId, reasonCode));
  return { ...txResult(receipt), requestId: p.requestId, reasonCode };
}
