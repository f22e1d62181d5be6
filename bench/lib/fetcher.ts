/**
 * Signed envelope fetches at benchmark rates.
 *
 * The custodian accepts an EIP-712 `EnvelopeRequest { requestId, issuedAt }` once (single use per
 * digest) with issuedAt within ±300 s of its clock. The SDK's CustodianClient therefore spaces
 * fetches of one request a second apart; a benchmark that polls every few milliseconds instead
 * signs each poll with a distinct issuedAt, walking up from a few seconds ago towards now + 280 s
 * (about 300 distinct fetches per request, each fresh; a pre-signed one stays valid for about
 * five minutes). Signing is libsecp256k1 (through service/keys/secp256k1.ts) on the
 * typed-data digest computed directly (service/release/signing.ts): RFC 6979, low s, the same
 * bytes ethers would produce at ~60 µs instead of ~1.5 ms, so a run's worth of requests (tens of
 * thousands) is signed in a second or two. The first signature is checked against ethers'
 * `verifyTypedData`, so a digest mistake cannot pass unnoticed.
 */
import { computeAddress, getBytes, verifyTypedData, type TypedDataDomain } from "ethers";
import { ENVELOPE_REQUEST_TYPES } from "../../sdk/eip712.js";
import { signDigest } from "../../service/keys/secp256k1.js";
import { createRequestDigest } from "../../service/release/signing.js";

/** issuedAt runs from now − PAST up to now + FUTURE (the custodian accepts ±300 s). */
const PAST_SECONDS = 20;
const FUTURE_SECONDS = 280;

export interface SignedFetch {
  requestId: bigint;
  path: string;
  headers: Record<string, string>;
}

export type FetchOutcome =
  | { kind: "ready"; status: number; body: unknown }
  | { kind: "pending"; status: number; body: unknown }
  | { kind: "problem"; status: number; code: string; body: unknown };

export class EnvelopeSigner {
  readonly #domain: TypedDataDomain;
  readonly #key: Uint8Array;
  readonly #address: string;
  readonly #digest: (message: Record<string, bigint | number>) => Uint8Array;
  readonly #next = new Map<bigint, number>();
  #checked = false;

  constructor(domain: TypedDataDomain, privateKey: string) {
    this.#domain = domain;
    this.#key = getBytes(privateKey);
    this.#address = computeAddress(privateKey);
    this.#digest = createRequestDigest(domain, ENVELOPE_REQUEST_TYPES);
  }

  /** Whether {@link sign} can sign another fetch of `requestId` right now. */
  canSign(requestId: bigint): boolean {
    return (this.#next.get(requestId) ?? 0) <= Math.floor(Date.now() / 1000) + FUTURE_SECONDS;
  }

  /** A fresh, never-used signed fetch of `requestId`'s envelope. */
  sign(requestId: bigint): SignedFetch {
    const now = Math.floor(Date.now() / 1000);
    let issuedAt = this.#next.get(requestId) ?? now - PAST_SECONDS;
    if (issuedAt < now - PAST_SECONDS) issuedAt = now - PAST_SECONDS;
    if (issuedAt > now + FUTURE_SECONDS) throw new Error(`used up the signing window of request ${requestId}`);
    this.#next.set(requestId, issuedAt + 1);
    const signature = signDigest(this.#digest({ requestId, issuedAt }), this.#key);
    if (!this.#checked) {
      const signer = verifyTypedData(this.#domain, ENVELOPE_REQUEST_TYPES, { requestId, issuedAt }, signature);
      if (signer !== this.#address) throw new Error(`bench signer: ethers recovers ${signer}, expected ${this.#address}`);
      this.#checked = true;
    }
    return {
      requestId,
      path: `/v1/envelopes/${requestId}`,
      headers: { "x-sealshare-issued-at": String(issuedAt), "x-sealshare-signature": signature },
    };
  }
}

/** One signed GET of an envelope. */
export async function fetchEnvelope(baseUrl: string, f: SignedFetch): Promise<FetchOutcome> {
  const res = await fetch(`${baseUrl}${f.path}`, { headers: { accept: "application/json", ...f.headers } });
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  if (res.status === 200) return { kind: "ready", status: 200, body };
  if (res.status === 202) return { kind: "pending", status: 202, body };
  const code = typeof body === "object" && body !== null && typeof (body as { code?: unknown }).code === "string" ? (body as { code: string }).code : `http-${res.status}`;
  return { kind: "problem", status: res.status, code, body };
}
