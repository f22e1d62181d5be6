/**
 * Where a version's shares are and what became of a shred order: the serving set, whether a
 * shred was ordered (when), which custodians confirmed they destroyed their share and which have
 * not yet (the custody contract's bitmap, by address), and the supervisors' votes so far.
 *
 * @example
 * ```ts
 * const s = await getShredStatus(ctx, { datasetId: 1n, version: 1 });
 * if (s.ordered && s.pending.length) console.log(`waiting for ${s.pending.join(", ")}`);
 * ```
 */
import { getAddress } from "ethers";
import { readCustody, requireCustody, type CustodyContext } from "./custody-context.js";

export interface GetShredStatusParams {
  datasetId: bigint;
  version: number;
  /** Which set's shred (default: the set the custody record names, the serving or last one). */
  setId?: number;
}

export interface ShredStatus {
  datasetId: bigint;
  version: number;
  /** The set asked about; 0 when the version never had shares deposited. */
  setId: number;
  /** The set that serves (or last served) the version, from the custody record. */
  servingSetId: number;
  /** The version is shredded: nothing serves its key any more. */
  shredded: boolean;
  /** A shred of `setId`'s shares was ordered. */
  ordered: boolean;
  /** Unix seconds, when ordered. */
  orderedAt?: number;
  /** Custodians of the set that confirmed, in share order. */
  confirmed: { custodian: string; index: number }[];
  /** Custodians of the set that have not confirmed yet (empty when not ordered). */
  pending: { custodian: string; index: number }[];
  /** Supervisors' shred votes that count now, and how many order a shred. */
  votes: number;
  quorum: number;
}

/** Errors: `CustodyUnknownSet`, `NO_CUSTODY`. */
export async function getShredStatus(ctx: CustodyContext, p: GetShredStatusParams): Promise<ShredStatus> {
  const custody = requireCustody(ctx);
  const [record, votes, quorum] = await Promise.all([
    readCustody(() => custody.custodyOf(p.datasetId, p.version)),
    readCustody(() => custody.shredVotes(p.datasetId, p.version)),
    readCustody(() => custody.shredQuorum()),
  ]);
  const servingSetId = Number(record.setId);
  const setId = p.setId ?? servingSetId;
  const base = { datasetId: p.datasetId, version: p.version, setId, servingSetId, shredded: record.shredded, votes: Number(votes), quorum: Number(quorum) };
  if (setId === 0) return { ...base, ordered: false, confirmed: [], pending: [] };
  const [set, shred] = await Promise.all([readCustody(() => custody.custodianSet(setId)), readCustody(() => custody.shredOf(p.datasetId, p.version, setId))]);
  const ordered = Number(shred.orderedAt) !== 0;
  const members = set.custodians.map((c, index) => ({ custodian: getAddress(c), index }));
  const bit = (mask: bigint | number, i: number) => ((BigInt(mask) >> BigInt(i)) & 1n) === 1n;
  return {
    ...base,
    ordered,
    ...(ordered ? { orderedAt: Number(shred.orderedAt) } : {}),
    confirmed: members.filter((m) => bit(shred.confirmed, m.index)),
    pending: ordered ? members.filter((m) => bit(shred.pending, m.index)) : [],
  };
}
