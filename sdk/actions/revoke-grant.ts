/**
 * The provider or a supervisor revokes a live grant: `isGrantValid` turns false at once and the
 * custodian stops serving the key. A key already fetched cannot be taken back — the provider
 * can publish a new version under a new key.
 *
 * @example
 * ```ts
 * await revokeGrant(supervisorCtx, { requestId, reasonCode: 2 });
 * ```
 */
import { sendTx, txResult, writer, type SealshareContext, type TxResult } from "./context.js";

export interface RevokeGrantParams {
  requestId: bigint;
  reasonCode?: number;
}

export interface RevokeGrantResult extends TxResult {
  requestId: bigint;
  reasonCode: number;
}

/** Errors: `AccessWrongStatus` (no live grant), `AccessNotApprover`. */
export async function revokeGrant(ctx: SealshareContext, p: RevokeGrantParams): Promise<RevokeGrantResult> {
  const reasonCode = p.reasonCode ?? 0;
  const receipt = await sendTx(() => writer(ctx).revokeGrant(p.requestId, reasonCode));
  return { ...txResult(receipt), requestId: p.requestId, reasonCode };
}
