/**
 * What a subject hands a requester, and what a requester hands a subject, outside the chain:
 *
 *  - a **signed consent**: the SDK's consent file (the EIP-712 `Consent` terms, the subject's
 *    signature) plus the consent receipt the `receiptHash` commits to, as JSON the requester
 *    pastes — or as a link that opens the requester page with it filled in;
 *  - a **consent ask**: what a requester would like the subject to consent to, as a link that
 *    opens the subject page with the consent form filled in.
 *
 * Big numbers travel as decimal strings. Links carry the JSON base64url-encoded in the hash part
 * of the URL, which browsers never send to a server.
 */
import { getAddress, isAddress } from "ethers";
import { consentFromJson, consentToJson, type ConsentFile, type ConsentTerms } from "../../../sdk/actions/consent-terms.js";

/**
 * The SDK's consent file (sdk/actions/consent-terms.ts, what `sealshare consent sign` writes and
 * `sealshare access request --consent` reads), plus the consent receipt the receiptHash commits
 * to. A consent signed in the dapp works with the CLI and the other way round.
 */
export type SignedConsentFile = ConsentFile & { receipt?: unknown };

export interface SignedConsent {
  terms: ConsentTerms;
  signature?: string;
  consentId?: string;
  chainId?: string;
  ledger?: string;
  receipt?: unknown;
}

export interface ConsentAsk {
  requester: string;
  requesterName?: string;
  datasetId: string; // decimal; "0" = a whole category
  category: number;
  purpose: number;
  maxKind: number;
  days: number;
}

export function toConsentFile(c: Required<Pick<SignedConsent, "terms" | "consentId" | "chainId" | "ledger">> & SignedConsent): SignedConsentFile {
  const file: SignedConsentFile = consentToJson(c.terms, { chainId: c.chainId, ledger: c.ledger, consentId: c.consentId, signature: c.signature });
  if (c.receipt !== undefined) file.receipt = c.receipt;
  return file;
}

export const toJson = (f: SignedConsentFile): string => JSON.stringify(f, null, 2);

export class ConsentFormatError extends Error {
  override name = "ConsentFormatError";
}

/** Parses pasted JSON, or a whole consent link, into a SignedConsent; throws a ConsentFormatError saying what is wrong. */
export function parseSignedConsent(text: string): SignedConsent {
  const trimmed = text.trim();
  const fromLink = /[?&]consent=([A-Za-z0-9_-]+)/.exec(trimmed);
  let raw: unknown;
  try {
    raw = JSON.parse(fromLink ? fromBase64Url(fromLink[1]!) : trimmed);
  } catch {
    throw new ConsentFormatError("This is not a signed consent: neither consent JSON nor a Sealshare consent link.");
  }
  try {
    return { ...consentFromJson(raw), receipt: (raw as { receipt?: unknown }).receipt };
  } catch (err) {
    throw new ConsentFormatError(`This is not a usable signed consent: ${(err as Error).message}.`);
  }
}

export function toBase64Url(text: string): string {
  const bin = Array.from(new TextEncoder().encode(text), (b) => String.fromCharCode(b)).join("");
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function fromBase64Url(s: string): string {
  const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/"));
  return new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
}

/** `…/#/requester?consent=…`: opens the requester page with the consent filled in. */
export function consentLink(appUrl: string, f: SignedConsentFile): string {
  return `${appUrl.split("#")[0]}#/requester?consent=${toBase64Url(JSON.stringify(f))}`;
}

/** `…/#/subject?ask=…`: opens the subject page with the consent form filled in. */
export function askLink(appUrl: string, ask: ConsentAsk): string {
  return `${appUrl.split("#")[0]}#/subject?ask=${toBase64Url(JSON.stringify(ask))}`;
}

export function parseAsk(encoded: string): ConsentAsk | undefined {
  try {
    const a = JSON.parse(fromBase64Url(encoded)) as ConsentAsk;
    if (!isAddress(a.requester) || !/^\d+$/.test(String(a.datasetId))) return undefined;
    return {
      requester: getAddress(a.requester),
      requesterName: typeof a.requesterName === "string" ? a.requesterName.slice(0, 80) : undefined,
      datasetId: String(a.datasetId),
      category: Number(a.category) || 0,
      purpose: Number(a.purpose) || 1,
      maxKind: Number(a.maxKind) === 1 ? 1 : 2,
      days: Math.min(Math.max(Number(a.days) || 30, 1), 3650),
    };
  } catch {
    return undefined;
  }
}

/**
 * What the dapp says in a consent receipt beyond the terms: the SDK builds the receipt
 * (sdk/consent/receipt.ts, Kantara CR v1.1 / ISO/IEC TS 27560, services from the terms) and its
 * canonical hash becomes the terms' `receiptHash` (pass this as `signConsent`'s `receipt`).
 */
export function receiptDetails(p: { requester: string; requesterName?: string; policyUrl: string }): { jurisdiction: string; policyUrl: string; piiControllers: { piiController: string; contact: string }[]; collectionMethod: string } {
  return {
    jurisdiction: "EU",
    policyUrl: p.policyUrl,
    piiControllers: [{ piiController: p.requesterName ?? p.requester, contact: p.requester }],
    collectionMethod: "wallet signature (EIP-712) in the Sealshare dapp",
  };
}

/** A consent file names the chain and ledger it was signed for: another deployment's is of no use here. */
export function signedElsewhere(config: { chainId: number | string; ledger: string }, c: Pick<SignedConsent, "chainId" | "ledger">): boolean {
  return (!!c.chainId && c.chainId !== String(config.chainId)) || (!!c.ledger && c.ledger.toLowerCase() !== config.ledger.toLowerCase());
}
