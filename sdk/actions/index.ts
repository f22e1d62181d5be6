/**
 * Sealshare SDK actions: one file per action, each taking a {@link SealshareContext} (the ledger,
 * and the acting account for writes) and one parameter object, and returning a plain result.
 * Contract reverts surface as SealshareError named after the contract's custom error
 * (`ConsentsExpired(consentId, expiredAt)`), with a hint.
 */
export * from "./context.js";
export * from "./connect-deployment.js";
export * from "./vocab.js";
export { type ProgressFn } from "./files.js";
export * from "./consent-terms.js";
export { SLOT_ATTEMPTS, type DatasetSource, type VersionParams } from "./version-source.js";

// members and keys
export * from "./register-member.js";
export * from "./suspend-member.js";
export * from "./reinstate-member.js";
export * from "./list-members.js";
export * from "./resolve-member-names.js";
export * from "./get-member.js";
export * from "./get-roles.js";
export * from "./publish-encryption-key.js";
export * from "./get-device-key.js";
export * from "./revoke-encryption-key.js";
// datasets
export * from "./encrypt-dataset.js";
export * from "./register-dataset.js";
export * from "./register-on-demand-dataset.js";
export * from "./register-encrypted-dataset.js";
export * from "./publish-encrypted-version.js";
export * from "./publish-version.js";
export * from "./transfer-dataset.js";
export * from "./retire-dataset.js";
export * from "./get-dataset.js";
export * from "./get-dataset-version.js";
export * from "./list-datasets.js";
export * from "./get-category-floors.js";
export * from "./set-category-minimum.js";
export * from "./deposit-key.js";
// consent
export * from "./sign-consent.js";
export * from "./give-consent.js";
export * from "./relay-consent.js";
export * from "./revoke-consent.js";
export * from "./list-consents.js";
// access
export * from "./request-access.js";
export * from "./request-warnings.js";
export * from "./approve-request.js";
export * from "./find-approver-role.js";
export * from "./sign-approval.js";
export * from "./relay-share.js";
export * from "./relay-shares.js";
export * from "./advance-request.js";
export * from "./reject-request.js";
export * from "./revoke-grant.js";
export * from "./get-request-status.js";
export * from "./list-requests.js";
export * from "./list-releases.js";
export * from "./list-release-receipts.js";
export * from "./read-audit-timeline.js";
export * from "./sign-in-to-custodian.js";
export * from "./fetch-key.js";
export * from "./fetch-ciphertext.js";
export * from "./fetch-and-decrypt-blob.js";
export * from "./decrypt-dataset.js";
export * from "./record-usage.js";
// threshold custody (the custody contract beside the ledger; sdk/threshold)
export * from "./custody-context.js";
export * from "./register-custodian-set.js";
export * from "./get-custodian-set.js";
export * from "./deposit-shares.js";
export * from "./fetch-threshold-key.js";
export * from "./fetch-grant-key.js";
export * from "./order-shred.js";
export * from "./vote-shred.js";
export * from "./get-shred-status.js";
export * from "./move-custody.js";
