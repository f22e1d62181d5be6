/**
 * The key envelope: what the custodian stores and serves after a release. It names the grant
 * (request, dataset, version, kind, expiry, key id), carries the data key ECIES-wrapped to the
 * request's device key, and is signed (EIP-712, custodian domain) by the custodian's account,
 * so a requester can check who issued it before unwrapping. Its EIP-712 digest is the
 * `envelopeHash` recorded on chain in the release receipt. Under threshold custody the envelope
 * carries one custodian's Shamir share instead of the key (`share`: set, index, threshold, Merkle
 * proof), signed as a KeyShareEnvelope; an envelope without `share` is exactly as before.
 */
import { keccak256, TypedDataEncoder, verifyTypedData, getAddress, type Signer, type TypedDataDomain } from "ethers";
import { KEY_ENVELOPE_TYPES, KEY_SHARE_ENVELOPE_TYPES, proofHash, type KeyEnvelopeMessage, type KeyShareEnvelopeMessage } from "./eip712.js";
import { SealshareError } from "./errors.js";
import type { EnvelopeBody } from "./api/schemas.js";

/**
 * A signed key envelope as the custodian serves it (GET /v1/envelopes/:requestId): the API schema's
 * type (sdk/api/schemas.ts `EnvelopeSchema`) — ids decimal, kind a GrantKind, expiresAt unix
 * seconds, wrappedKey eciesjs ciphertext (0x hex), custodian the signing account.
 */
export type Envelope = EnvelopeBody;

export function envelopeMessage(e: Omit<Envelope, "custodian" | "signature">): KeyEnvelopeMessage | KeyShareEnvelopeMessage {
  const base: KeyEnvelopeMessage = {
    requestId: BigInt(e.requestId),
    datasetId: BigInt(e.datasetId),
    version: e.version,
    kind: e.kind,
    expiresAt: e.expiresAt,
    keyId: e.keyId,
    wrappedKeyHash: keccak256(e.wrappedKey),
  };
  if (!e.share) return base;
  return { ...base, setId: e.share.setId, index: e.share.index, threshold: e.share.threshold, proofHash: proofHash(e.share.proof) };
}

/**
 * The EIP-712 types the envelope is signed under: KeyEnvelope, or KeyShareEnvelope when it
 * carries a Shamir share (threshold custody), so the share's set, index, threshold and proof are
 * covered by the signature and by the receipt's envelopeHash.
 */
export function envelopeTypes(e: Pick<Envelope, "share">): typeof KEY_ENVELOPE_TYPES {
  return e.share ? KEY_SHARE_ENVELOPE_TYPES : KEY_ENVELOPE_TYPES;
}

/** The EIP-712 digest of the envelope: the `envelopeHash` of its on-chain receipt. */
export function envelopeHash(domain: TypedDataDomain, e: Omit<Envelope, "custodian" | "signature">): string {
  return TypedDataEncoder.hash(domain, envelopeTypes(e), envelopeMessage(e));
}

export async function signEnvelope(
  signer: Signer,
  domain: TypedDataDomain,
  e: Omit<Envelope, "custodian" | "signature">,
): Promise<Envelope> {
  const signature = await signer.signTypedData(domain, envelopeTypes(e), envelopeMessage(e));
  return { ...e, custodian: await signer.getAddress(), signature };
}

/**
 * Checks the envelope's signature is by `expectedCustodian` and that it has not expired.
 * Call before unwrapping. `now` is unix seconds.
 */
export function verifyEnvelope(
  domain: TypedDataDomain,
  e: Envelope,
  expectedCustodian: string,
  now = Math.floor(Date.now() / 1000),
): void {
  let signer: string;
  try {
    signer = verifyTypedData(domain, envelopeTypes(e), envelopeMessage(e), e.signature);
  } catch (cause) {
    throw new SealshareError("ENVELOPE_BAD_SIGNATURE", "the envelope's signature is malformed", { cause });
  }
  if (getAddress(signer) !== getAddress(expectedCustodian) || getAddress(e.custodian) !== getAddress(expectedCustodian)) {
    throw new SealshareError("ENVELOPE_WRONG_ISSUER", `the envelope was not signed by the custodian ${expectedCustodian}`, {
      hint: "do not use this key; check the custodian URL you fetched from",
    });
  }
  if (e.expiresAt <= now) {
    throw new SealshareError("ENVELOPE_EXPIRED", `the grant expired at ${new Date(e.expiresAt * 1000).toISOString()}`, {
      hint: "request access again",
    });
  }
}
