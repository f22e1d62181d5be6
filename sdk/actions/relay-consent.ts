/**
 * Anyone relays a subject's signed consent to the ledger (`giveConsentBySig`) and pays its gas.
 * To record it together with an access request in one transaction, pass the signature to
 * `requestAccess` instead.
 *
 * @example
 * ```ts
 * const signed = await signConsent(anaCtx, { requester: insurer, datasetId: 1n, purpose: "underwriting" });
 * await relayConsent(insurerCtx, signed);
 * ```
 */
import type { ConsentTerms } from "../eip712.js";
import { assertDatasetSubject } from "./consent-terms.js";
import { eventIn, sendTx, txResult, writer, type SealshareContext, type TxResult } from "./context.js";

export interface RelayConsentParams {
  terms: ConsentTerms;
  signature: string;
}

export interface RelayConsentResult extends TxResult {
  consentId: string;
  subject: string;
  relayer: string;
}

/** Errors: `NOT_DATASET_SUBJECT` (checked before sending), `ConsentsNotDatasetSubject`, `ConsentsInvalidSignature`, `ConsentsSignatureExpired`, `ConsentsAlreadyRecorded`, `ConsentsCancelled`. */
export async function relayConsent(ctx: SealshareContext, p: RelayConsentParams): Promise<RelayConsentResult> {
  await assertDatasetSubject(ctx, p.terms);
  const receipt = await sendTx(() => writer(ctx).giveConsentBySig(p.terms, p.signature));
  const e = eventIn(ctx, receipt, "ConsentGiven");
  return { ...txResult(receipt), consentId: e.consentId as string, subject: e.subject as string, relayer: e.relayer as string };
}
