/**
 * The key of a grant by the path the chain names (threshold custody or the single custodian):
 * the one call the CLI's key commands, `fetchAndDecryptBlob` (the dapp) and the bench make.
 *
 * @example
 * ```ts
 * const k = await fetchGrantKey(ctx, { custodians, requestId: 7n, devicePrivateKey });
 * ```
 */
import { ZeroAddress } from "ethers";
import type { CustodianClient } from "../custodian-client.js";
import { SealshareError } from "../errors.js";
import type { ShareProgress } from "../threshold/fetch-shares.js";
import { readCustody, type CustodyContext } from "./custody-context.js";
import { fetchKey } from "./fetch-key.js";

export interface FetchGrantKeyParams {
  /** The single custodian (its URL) and/or the custodians of a set. */
  custodian?: CustodianClient;
  custodians?: readonly CustodianClient[];
  requestId: bigint;
  devicePrivateKey: Uint8Array;
  /** The device's name, for UNWRAP_FAILED on the single-custodian path (fetchKey). */
  deviceLabel?: string;
  waitMs?: number;
  minKind?: number;
  onProgress?: (p: ShareProgress) => void;
}

/**
 * The key of a grant, by the path the chain says: threshold custody when the grant's version has a
 * custody record (`custody.shareGrant(...).setId ≠ 0`), the single custodian otherwise. A
 * deployment without a custody contract always takes the single-custodian path.
 */
export async function fetchGrantKey(ctx: CustodyContext, p: FetchGrantKeyParams): Promise<{ dek: Uint8Array; requestId: bigint; datasetId: bigint; version: number; kind: number; expiresAt: number; custodians: string[] }> {
  const custodians = p.custodians ?? (p.custodian ? [p.custodian] : []);
  if (ctx.custody) {
    const sg = await readCustody(() => ctx.custody!.shareGrant(p.requestId, ZeroAddress));
    if (Number(sg.setId) !== 0) {
      // The threshold path (Shamir, Merkle proofs, parallel fetch) loads only when the chain says so:
      // a page whose versions are with a single custodian does not download it.
      const { fetchThresholdKey } = await import("./fetch-threshold-key.js");
      const k = await fetchThresholdKey(ctx, { custodians, requestId: p.requestId, devicePrivateKey: p.devicePrivateKey, waitMs: p.waitMs, onProgress: p.onProgress, shareGrant: sg });
      return { dek: k.dek, requestId: k.requestId, datasetId: k.datasetId, version: k.version, kind: k.kind, expiresAt: k.expiresAt, custodians: k.used };
    }
  }
  const single = p.custodian ?? custodians[0];
  if (!single) throw new SealshareError("NO_CUSTODIAN", "no custodian URL was given", { hint: "pass --custodian-url (or SEALSHARE_CUSTODIAN_URL)" });
  const k = await fetchKey(ctx, { custodian: single, requestId: p.requestId, devicePrivateKey: p.devicePrivateKey, deviceLabel: p.deviceLabel, waitMs: p.waitMs, minKind: p.minKind });
  return { dek: k.dek, requestId: k.requestId, datasetId: k.datasetId, version: k.version, kind: k.kind, expiresAt: k.expiresAt, custodians: [k.custodian] };
}

