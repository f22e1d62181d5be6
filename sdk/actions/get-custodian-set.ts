/**
 * Reads a custodian set from the custody contract and checks it against the ledger, member by
 * member: the account still holds CUSTODIAN_ROLE, and the key id the set recorded is still that
 * account's live share key (device keccak256("sealshare-custodian"), owned by it, not revoked).
 * A custodian that fails is named with why. Deposits wrap shares only to keys that pass (the
 * chain is the trust anchor: never a custodian's HTTP word or a config file).
 *
 * @example
 * ```ts
 * const set = await getCustodianSet(ctx, { setId: 1 });
 * for (const c of set.custodians) if (!c.ok) console.warn(`${c.address}: ${c.problem}`);
 * ```
 */
import { getAddress, getBytes } from "ethers";
import { CUSTODIAN_ROLE } from "../contracts.js";
import { SealshareError } from "../errors.js";
import { readCall } from "./context.js";
import { readCustody, requireCustody, type CustodyContext } from "./custody-context.js";
import { CUSTODIAN_DEVICE_ID } from "./deposit-key.js";

export interface CustodianSetMember {
  address: string;
  /** Its share index in the set (0-based). */
  index: number;
  /** The ledger key id its shares are wrapped to (recorded by the set). */
  keyId: number;
  /** That key (33-byte compressed secp256k1), read from the ledger; undefined if the ledger has none. */
  publicKey?: Uint8Array;
  hasRole: boolean;
  /** Its live share key id on the ledger now (0 = none). */
  currentKeyId: number;
  /** True when it holds CUSTODIAN_ROLE and the recorded key is its live share key. */
  ok: boolean;
  /** Why not, in words (undefined when ok). */
  problem?: string;
}

export interface CustodianSetInfo {
  setId: number;
  threshold: number;
  n: number;
  /** False once the admin retired it: no new deposits. */
  active: boolean;
  custodians: CustodianSetMember[];
  /** True when every custodian is ok. */
  healthy: boolean;
}

/** Errors: `CustodyUnknownSet`, `NO_CUSTODY`. */
export async function getCustodianSet(ctx: CustodyContext, p: { setId: number }): Promise<CustodianSetInfo> {
  const custody = requireCustody(ctx);
  const set = await readCustody(() => custody.custodianSet(p.setId));
  const custodians = await Promise.all(
    set.custodians.map(async (raw, index): Promise<CustodianSetMember> => {
      const address = getAddress(raw);
      const keyId = Number(set.keyIds[index]);
      const [hasRole, currentKeyId, key] = await Promise.all([
        readCall(() => ctx.ledger.hasRole(CUSTODIAN_ROLE, address)),
        readCall(() => ctx.ledger.currentKeyId(address, CUSTODIAN_DEVICE_ID)).then(Number),
        readCall(() => ctx.ledger.encryptionKey(keyId)).catch(() => undefined),
      ]);
      const problems: string[] = [];
      if (!hasRole) problems.push("it no longer holds CUSTODIAN_ROLE on the ledger");
      if (!key || getAddress(key.owner) !== address) problems.push(`the ledger has no key #${keyId} of its own`);
      else if (!key.live || currentKeyId !== keyId) {
        problems.push(currentKeyId === 0 ? `its share key #${keyId} was revoked and it has none now` : `its share key #${keyId} was replaced by #${currentKeyId}`);
      }
      const publicKey = key && getAddress(key.owner) === address ? getBytes(key.publicKey) : undefined;
      return { address, index, keyId, ...(publicKey ? { publicKey } : {}), hasRole, currentKeyId, ok: problems.length === 0, ...(problems.length ? { problem: problems.join("; ") } : {}) };
    }),
  );
  return { setId: p.setId, threshold: Number(set.threshold), n: custodians.length, active: set.active, custodians, healthy: custodians.every((c) => c.ok) };
}

/**
 * Throws CUSTODY_SET_UNUSABLE naming every custodian that fails the chain's checks (and when the
 * set was retired): what a provider must not deposit to.
 */
export function assertSetUsable(set: CustodianSetInfo): void {
  const bad = set.custodians.filter((c) => !c.ok);
  if (set.active && bad.length === 0) return;
  const reasons = [...(set.active ? [] : ["the set was retired"]), ...bad.map((c) => `custodian ${c.address} (index ${c.index}): ${c.problem}`)];
  throw new SealshareError("CUSTODY_SET_UNUSABLE", `custodian set ${set.setId} cannot take shares: ${reasons.join("; ")}`, {
    hint: "ask the ledger's admin to register a new set (`sealshare custody set register`), then deposit to it",
    details: { setId: set.setId, active: set.active, custodians: bad.map((c) => ({ custodian: c.address, index: c.index, problem: c.problem })) },
  });
}
