/**
 * Rebuilding a data key from custodians' answers, on the requester's side (threshold custody).
 *
 * Every answer is checked BEFORE it is used, against facts read from the chain only:
 *
 * | answer                                            | outcome                                            |
 * |---------------------------------------------------|----------------------------------------------------|
 * | from an account that is not in the set            | ignored, listed as a failure (THRESHOLD_BAD_SHARE)  |
 * | from a custodian, under another index than its    | THRESHOLD_BAD_SHARE for that custodian              |
 * |   position in the set                             |                                                    |
 * | a second answer from the same custodian           | ignored, listed (THRESHOLD_BAD_SHARE)               |
 * | an error (timeout, HTTP failure, refusal)         | listed under the custodian, with its error          |
 * | a share that is malformed or not in the shares    | THRESHOLD_BAD_SHARE for that custodian              |
 * |   root for (slot, its index)                      |                                                    |
 * | a committed share at the same x as one kept       | listed (the dealer's fault, not the custodian's)    |
 * | a committed share                                 | good                                               |
 * | no answer at all from a custodian of the set      | listed (THRESHOLD_CUSTODIAN_FAILED)                 |
 *
 * Failures are collected, not thrown, while t good shares remain. The first t good shares (in
 * answer order) are combined; fewer than t → THRESHOLD_NOT_ENOUGH naming every custodian that
 * failed and why. The combined key must then match the version's key commitment
 * (sdk/stream/commitment.ts, the same check a single custodian's key gets), else
 * THRESHOLD_KEY_MISMATCH: shares that all match the provider's own root but do not rebuild its
 * committed key were dealt wrong by the provider.
 *
 * Why verify shares one by one rather than trying subsets until the key commitment matches: a
 * subset search costs C(n, t) combinations and still cannot say WHICH custodian lied; the
 * per-share commitment names it at once, and its check is a few hashes.
 */
import { getAddress } from "ethers";
import { combine } from "shamir-secret-sharing";
import { SealshareError } from "../errors.js";
import { verifyKeyCommitment, type KeyBinding } from "../stream/commitment.js";
import { DATA_KEY_LENGTH } from "../stream/keys.js";
import { verifyShareInSlot, type ShareSlot } from "./commitment.js";
import { assertThresholdShape, isWellFormedShare, shareX } from "./split.js";

/** A custodian's share, with its proof against the shares root. */
export interface ShareAnswer {
  custodian: string;
  index: number;
  /** The share, already unwrapped from the requester's device key. */
  share: Uint8Array;
  /** The share's Merkle proof (given by the custodian; checked here against the chain's root). */
  proof: readonly string[];
}

/** A custodian that gave no share: timed out, failed, refused. */
export interface FailedAnswer {
  custodian: string;
  index: number;
  error: unknown;
}

export type CustodianAnswer = ShareAnswer | FailedAnswer;

/** The custodian set serving the version, as the custody contract names it. */
export interface CustodianSetView {
  /** The custodians in set order: index i is custodians[i]. */
  custodians: readonly string[];
  threshold: number;
}

/** Why one custodian's answer was not used. */
export interface CustodianFailure {
  custodian: string;
  index: number;
  error: SealshareError;
}

export interface CombineSharesParams {
  /** The slot the shares were dealt for (chain, custody contract, dataset, version, set). */
  slot: ShareSlot;
  /** The shares root, read from the custody contract (`custodyOf` / `shareGrant`). */
  sharesRoot: string;
  /** The serving set, read from the custody contract (`custodianSet`). */
  set: CustodianSetView;
  answers: readonly CustodianAnswer[];
  /** The version's key commitment, read from the ledger, and what it binds. */
  key: { binding: KeyBinding; commitment: string };
}

export interface CombineSharesResult {
  /** The data key (32 bytes). Never log it. */
  dataKey: Uint8Array;
  /** The custodians whose shares were combined, in use order. */
  used: string[];
  /** Every custodian whose answer was not used, and why (bad shares attributed here). */
  failures: CustodianFailure[];
}

/**
 * Verifies each answer against the shares root, combines the first t good shares and checks the
 * key against its commitment.
 *
 * Errors: `THRESHOLD_NOT_ENOUGH` (details.failures: every custodian that failed and why),
 * `THRESHOLD_KEY_MISMATCH`, `THRESHOLD_INVALID_SET` (a set that cannot exist).
 *
 * @example
 * ```ts
 * const answers = await fetchShares({ custodians, fetchShare, timeoutMs: 5_000 });
 * const { dataKey, failures } = await combineShares({ slot, sharesRoot, set, answers, key: { binding, commitment } });
 * for (const f of failures) warn(`${f.custodian}: ${f.error.message}`);
 * ```
 */
