/**
 * The Sealshare SDK for Node: the browser-safe entry (./index.ts) plus what needs a file system —
 * encrypting, registering and decrypting dataset files, the folder blob store, the provider
 * worker and the auditor's ciphertext checks.
 */
export * from "./index.js";
export { type ProgressFn } from "./actions/files.js";
export { type DatasetSource } from "./actions/version-source.js";
export * from "./actions/encrypt-dataset.js";
export * from "./actions/register-dataset.js";
export * from "./actions/register-on-demand-dataset.js";
export * from "./actions/publish-version.js";
export * from "./actions/decrypt-dataset.js";
export * from "./blob/index.js";
export * from "./provider/worker.js";
export { verifyLedger, type VerifyOptions, type VerifyReport } from "./audit/verify.js";
export * from "./audit/proofs.js";
// Threshold custody's audit: custody events, shred confirmations, bad-share evidence (and its folder on disk).
export * from "./audit/custody-events.js";
export * from "./audit/verify-custody.js";
export * from "./audit/share-evidence.js";
export * from "./audit/evidence-folder.js";
