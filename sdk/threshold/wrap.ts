/**
 * Wrapping each share to its custodian: share i is ECIES-encrypted (eciesjs, the format
 * sdk/crypto/ecies.ts uses for data keys) to the compressed secp256k1 key of the custodian at
 * index i of the set, so a custodian can open its own share and no other.
 *
 * Trust: the keys MUST come from the chain — the custody contract's `custodianSet(setId)` gives
 * each custodian's keyId, registered with the ledger's proof of possession; read the key for that
 * id from the ledger. Never a key a custodian (or a config file) announced over HTTP: a key that
 * is not the custodian's own would hand its share to whoever holds that key.
 *
 * What travels to custodian i: its wrapped share and the share's proof (commitment.ts). The
 * custodian unwraps ({@link unwrapShare}) and checks the share against the shares root on chain
 * before storing it, exactly as a requester does before using it.
 */
import { SealshareError } from "../errors.js";
import { assertValidPublicKey, unwrapKey, wrapKey } from "../crypto/ecies.js";
import type { Hex } from "../stream/hex.js";
import type { SharesCommitment } from "./commitment.js";

/** One custodian of a set, as read from the chain. */
export interface CustodianKey {
  /** The custodian's account. */
  custodian: string;
  /** Its published encryption key (33-byte compressed secp256k1), read from the ledger by keyId. */
  publicKey: Uint8Array;
}

/** What the provider sends to one custodian. */
export interface WrappedShare {
  custodian: string;
  /** The custodian's position in the set (0-based); the leaf's index. */
  index: number;
  /** The share, ECIES-wrapped to the custodian's key. */
  wrapped: Uint8Array;
  /** The share's Merkle proof against the shares root. */
  proof: Hex[];
}

/**
 * Wraps `shares[i]` to `custodians[i]`'s key, for every i, with the share's proof from
 * `commitment`. Throws THRESHOLD_INVALID_SET when the lists do not match one to one, and
 * INVALID_PUBLIC_KEY (before anything is wrapped) for a key that is not a secp256k1 point.
 *
 * @example
 * ```ts
 * const wrapped = wrapShares(shares, custodiansFromChain, commitShares(slot, shares));
 * ```
 */
export function wrapShares(shares: readonly Uint8Array[], custodians: readonly CustodianKey[], commitment: SharesCommitment): WrappedShare[] {
  if (shares.length !== custodians.length || shares.length !== commitment.leaves.length) {
    throw new SealshareError("THRESHOLD_INVALID_SET", `${shares.length} shares, ${custodians.length} custodians and ${commitment.leaves.length} committed leaves do not match one to one`, {
      details: { shares: shares.length, custodians: custodians.length, leaves: commitment.leaves.length },
    });
  }
  // Every key is checked before any share is wrapped: a bad key anywhere fails the whole set.
  for (const c of custodians) assertValidPublicKey(c.publicKey);
  return shares.map((share, index) => ({
    custodian: custodians[index]!.custodian,
    index,
    wrapped: wrapShare(custodians[index]!.publicKey, share),
    proof: commitment.shareProof(index),
  }));
}

/** Wraps one share to one compressed secp256k1 key (INVALID_PUBLIC_KEY for anything else). */
export function wrapShare(publicKey: Uint8Array, share: Uint8Array): Uint8Array {
  return wrapKey(publicKey, share);
}

/** Unwraps a share with the custodian's private key; THRESHOLD_UNWRAP_FAILED on any failure. */
export function unwrapShare(privateKey: Uint8Array, wrapped: Uint8Array): Uint8Array {
  try {
    return unwrapKey(privateKey, wrapped);
  } catch (cause) {
    throw new SealshareError("THRESHOLD_UNWRAP_FAILED", "could not unwrap the share with this custodian key", {
      hint: "the share was wrapped to another key: the provider must wrap to the key the custodian set names on chain",
      cause,
    });
  }
}
