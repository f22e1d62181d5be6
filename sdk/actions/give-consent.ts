/**
 * The subject records a consent by sending the transaction themselves (the gasless path is
 * signConsent + relayConsent).
 *
 * @example
 * ```ts
 * const { consentId } = await giveConsent(anaCtx, { requester: insurer, datasetId: 1n, purpose: "underwriting" });
 * ```
 */
import type { ConsentTerms } from "../eip712.js";
import { eventIn, sendTx, txResult, writer, type SealshareContext, type TxResult } from "./context.js";
import { assertDatasetSubject, buildConsentTerms, type ConsentTermsInput } from "./consent-terms.js";
import type { ConsentReceipt } from "../consent/index.js";

/** Either ready terms, or what to build them from. */
export type GiveConsentParams = { terms: ConsentTerms } | ConsentTermsInput;

export interface GiveConsentResult extends TxResult {
  consentId: string;
  terms: ConsentTerms;
  /** The consent receipt, when asked for. */
  receipt?: ConsentReceipt;
}

/** Errors: `NOT_DATASET_SUBJECT` (checked before sending), `ConsentsNotSubject`, `ConsentsNotDatasetSubject`, `ConsentsExpiryNotInFuture`, `ConsentsInvalidKind`, `ConsentsInvalidCategory`, `ConsentsAlreadyRecorded`, `ConsentsCancelled`. */
export async function giveConsent(ctx: SealshareContext, p: GiveConsentParams): Promise<GiveConsentResult> {
  const { terms, receipt } = "terms" in p ? { terms: p.terms, receipt: undefined } : await buildConsentTerms(ctx, p);
  await assertDatasetSubject(ctx, terms);
  const tx = await sendTx(() => writer(ctx).giveConsent(terms));
  const e = eventIn(ctx, tx, "ConsentGiven");
  return { ...txResult(tx), consentId: e.consentId as string, terms, ...(receipt ? { receipt } : {}) };
}
