/**
 * What travels between the parties of a share approved by signature, outside the chain, in the
 * same way as a signed consent (../lib/consent-share.ts: base64url JSON in the URL's hash part,
 * which browsers never send to a server):
 *
 *  - a **share ask**: the requester asks the provider or a supervisor to approve one share by
 *    signature — the consent's terms (without the person's signature: an approver needs the
 *    terms to bind its approval to the consent id, not the power to relay it) and the request's
 *    terms (requester, dataset, purpose, kind, duration). `…/#/provider?share=…` or
 *    `…/#/supervisor?share=…` opens the approver's page with it.
 *  - a **signed approval**: the SDK's SignedApproval (sdk/actions/sign-approval.ts, the file
 *    `sealshare access sign-approval` writes), sent back as `…/#/requester?approval=…` or pasted
 *    as a link or JSON. A dapp approval works with the CLI and the other way round.
 *
 * Nothing here is trusted: the approver's page reads the dataset and the roles from the chain,
 * the SDK checks an approval against the share before relaying, and the ledger checks every
 * signature and role again.
 */
import { getAddress } from "ethers";
import { consentFromJson, consentToJson, type ConsentFile, type ConsentTerms } from "../../../sdk/actions/consent-terms.js";
import { signedApprovalFromJson, type SignedApproval } from "../../../sdk/actions/sign-approval.js";
import { fromBase64Url, toBase64Url } from "../lib/consent-share.js";

/** The requester's ask for one approval by signature (JSON-safe). */
export interface ShareAsk {
  type: "sealshare-share-ask";
  /** The consent's terms, without the person's signature. */
  consent: ConsentFile;
  requester: string;
  /** Decimal string (uint64): the dataset asked for (given here, as a whole-category consent names none). */
  datasetId: string;
  purpose: number;
  kind: number;
  /** Seconds. */
  duration: number;
}

/** A share ask as read from a link, with its consent terms parsed. */
export interface ParsedShareAsk extends ShareAsk {
  terms: ConsentTerms;
}

const isUint32 = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0 && v < 2 ** 32;

/** The fields of an ask, checked one by one, as the SDK reads a signed approval (`signedApprovalFromJson`). */
function askFields(raw: unknown): Omit<ShareAsk, "consent" | "requester"> & { consent: unknown; requester: unknown } {
  const a = raw as Partial<Record<keyof ShareAsk, unknown>> | null;
  const bad = (what: string) => new ShareLinkError(`This link's share is malformed (${what}).`);
  if (!a || typeof a !== "object" || a.type !== "sealshare-share-ask") throw bad("type");
  if (typeof a.datasetId !== "string" || !/^[1-9]\d{0,19}$/.test(a.datasetId)) throw bad("datasetId");
  if (!isUint32(a.purpose)) throw bad("purpose");
  if (a.kind !== 1 && a.kind !== 2) throw bad("kind");
  if (!isUint32(a.duration) || a.duration === 0) throw bad("duration");
  return { type: "sealshare-share-ask", consent: a.consent, requester: a.requester, datasetId: a.datasetId, purpose: a.purpose, kind: a.kind, duration: a.duration };
}

export class ShareLinkError extends Error {
  override name = "ShareLinkError";
}

/** The ask for `terms` (the consent's signature and receipt are left out). */
export function shareAsk(p: { terms: ConsentTerms; chainId: string; ledger: string; consentId: string; requester: string; datasetId: bigint; kind: number; duration: number }): ShareAsk {
  return {
    type: "sealshare-share-ask",
    consent: consentToJson(p.terms, { chainId: p.chainId, ledger: p.ledger, consentId: p.consentId }),
    requester: getAddress(p.requester),
    datasetId: p.datasetId.toString(),
    purpose: Number(p.terms.purpose),
    kind: p.kind,
    duration: p.duration,
  };
}

/** `…/#/provider?share=…` or `…/#/supervisor?share=…`: opens the approver's page with the ask. */
export function shareAskLink(appUrl: string, as: "provider" | "supervisor", ask: ShareAsk): string {
  return `${appUrl.split("#")[0]}#/${as}?share=${toBase64Url(JSON.stringify(ask))}`;
}

/** Reads the `share` parameter of an approver's link; throws a ShareLinkError saying what is wrong. */
export function parseShareAsk(encoded: string): ParsedShareAsk {
  let raw: unknown;
  try {
    raw = JSON.parse(fromBase64Url(encoded));
  } catch {
    throw new ShareLinkError("This link does not carry a share to approve (it is cut or altered).");
  }
  const a = askFields(raw);
  let terms: ConsentTerms, requester: string;
  try {
    terms = consentFromJson(a.consent).terms;
    requester = getAddress(String(a.requester));
  } catch (err) {
    throw new ShareLinkError(`This link's share is malformed: ${(err as Error).message}.`);
  }
  return { ...a, consent: a.consent as ConsentFile, requester, terms };
}

/** `…/#/requester?approval=…`: opens the requester's page with the approval added to its share. */
export function approvalLink(appUrl: string, a: SignedApproval): string {
  return `${appUrl.split("#")[0]}#/requester?approval=${toBase64Url(JSON.stringify(a))}`;
}

/** A signed approval from a link's `approval` parameter (encoded), or pasted text: a link or the JSON. */
export function parseApproval(textOrEncoded: string): SignedApproval {
  const t = textOrEncoded.trim();
  const fromLink = /[?&]approval=([A-Za-z0-9_-]+)/.exec(t);
  const encoded = fromLink ? fromLink[1]! : /^[A-Za-z0-9_-]+$/.test(t) ? t : undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(encoded ? fromBase64Url(encoded) : t);
  } catch {
    throw new ShareLinkError("This is not a signed approval: neither its JSON nor a Sealshare approval link.");
  }
  try {
    return signedApprovalFromJson(raw);
  } catch (err) {
    throw new ShareLinkError(`This is not a usable signed approval: ${(err as Error).message}.`);
  }
}
