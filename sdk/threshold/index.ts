/**
 * Threshold custody on the client (issue 14): the provider splits a version's data key into
 * Shamir shares (split.ts), commits to them on chain (commitment.ts) and wraps each to its
 * custodian (wrap.ts); the requester asks every custodian at once (fetch-shares.ts), verifies
 * each share against the on-chain root and rebuilds the key (combine.ts). Browser-safe.
 */
export { MAX_CUSTODIANS, SHARE_LENGTH, assertThresholdShape, isWellFormedShare, shareX, splitDataKey, type ThresholdShape } from "./split.js";
export { SHARE_LEAF_ENCODING, commitShares, shareHash, shareLeaf, verifyShare, verifyShareInSlot, type ShareLeaf, type ShareSlot, type SharesCommitment } from "./commitment.js";
export { unwrapShare, wrapShare, wrapShares, type CustodianKey, type WrappedShare } from "./wrap.js";
export {
  combineShares,
  type CombineSharesParams,
  type CombineSharesResult,
  type CustodianAnswer,
  type CustodianFailure,
  type CustodianSetView,
  type FailedAnswer,
  type ShareAnswer,
} from "./combine.js";
export { fetchShares, type FetchSharesParams, type FetchedShare, type ShareProgress, type ShareProgressStatus, type ShareTarget } from "./fetch-shares.js";
