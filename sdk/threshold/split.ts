/**
 * Splitting a data key into Shamir shares for a custodian set (threshold custody, issue 14).
 *
 * The provider is the dealer: it splits the version's 32-byte data key (DEK) into n shares, any t
 * of which rebuild it and fewer of which reveal nothing about it. Share i goes to the custodian at
 * index i of the set registered on chain (0-based), wrapped to that custodian's published key
 * (wrap.ts), and is committed to on chain (commitment.ts).
 *
 * The arithmetic is the audited `shamir-secret-sharing` package (GF(2^8), one polynomial per key
 * byte, fresh random coefficients from the platform's CSPRNG): no hand-written field code here.
 *
 * Share layout (33 bytes, the package's): the 32 y-bytes, then one byte x ≠ 0, the point the
 * polynomials were evaluated at. The package picks the x's at random, so a share's x says nothing
 * about its custodian's index; the index is bound by the commitment instead.
 *
 * t = 1 (the package needs t ≥ 2): every share is the key itself followed by x = index + 1 — the
 * same 33-byte layout and the same API, so a 1-of-n set (1-of-1 included) is a set like any other
 * and `combine.ts` needs no special case beyond "one share is the key".
 */
import { split } from "shamir-secret-sharing";
import { SealshareError } from "../errors.js";
import { assertDataKey, DATA_KEY_LENGTH } from "../stream/keys.js";

/** The most custodians a set can have: the custody contract's bound (`registerSet`). */
export const MAX_CUSTODIANS = 16;

/** Bytes in one share: the key's length plus the x coordinate. */
export const SHARE_LENGTH = DATA_KEY_LENGTH + 1;

/** A set's shape: n custodians, any t of which rebuild the key. */
export interface ThresholdShape {
  /** Number of shares (custodians), 1 ≤ n ≤ 16. */
  n: number;
  /** Shares needed to rebuild the key, 1 ≤ t ≤ n. */
  t: number;
}

/** Throws THRESHOLD_INVALID_SET unless 1 ≤ t ≤ n ≤ {@link MAX_CUSTODIANS} (integers). */
export function assertThresholdShape({ n, t }: ThresholdShape): void {
  if (!Number.isInteger(n) || !Number.isInteger(t) || t < 1 || t > n || n > MAX_CUSTODIANS) {
    throw new SealshareError("THRESHOLD_INVALID_SET", `a custodian set needs 1 ≤ t ≤ n ≤ ${MAX_CUSTODIANS} (got t = ${t}, n = ${n})`, {
      details: { n, t },
    });
  }
}

/**
 * Splits `dek` into `n` shares, any `t` of which rebuild it. The result is in custodian order:
 * element i is the share of the custodian at index i of the set.
 *
 * @example
 * ```ts
 * const shares = await splitDataKey(dek, { n: 3, t: 2 });
 * const { root } = commitShares(slot, shares); // deposited on chain with depositShares
 * ```
 */
export async function splitDataKey(dek: Uint8Array, shape: ThresholdShape): Promise<Uint8Array[]> {
  assertDataKey(dek);
  assertThresholdShape(shape);
  if (shape.t === 1) {
    return Array.from({ length: shape.n }, (_, i) => {
      const share = new Uint8Array(SHARE_LENGTH);
      share.set(dek);
      share[DATA_KEY_LENGTH] = i + 1;
      return share;
    });
  }
  return split(dek, shape.n, shape.t);
}

/** The x coordinate a share was evaluated at (its last byte). */
export function shareX(share: Uint8Array): number {
  return share[share.byteLength - 1] ?? 0;
}

/** True when `share` has the layout of a share of a data key: 33 bytes with x ≠ 0. */
export function isWellFormedShare(share: unknown): share is Uint8Array {
  return share instanceof Uint8Array && share.byteLength === SHARE_LENGTH && shareX(share) !== 0;
}
