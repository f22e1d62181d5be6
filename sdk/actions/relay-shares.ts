/**
 * The requester relays whole shares — each the subject's signed consent, the request and the
 * provider's and supervisors' signed approvals — in ONE transaction (`relayShares`): nobody but
 * the requester sends anything, and many shares split one base cost. Every approval still
 * appears on the ledger as its own `AccessApproved` naming its signer, as if it had been sent.
 * All or nothing: one failing share reverts them all. For one share, `relayShare` (cheaper than
 * a batch of one).
 *
 * @example
 * ```ts
 * const { shares } = await relayShares(insurerCtx, {
 *   shares: [{ datasetId: 1n, purpose: "underwriting", kind: "formal", duration: "7d", device: "insurer/laptop-1",
 *              consent: signed.terms, consentSignature: signed.signature, approvals: [byBank, bySupervisor] }],
 * });
 * ```
 */
import { getAddress, type ContractTransactionReceipt } from "ethers";
import type { ConsentTerms } from "../eip712.js";
import { SealshareError } from "../errors.js";
import { when } from "../format.js";
import { assertDatasetSubject, consentIdOf } from "./consent-terms.js";
import { eventsIn, providerOf, requireSigner, sendTx, toDeviceId, txResult, writer, type SealshareContext, type TxResult } from "./context.js";
import type { RequestAccessParams } from "./request-access.js";
import type { SignedApproval } from "./sign-approval.js";
import { toGrantKind, toPurpose, toSeconds } from "./vocab.js";

/** One share as its requester relays it: a request's terms (as requestAccess takes them), the subject's signature and the approvals. */
export interface RelayShareParams extends Omit<RequestAccessParams, "signature"> {
  /** The subject's signature over `consent` (the consent is not recorded yet). */
  consentSignature: string;
  /** The provider's and supervisors' signed approvals (`signApproval`). */
  approvals: SignedApproval[];
}

/** What the ledger did with one relayed share. */
export interface RelayedShare {
  requestId: bigint;
  consentId: string;
  version: number;
  keyId: number;
  /** Every approval recorded, in order, with the supervisor count after it. */
  approvals: { approver: string; asSupervisor: boolean; supervisorApprovals: number }[];
  /** Set when the approvals were enough for a grant. */
  granted?: { kind: number; expiresAt: number; version: number };
}

export interface RelaySharesResult extends TxResult {
  shares: RelayedShare[];
}

/**
 * Errors, checked before sending: `APPROVAL_MISMATCH` (an approval signed for another chain,
 * ledger, consent, requester, dataset, purpose, kind or duration), `APPROVAL_EXPIRED`,
 * `NOT_DATASET_SUBJECT`, `NO_SHARES`. From the ledger: `AccessApprovalExpired`,
 * `AccessInvalidApprovalSignature`, `AccessAlreadyApproved`, `AccessConflictOfInterest`,
 * `DatasetsNotProvider`, `AccessControlUnauthorizedAccount`, `ConsentsAlreadyRecorded` and every
 * error of `requestAccess` with a signature.
 */
export async function relayShares(ctx: SealshareContext, p: { shares: RelayShareParams[] }): Promise<RelaySharesResult> {
  if (p.shares.length === 0) throw new SealshareError("NO_SHARES", "nothing to relay", { hint: "give at least one share" });
  const l = writer(ctx);
  const calls: string[] = [];
  for (const s of p.shares) calls.push(l.interface.encodeFunctionData("relayShare", [...(await relayShareArgs(ctx, s))]));
  const receipt = await sendTx(() => l.relayShares(calls));
  return { ...txResult(receipt), shares: relayedSharesIn(ctx, receipt) };
}

/** The arguments of `relayShare` for one share, after checking every approval is for exactly it. */
export async function relayShareArgs(ctx: SealshareContext, s: RelayShareParams) {
  const requester = await requireSigner(ctx).getAddress();
  const chainId = (await providerOf(ctx).getNetwork()).chainId.toString();
  const ledger = getAddress(await ctx.ledger.getAddress());
  const now = Math.floor(Date.now() / 1000);
  const request = {
    datasetId: s.datasetId,
    version: s.version ?? 0,
    purpose: toPurpose(s.purpose),
    kind: toGrantKind(s.kind),
    duration: toSeconds(s.duration),
    deviceId: toDeviceId(s.device),
  };
  await assertDatasetSubject(ctx, s.consent);
  const consentId = await consentIdOf(ctx, s.consent);
  for (const a of s.approvals) {
    const expected: [string, string | number, string | number][] = [
      ["chain", a.chainId, chainId],
      ["ledger", getAddress(a.ledger), ledger],
      ["consent", a.consentId.toLowerCase(), consentId.toLowerCase()],
      ["requester", getAddress(a.requester), requester],
      ["dataset", a.datasetId, request.datasetId.toString()],
      ["purpose", a.purpose, request.purpose],
      ["kind", a.kind, request.kind],
      ["duration", a.duration, request.duration],
    ];
    for (const [what, got, want] of expected) {
      if (got !== want) {
        throw new SealshareError("APPROVAL_MISMATCH", `the approval by ${a.approver} is for another ${what} (${got}, not ${want})`, {
          hint: "the approver must sign for exactly this share (`sealshare access sign-approval` with the same consent and terms)",
          details: { approver: a.approver, field: what },
        });
      }
    }
    if (a.deadline < now) {
      throw new SealshareError("APPROVAL_EXPIRED", `the approval by ${a.approver} expired at ${when(a.deadline)}`, { hint: "ask the approver to sign again" });
    }
  }
  const approvals = s.approvals.map((a) => ({ approver: a.approver, asSupervisor: a.asSupervisor, deadline: a.deadline, signature: a.signature }));
  return [request, s.consent, s.consentSignature, approvals] as const;
}

/** Every share a relay transaction recorded, from its events (AccessRequested, AccessApproved, AccessGranted). */
export function relayedSharesIn(ctx: SealshareContext, receipt: ContractTransactionReceipt): RelayedShare[] {
  const approved = eventsIn(ctx, receipt, "AccessApproved");
  const granted = eventsIn(ctx, receipt, "AccessGranted");
  return eventsIn(ctx, receipt, "AccessRequested").map((e) => {
    const requestId = e.requestId as bigint;
    const g = granted.filter((x) => x.requestId === requestId).at(-1);
    return {
      requestId,
      consentId: e.consentId as string,
      version: Number(e.version),
      keyId: Number(e.keyId),
      approvals: approved
        .filter((x) => x.requestId === requestId)
        .map((x) => ({ approver: x.approver as string, asSupervisor: x.asSupervisor as boolean, supervisorApprovals: Number(x.supervisorApprovals) })),
      ...(g ? { granted: { kind: Number(g.kind), expiresAt: Number(g.expiresAt), version: Number(g.version) } } : {}),
    };
  });
}
