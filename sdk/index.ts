/**
 * The Sealshare SDK, browser-safe main entry: every action that needs no file system (reads,
 * consent, requests, approvals, fetchKey, deposits, registering a ciphertext already stored),
 * the bounded event reader, the ledger's contracts and typed data, the consent receipt, the
 * custodian client, the vocabulary and display helpers. Nothing reachable from here imports a
 * `node:` module (test/sdk/entries.test.ts). Node-only parts (files, folder blob store, provider
 * worker) are in ./node.ts, which re-exports this one.
 */
export * from "./actions/context.js";
export * from "./actions/connect-deployment.js";
export * from "./actions/vocab.js";
export * from "./actions/consent-terms.js";
export * from "./actions/register-member.js";
export * from "./actions/suspend-member.js";
export * from "./actions/reinstate-member.js";
export * from "./actions/list-members.js";
export * from "./actions/resolve-member-names.js";
export * from "./members/display-name.js";
export * from "./actions/get-member.js";
export * from "./actions/get-roles.js";
export * from "./actions/publish-encryption-key.js";
export * from "./actions/get-device-key.js";
export * from "./actions/revoke-encryption-key.js";
export * from "./actions/register-encrypted-dataset.js";
export * from "./actions/publish-encrypted-version.js";
export * from "./actions/transfer-dataset.js";
export * from "./actions/retire-dataset.js";
export * from "./actions/get-dataset.js";
export * from "./actions/get-dataset-version.js";
export * from "./actions/list-datasets.js";
export * from "./actions/get-category-floors.js";
export * from "./actions/set-category-minimum.js";
export * from "./actions/deposit-key.js";
export * from "./actions/sign-consent.js";
export * from "./actions/give-consent.js";
export * from "./actions/relay-consent.js";
export * from "./actions/revoke-consent.js";
export * from "./actions/list-consents.js";
export * from "./actions/request-access.js";
export * from "./actions/approve-request.js";
export * from "./actions/find-approver-role.js";
export * from "./actions/sign-approval.js";
export * from "./actions/relay-share.js";
export * from "./actions/relay-shares.js";
export * from "./actions/advance-request.js";
export * from "./actions/reject-request.js";
export * from "./actions/revoke-grant.js";
export * from "./actions/get-request-status.js";
export * from "./actions/list-requests.js";
export * from "./actions/list-releases.js";
export * from "./actions/list-release-receipts.js";
export * from "./actions/read-audit-timeline.js";
export * from "./actions/sign-in-to-custodian.js";
export * from "./actions/fetch-key.js";
export * from "./actions/fetch-ciphertext.js";
export * from "./actions/fetch-and-decrypt-blob.js";
export * from "./actions/record-usage.js";
export * from "./actions/custody-context.js";
export * from "./actions/register-custodian-set.js";
export * from "./actions/get-custodian-set.js";
export * from "./actions/deposit-shares.js";
export * from "./actions/fetch-threshold-key.js";
export * from "./actions/fetch-grant-key.js";
export * from "./actions/order-shred.js";
export * from "./actions/vote-shred.js";
export * from "./actions/get-shred-status.js";
export * from "./actions/move-custody.js";
export { SLOT_ATTEMPTS, type VersionParams } from "./actions/version-slot.js";
export * from "./reads/events.js";
export * from "./reads/grant-rules.js";
export * from "./contracts.js";
export * from "./eip712.js";
export * from "./errors.js";
export * from "./revert.js";
export * from "./envelope.js";
export * from "./consent/index.js";
export * from "./threshold/index.js";
export { CustodianClient, CustodianError } from "./custodian-client.js";
export * from "./vocabulary.js";
export * from "./format.js";
export * from "./audit/timeline.js";
export * from "./audit/filter.js";
export * from "./audit/event-kinds.js";
