/**
 * The key envelope: what the custodian stores and serves after a release. It names the grant
 * (request, dataset, version, kind, expiry, key id), carries the data key ECIES-wrapped to the
 * request's device key, and is signed (EIP-712, custodian domain) by the custodian's account,
 * so a requester can check who issued it before unwrapping. Its EIP-712 digest is the
 * `envelopeHash` recorded on chain in the release receipt.
 */
import { keccak256, TypedDataEncoder, verifyTypedData, getAddress, type Signer, type TypedDataDomain } from "ethers";
import { KEY_ENVELOPE_TYPES, type KeyEnvelopeMessage } from "./eip712.js";
import { SealshareError } from "./errors.js";
import { when } from "./format.js";
import type { EnvelopeBody } from "./api/schemas.js";

/**
 * A signed key envelope as the custodian serves it (GET /v1/envelopes/:requestId): the API schema's
 * type (sdk/api/schemas.ts `EnvelopeSchema`) — ids decimal, kind a GrantKind, expiresAt unix
 * seconds, wrappedKey eciesjs ciphertext (0x hex), custodian the signing account.
 */
export type Envelope = EnvelopeBody;

export function envelopeMessage(e: Omit<Envelope, "custodian" | "signature">): KeyEnvelopeMessage {
  return {
    requestId: BigInt(e.requestId),
    datasetId: BigInt(e.datasetId),
    version: e.version,
    kind: e.kind,
    expiresAt: e.expiresAt,
    keyId: e.keyId,
    wrappedKeyHash: keccak256(e.wrappedKey),
  };
}

/** The EIP-712 digest of the envelope: the `envelopeHash` of its on-chain receipt. */
export function envelopeHash(domain: TypedDataDomain, e: Omit<Envelope, "custodian" | "signature">): string {
  return TypedDataEncoder.hash(domain, KEY_ENVELOPE_TYPES, envelopeMessage(e));
}

export async function signEnvelope(
  signer: Signer,
  domain: TypedDataDomain,
  e: Omit<Envelope, "custodian" | "signature">,
): Promise<Envelope> {
  const signature = await signer.signTypedData(domain, KEY_ENVELOPE_TYPES, envelopeMessage(e));
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
    signer = verifyTypedData(domain, KEY_ENVELOPE_TYPES, envelopeMessage(e), e.signature);
  } catch (cause) {
    throw new SealshareError("ENVELOPE_BAD_SIGNATURE", "the envelope's signature is malformed", { cause });
  }
  if (getAddress(signer) !== getAddress(expectedCustodian) || getAddress(e.custodian) !== getAddress(expectedCustodian)) {
    throw new SealshareError("ENVELOPE_WRONG_ISSUER", `the envelope was not signed by the custodian ${expectedCustodian}`, {
      hint: "do not use this key; check the custodian URL you fetched from",
    });
  }
  if (e.expiresAt <= now) {
    throw new SealshareError("ENVELOPE_EXPIRED", `the grant expired at ${when(e.expiresAt)}`, {
      hint: "request access again",
    });
  }
}
