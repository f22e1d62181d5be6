/**
 * The subject revokes a consent at once (always possible, even while the ledger is paused).
 * For a signed consent nobody recorded yet, this cancels the signature instead.
 *
 * @example
 * ```ts
 * await revokeConsent(anaCtx, { consentId });
 * ```
 */
import { SealshareError } from "../errors.js";
import { eventsIn, sendTx, toBytes32, txResult, writer, type SealshareContext, type TxResult } from "./context.js";

export interface RevokeConsentParams {
  consentId: string;
}

export interface RevokeConsentResult extends TxResult {
  consentId: string;
  /** "revoked": a recorded consent was withdrawn; "cancelled": a signature in flight was voided. */
  outcome: "revoked" | "cancelled";
}

/** Errors: `ConsentsNotSubject`, `ConsentsRevoked` (already revoked). */
export async function revokeConsent(ctx: SealshareContext, p: RevokeConsentParams): Promise<RevokeConsentResult> {
  if (!/^0x[0-9a-fA-F]{64}$/.test(p.consentId)) throw new SealshareError("INVALID_CONSENT_ID", "a consent id is 0x + 64 hex digits");
  const consentId = toBytes32(p.consentId);
  const receipt = await sendTx(() => writer(ctx).revokeConsent(consentId));
  const outcome = eventsIn(ctx, receipt, "ConsentRevoked").length > 0 ? "revoked" : "cancelled";
  return { ...txResult(receipt), consentId, outcome };
}
