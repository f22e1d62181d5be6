/**
 * A whole four-party share in one transaction: the requester relays the subject's signed
 * consent, its request and the provider's and supervisors' signed approvals (`signApproval`).
 * The ledger records each approval as its own `AccessApproved` naming its signer and grants
 * what they allow, in the same transaction. Many shares at once: `relayShares`.
 *
 * @example
 * ```ts
 * const signed = await signConsent(anaCtx, { requester: insurer, datasetId: 1n, purpose: "underwriting" });
 * const terms = { consent: signed.terms, requester: insurer, datasetId: 1n, purpose: "underwriting", kind: "formal", duration: "7d" };
 * const approvals = [await signApproval(bankCtx, { ...terms, as: "provider" }), await signApproval(supervisorCtx, { ...terms, as: "supervisor" })];
 * const { requestId, granted } = await relayShare(insurerCtx, {
 *   datasetId: 1n, purpose: "underwriting", kind: "formal", duration: "7d", device: "insurer/laptop-1",
 *   consent: signed.terms, consentSignature: signed.signature, approvals,
 * });
 * ```
 */
import { sendTx, txResult, writer, type SealshareContext, type TxResult } from "./context.js";
import { relayedSharesIn, relayShareArgs, type RelayedShare, type RelayShareParams } from "./relay-shares.js";

export type RelayShareResult = TxResult & RelayedShare;

/** Errors: those of `relayShares`. */
export async function relayShare(ctx: SealshareContext, p: RelayShareParams): Promise<RelayShareResult> {
  const args = await relayShareArgs(ctx, p);
  const receipt = await sendTx(() => writer(ctx).relayShare(...args));
  return { ...txResult(receipt), ...relayedSharesIn(ctx, receipt)[0]! };
}
