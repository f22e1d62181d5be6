/**
 * Lists consents from the ledger's events alone (`ConsentGiven`, `ConsentRevoked`): those a
 * subject gave, or those a requester may use (naming it, or any member), or all. Each with its status
 * now: active, revoked or expired (by chain time).
 *
 * @example
 * ```ts
 * const mine = await listConsents(ctx, { subject: ana });
 * const usable = (await listConsents(ctx, { requester: insurer })).filter((c) => c.status === "active");
 * ```
 */
import { ZeroAddress } from "ethers";
import { SealshareError } from "../errors.js";
import { categoryName, purposeName } from "../vocabulary.js";
import { chainNow, queryEvents, toAddress, type SealshareContext } from "./context.js";

export interface ListConsentsParams {
  subject?: string;
  requester?: string;
  /** With `requester`: also list consents open to any member (default true). */
  includeAnyMember?: boolean;
  /** Every consent on the ledger (a supervisor's view); instead of `subject` / `requester`. */
  all?: boolean;
}

export interface ConsentListing {
  consentId: string;
  subject: string;
  /** address(0) = any member. */
  requester: string;
  /** 0 = every dataset of `category`. */
  datasetId: bigint;
  category: number;
  categoryName: string;
  purpose: number;
  purposeName: string;
  maxKind: number;
  expiresAt: number;
  receiptHash: string;
  relayer: string;
  status: "active" | "revoked" | "expired";
  givenTx: string;
  givenBlock: number;
  revokedTx?: string;
}

/** Errors: `INVALID_ADDRESS`, `MISSING_FILTER`. */
export async function listConsents(ctx: SealshareContext, p: ListConsentsParams): Promise<ConsentListing[]> {
  if (!p.subject && !p.requester && !p.all) {
    throw new SealshareError("MISSING_FILTER", "say whose consents to list", { hint: "give a subject or a requester address (or ask for all)" });
  }
  const subject = p.subject ? toAddress(p.subject, "subject") : null;
  const requesters = p.requester ? (p.includeAnyMember === false ? [toAddress(p.requester, "requester")] : [toAddress(p.requester, "requester"), ZeroAddress]) : null;
  const given = await queryEvents(ctx, "ConsentGiven", [null, subject, requesters]);
  if (given.length === 0) return [];
  const ids = given.map((g) => g.args.consentId as string);
  const revoked = new Map<string, string>();
  for (let i = 0; i < ids.length; i += 100) {
    for (const r of await queryEvents(ctx, "ConsentRevoked", [ids.slice(i, i + 100)])) revoked.set(r.args.consentId, r.txHash);
  }
  const now = await chainNow(ctx);
  return given.map((g) => {
    const a = g.args;
    const revokedTx = revoked.get(a.consentId);
    const expiresAt = Number(a.expiresAt);
    return {
      consentId: a.consentId,
      subject: a.subject,
      requester: a.requester,
      datasetId: a.datasetId,
      category: Number(a.category),
      categoryName: categoryName(Number(a.category)),
      purpose: Number(a.purpose),
      purposeName: purposeName(Number(a.purpose)),
      maxKind: Number(a.maxKind),
      expiresAt,
      receiptHash: a.receiptHash,
      relayer: a.relayer,
      status: revokedTx ? "revoked" : expiresAt <= now ? "expired" : "active",
      givenTx: g.txHash,
      givenBlock: g.blockNumber,
      ...(revokedTx ? { revokedTx } : {}),
    };
  });
}