export async function combineShares(p: CombineSharesParams): Promise<CombineSharesResult> {
  const custodians = p.set.custodians.map((c) => getAddress(c));
  const t = p.set.threshold;
  assertThresholdShape({ n: custodians.length, t });
  if (BigInt(p.key.binding.datasetId) !== BigInt(p.slot.datasetId) || Number(p.key.binding.version) !== Number(p.slot.version)) {
    throw new TypeError("the key binding and the share slot name different dataset versions");
  }

  const failures: CustodianFailure[] = [];
  const answered = new Set<string>();
  const good: { custodian: string; share: Uint8Array }[] = [];
  const keptX = new Map<number, string>();
  const fail = (custodian: string, index: number, error: SealshareError) => failures.push({ custodian, index, error });

  for (const a of p.answers) {
    const custodian = safeAddress(a.custodian);
    const position = custodian === undefined ? -1 : custodians.indexOf(custodian);
    if (custodian === undefined || position < 0) {
      fail(String(a.custodian), a.index, badShare(String(a.custodian), a.index, p.slot, "it is not a custodian of the set serving this version"));
      continue;
    }
    if (answered.has(custodian)) {
      fail(custodian, position, badShare(custodian, position, p.slot, "it answered twice (only its first answer counts)"));
      continue;
    }
    answered.add(custodian);
    if (a.index !== position) {
      fail(custodian, position, badShare(custodian, position, p.slot, `it answered as index ${a.index} but holds index ${position} on chain`));
      continue;
    }
    if ("error" in a) {
      fail(custodian, position, asCustodianError(custodian, position, a.error));
      continue;
    }
    if (!isWellFormedShare(a.share)) {
      fail(custodian, position, badShare(custodian, position, p.slot, "its share is not a 33-byte share"));
      continue;
    }
    if (!verifyShareInSlot(p.sharesRoot, p.slot, position, a.share, a.proof)) {
      fail(custodian, position, badShare(custodian, position, p.slot, "its share is not the one the provider committed to on chain for its index"));
      continue;
    }
    const sameX = keptX.get(shareX(a.share));
    if (sameX !== undefined) {
      fail(custodian, position, new SealshareError("THRESHOLD_KEY_MISMATCH", `the provider dealt ${custodian} the same share point as ${sameX}`, {
        hint: "the provider must deal the version's shares again (a new deposit)",
        details: { custodian, index: position, sameAs: sameX },
      }));
      continue;
    }
    if (good.length < t) {
      keptX.set(shareX(a.share), custodian);
      good.push({ custodian, share: a.share });
    }
  }
  custodians.forEach((custodian, index) => {
    if (!answered.has(custodian)) {
      fail(custodian, index, new SealshareError("THRESHOLD_CUSTODIAN_FAILED", `custodian ${custodian} (index ${index}) gave no answer`, { details: { custodian, index } }));
    }
  });

  if (good.length < t) throw notEnough(t, good.length, failures, p.slot);

  const dataKey = t === 1 ? good[0]!.share.slice(0, DATA_KEY_LENGTH) : await combine(good.map((g) => g.share));
  const used = good.map((g) => g.custodian);
  if (!verifyKeyCommitment(dataKey, p.key.binding, p.key.commitment)) {
    dataKey.fill(0);
    throw new SealshareError("THRESHOLD_KEY_MISMATCH", `the shares of ${used.join(", ")} match the shares root but do not rebuild the key committed for dataset ${p.slot.datasetId} version ${p.slot.version}`, {
      hint: "the provider dealt shares of another key: the provider must deposit the version's shares again",
      details: { datasetId: String(p.slot.datasetId), version: p.slot.version, setId: p.slot.setId, used },
    });
  }
  return { dataKey, used, failures };
}

function safeAddress(value: unknown): string | undefined {
  try {
    return getAddress(String(value));
  } catch {
    return undefined;
  }
}

function badShare(custodian: string, index: number, slot: ShareSlot, why: string): SealshareError {
  return new SealshareError("THRESHOLD_BAD_SHARE", `custodian ${custodian} (index ${index}) gave a bad share: ${why}`, {
    hint: "that custodian is faulty or dishonest: report it to the custody set's admin",
    details: { custodian, index, datasetId: String(slot.datasetId), version: slot.version, setId: slot.setId },
  });
}

/** A failed fetch as a SealshareError that names the custodian (kept as is when it already does). */
function asCustodianError(custodian: string, index: number, error: unknown): SealshareError {
  if (error instanceof SealshareError && error.details?.custodian === custodian) return error;
  const why = error instanceof SealshareError ? error.message : error instanceof Error ? error.message : String(error);
  return new SealshareError("THRESHOLD_CUSTODIAN_FAILED", `custodian ${custodian} (index ${index}) failed: ${why}`, {
    details: { custodian, index, ...(error instanceof SealshareError ? { cause: error.code } : {}) },
    cause: error,
  });
}

function notEnough(t: number, good: number, failures: readonly CustodianFailure[], slot: ShareSlot): SealshareError {
  const lines = failures.map((f) => `${f.error.message} [${f.error.code}]`);
  return new SealshareError("THRESHOLD_NOT_ENOUGH", `${good} good share(s) of the ${t} needed for dataset ${slot.datasetId} version ${slot.version}: ${lines.join("; ")}`, {
    hint: "ask the operators of the custodians named above; a bad share means that custodian is faulty or dishonest",
    details: {
      threshold: t,
      good,
      failures: failures.map((f) => ({ custodian: f.custodian, index: f.index, code: f.error.code, message: f.error.message })),
    },
  });
}
