/**
 * Consent receipts: Kantara Consent Receipt v1.1 / ISO/IEC TS 27560 documents bound to on-chain
 * consents by their canonical-JSON keccak256 hash.
 */
export { canonicalJson, type CanonicalValue } from "./canonical-json.js";
export {
  buildConsentReceipt,
  canonicalReceipt,
  ConsentReceiptError,
  consentTermsOf,
  defaultServices,
  exportReceipt,
  parseReceipt,
  receiptHash,
  validateReceipt,
  type BuildReceiptParams,
} from "./receipt.js";
export {
  consentReceiptSchema,
  piiControllerSchema,
  purposeSchema,
  RECEIPT_VERSION,
  serviceSchema,
  type ConsentReceipt,
  type PiiController,
  type ReceiptPurpose,
  type ReceiptService,
  type ReceiptTerms,
} from "./schema.js";
export { verifyReceiptOnChain, type VerifiedReceipt, type VerifyReceiptParams } from "./verify.js";
