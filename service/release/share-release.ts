/**
 * Threshold custody's release step (contracts/interfaces/ICustody.sol): when a grant's dataset
 * version has a custody record, this custodian releases its Shamir share of the key — never a
 * whole key — instead of the deposited key. Called by the worker (./worker.ts) for a grant the
 * ledger re-check already found valid at the finalized block and at the head.
 *
 * What is trusted is the custody contract's `shareGrant(requestId, self)`, read — like the
 * ledger's isGrantValid — AT THE FINALIZED BLOCK and AT THE HEAD:
 *  - no custody record at the finalized block (`custodyOf(...).setId` = 0) → `whole-key`: the
 *    version is served as before, from a deposited key;
 *  - final answer not valid: Shredded or NotInSet → `refuse` (`custody:<reason>`: never again);
 *    GrantInvalid / NotDeposited (may change: the two reads raced a block) → `defer` with back-off;
 *  - final valid, head not valid (a shred order or a change of set not final yet) → `defer`
 *    soon, never refuse (that block may still be orphaned; once final, the final read refuses);
 *  - the set was shredded here (the shred watcher deleted the share: ../custody/shred.ts) →
 *    `refuse` `custody:Shredded`;
 *  - no share stored for (dataset, version, set) → `wait-share` (a share deposit wakes it);
 *  - the stored share's index is not the one the contract names → `defer` with back-off
 *    (logged: the store and the chain disagree; never served);
 *  - otherwise `release`: the share, unsealed (the caller wraps it to the device key and wipes
 *    it), with what the envelope's signature covers: set, index, threshold, proof.
 */
import { getAddress } from "ethers";
import type { KeyBox } from "../keys/at-rest.js";
import { shareContext } from "../keys/share-deposit.js";
import type { ShareStore } from "../store/store.js";
import { SHARE_INVALID_REASONS, type Custody } from "../custody/contract.js";

export interface EnvelopeShare {
  setId: number;
  index: number;
  threshold: number;
  proof: string[];
}

export type ShareOutcome =
  | { action: "whole-key" }
  | { action: "release"; share: Uint8Array; meta: EnvelopeShare }
  | { action: "wait-share"; setId: number }
  | { action: "defer"; reason: string; retry: "soon" | "backoff" }
  | { action: "refuse"; reason: string };

export interface ShareReleaseDeps {
  custody: Custody;
  /** This custodian's account. */
  self: string;
  store: Pick<ShareStore, "share" | "shredded">;
  keyBox: KeyBox;
}

/** Per round: the custody record of each (dataset, version) at the finalized block, read once. */
export type CustodyCache = Map<string, Promise<number>>;

const reasonName = (r: bigint | number) => SHARE_INVALID_REASONS[Number(r)] ?? `reason-${r}`;

export async function shareForRelease(
  deps: ShareReleaseDeps,
  grant: { requestId: string; datasetId: bigint; version: number },
  finalized: number,
  cache: CustodyCache,
): Promise<ShareOutcome> {
  const { custody, store } = deps;
  const { datasetId, version } = grant;
  const key = `${datasetId}:${version}`;
  let setAtFinal = cache.get(key);
  if (!setAtFinal) {
    setAtFinal = custody.custodyOf(datasetId, version, { blockTag: finalized }).then((r) => Number(r.setId));
    cache.set(key, setAtFinal);
  }
  if ((await setAtFinal) === 0) return { action: "whole-key" };

  const self = getAddress(deps.self);
  const [f, h] = await Promise.all([
    custody.shareGrant(BigInt(grant.requestId), self, { blockTag: finalized }),
    custody.shareGrant(BigInt(grant.requestId), self, { blockTag: "latest" }),
  ]);
  if (!f.valid) {
    const name = reasonName(f.reason);
    if (name === "Shredded" || name === "NotInSet") return { action: "refuse", reason: `custody:${name}` };
    return { action: "defer", reason: `custody:${name}`, retry: "backoff" };
  }
  if (!h.valid) return { action: "defer", reason: `custody-at-head:${reasonName(h.reason)}`, retry: "soon" };

  const setId = Number(f.setId);
  const index = Number(f.index);
  if (await store.shredded(datasetId.toString(), version, setId)) return { action: "refuse", reason: "custody:Shredded" };
  const row = await store.share(datasetId.toString(), version, setId);
  if (!row) return { action: "wait-share", setId };
  if (row.index !== index) return { action: "defer", reason: "share-index-mismatch", retry: "backoff" };
  const share = deps.keyBox.open(row.sealed, datasetId, version, shareContext(setId, index));
  return { action: "release", share, meta: { setId, index, threshold: Number(f.threshold), proof: row.proof } };
}
