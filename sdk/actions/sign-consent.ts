/**
 * The subject signs consent terms (EIP-712 `Consent`, in the ledger's domain read from the
 * chain) without sending anything: a random nonce makes the id unique, a deadline bounds when it
 * can be recorded. Anyone may then relay it (`relayConsent`, or `requestAccess` with the
 * signature), so the subject pays no gas.
 *
 * @example
 * ```ts
 * const { terms, signature, consentId } = await signConsent(anaCtx, {
 *   requester: insurer, datasetId: 1n, purpose: "underwriting", validFor: "30d",
 *   receipt: { jurisdiction: "KR", policyUrl: "https://bank.example/privacy", piiControllers: [{ piiController: "Bank", contact: "dpo@bank.example" }] },
 * });
 * ```
 */
import { ledgerDomain, CONSENT_TYPES, type ConsentTerms } from "../eip712.js";
import { SealshareError } from "../errors.js";
import { requireSigner, type SealshareContext } from "./context.js";
import { buildConsentTerms, consentIdOf, type ConsentTermsInput } from "./consent-terms.js";
import type { ConsentReceipt } from "../consent/index.js";

export type SignConsentParams = ConsentTermsInput;

export interface SignConsentResult {
  terms: ConsentTerms;
  /** The consent receipt, when asked for (`receipt` param); hand it to the requester with the signature. */
  receipt?: ConsentReceipt;
  signature: string;
  consentId: string;
}

/** Errors: `NOT_SUBJECT` (the signer is not `subject`), `NOT_DATASET_SUBJECT` (the named dataset is about someone else), `INVALID_CONSENT`, `INVALID_CATEGORY`/`INVALID_PURPOSE`, `DatasetsUnknown`. */
export async function signConsent(ctx: SealshareContext, p: SignConsentParams): Promise<SignConsentResult> {
  const signer = requireSigner(ctx);
  const { terms, receipt } = await buildConsentTerms(ctx, p);
  if ((await signer.getAddress()) !== terms.subject) {
    throw new SealshareError("NOT_SUBJECT", "only the subject can sign a consent for their data", { hint: "sign with the subject's account" });
  }
  const signature = await signer.signTypedData(await ledgerDomain(ctx.ledger), CONSENT_TYPES, terms);
  return { terms, signature, consentId: await consentIdOf(ctx, terms), ...(receipt ? { receipt } : {}) };
}
