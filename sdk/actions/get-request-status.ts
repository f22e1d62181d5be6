/**
 * Where a request stands: its stored record (`requestOf`) and whether its grant is live now
 * (`isGrantValid`), with names instead of numbers and the reason when it is not. A grant whose
 * expiry has passed by the later of the wall clock and chain time is reported `Expired` even when
 * the idle chain's latest block is older than the expiry (as the custodian judges it).
 *
 * @example
 * ```ts
 * const s = await getRequestStatus(ctx, { requestId: 1n });
 * if (!s.grant.valid) console.log(`no access: ${s.grant.reason}`); // e.g. "ConsentRevoked"
 * ```
 */
import { hexlify } from "ethers";
import { GrantInvalidReason, RequestStatus, type GrantInvalidReasonName } from "../vocabulary.js";
import { expiryNow, readCall, type SealshareContext } from "./context.js";

export interface GetRequestStatusParams {
  requestId: bigint;
}

const STATUS_NAMES = Object.keys(RequestStatus) as (keyof typeof RequestStatus)[];
const KIND_NAMES = ["None", "Temporary", "Formal"] as const;

export interface GetRequestStatusResult {
  requestId: bigint;
  requester: string;
  datasetId: bigint;
  /** The version the request is for (0 = latest, until granted). */
  version: number;
  consentId: string;
  status: (typeof STATUS_NAMES)[number];
  wantKind: (typeof KIND_NAMES)[number];
  providerApproved: boolean;
  supervisorApprovals: number;
  grant: {
    valid: boolean;
    reason: GrantInvalidReasonName;
    kind: (typeof KIND_NAMES)[number];
    expiresAt: number;
    version: number;
    keyId: number;
    publicKey: string;
    keyCommitment: string;
  };
}

/** Errors: `AccessUnknownRequest`. */
export async function getRequestStatus(ctx: SealshareContext, p: GetRequestStatusParams): Promise<GetRequestStatusResult> {
  const r = await readCall(() => ctx.ledger.requestOf(p.requestId));
  const g = await readCall(() => ctx.ledger.isGrantValid(p.requestId));
  // isGrantValid judges expiry by the latest block's time, which stands still on an idle chain.
  const expired = g.valid && Number(g.expiresAt) <= (await expiryNow(ctx));
  return {
    requestId: p.requestId,
    requester: r.requester,
    datasetId: r.datasetId,
    version: Number(r.version),
    consentId: r[3], // by position: the implementation names it `cid`, the interface `consentId`
    status: STATUS_NAMES[Number(r.status)] ?? "None",
    wantKind: KIND_NAMES[Number(r.wantKind)] ?? "None",
    providerApproved: r.providerApproved,
    supervisorApprovals: Number(r.supervisorApprovals),
    grant: {
      valid: g.valid && !expired,
      reason: expired ? "Expired" : (GrantInvalidReason[Number(g.reason)] ?? "NotGranted"),
      kind: KIND_NAMES[Number(g.kind)] ?? "None",
      expiresAt: Number(g.expiresAt),
      version: Number(g.version),
      keyId: Number(g.keyId),
      publicKey: hexlify(g.publicKey),
      keyCommitment: g.keyCommitment,
    },
  };
}
