/**
 * The release hot path's envelope signing: the EIP-712 digest of a `KeyEnvelope` computed
 * directly (domain separator and type hash precomputed, the struct's eight words hashed with
 * keccak) and signed with the custodian's key through libsecp256k1 (../keys/secp256k1.ts),
 * instead of ethers' TypedDataEncoder walking the types and @noble's BigInt signing for every
 * envelope. The result is byte-identical to `signEnvelope` / `envelopeHash` in
 * sdk/envelope.ts (test/service/release.test.ts checks it), so requesters verify it unchanged.
 * An envelope carrying a Shamir share (threshold custody: KeyShareEnvelope) is hashed with
 * sdk/envelope.ts `envelopeHash` and signed with the same key.
 */
import { keccak_256 } from "@noble/hashes/sha3.js";
import { getBytes, hexlify, id, SigningKey, TypedDataEncoder, type Signer, type TypedDataDomain } from "ethers";
import { envelopeHash, signEnvelope, type Envelope } from "../../sdk/envelope.js";
import { signDigest } from "../keys/secp256k1.js";

const TYPE_HASH = getBytes(
  id("KeyEnvelope(uint256 requestId,uint64 datasetId,uint32 version,uint8 kind,uint40 expiresAt,uint40 keyId,bytes32 wrappedKeyHash)"),
);

export type UnsignedEnvelope = Omit<Envelope, "custodian" | "signature">;

export interface EnvelopeSigner {
  readonly address: string;
  /** Signs the envelope; returns it with its EIP-712 digest (the receipt's envelopeHash). */
  sign(e: UnsignedEnvelope): Promise<{ envelope: Envelope; envelopeHash: string }>;
}

function word(v: bigint): Uint8Array {
  const out = new Uint8Array(32);
  let x = v;
  for (let i = 31; i >= 0 && x > 0n; i--) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}

/** The EIP-712 digest of an envelope (equal to sdk/envelope.ts `envelopeHash`). */
export function envelopeDigest(domainSeparator: Uint8Array, e: UnsignedEnvelope): Uint8Array {
  const struct = new Uint8Array(32 * 8);
  struct.set(TYPE_HASH, 0);
  struct.set(word(BigInt(e.requestId)), 32);
  struct.set(word(BigInt(e.datasetId)), 64);
  struct.set(word(BigInt(e.version)), 96);
  struct.set(word(BigInt(e.kind)), 128);
  struct.set(word(BigInt(e.expiresAt)), 160);
  struct.set(word(BigInt(e.keyId)), 192);
  struct.set(keccak_256(getBytes(e.wrappedKey)), 224);
  const msg = new Uint8Array(66);
  msg[0] = 0x19;
  msg[1] = 0x01;
  msg.set(domainSeparator, 2);
  msg.set(keccak_256(struct), 34);
  return keccak_256(msg);
}

/**
 * A fast signer when the custodian's key is at hand (a Wallet: `signingKey`), else one that
 * goes through `signEnvelope` (any ethers Signer, e.g. a remote or hardware signer).
 */
export async function createEnvelopeSigner(signer: Signer, domain: TypedDataDomain): Promise<EnvelopeSigner> {
  const address = await signer.getAddress();
  const separator = getBytes(TypedDataEncoder.hashDomain(domain));
  const key = (signer as { signingKey?: SigningKey }).signingKey;
  if (key instanceof SigningKey) {
    // libsecp256k1: RFC 6979, low s — the same bytes as key.sign(digest).serialized.
    const secret = getBytes(key.privateKey);
    return {
      address,
      async sign(e) {
        // A share envelope (threshold custody, rare next to key envelopes) goes through ethers' encoder.
        const digest = e.share ? getBytes(envelopeHash(domain, e)) : envelopeDigest(separator, e);
        return { envelope: { ...e, custodian: address, signature: signDigest(digest, secret) }, envelopeHash: hexlify(digest) };
      },
    };
  }
  return {
    address,
    async sign(e) {
      const envelope = await signEnvelope(signer, domain, e);
      return { envelope, envelopeHash: e.share ? envelopeHash(domain, e) : hexlify(envelopeDigest(separator, e)) };
    },
  };
}

/**
 * The EIP-712 digest of a request type whose fields are all unsigned integers (EnvelopeRequest,
 * GrantStatusRequest: `requestId`, `issuedAt`), computed directly: domain separator and type
 * hash once, then two keccaks per request — what `TypedDataEncoder.hash(domain, types, message)`
 * gives (test/service/crypto-fast.test.ts), without walking the types every time. Values must fit
 * their declared width (the caller checks issuedAt against the time window first).
 */
export function createRequestDigest(domain: TypedDataDomain, types: Record<string, { name: string; type: string }[]>): (message: Record<string, bigint | number>) => Uint8Array {
  const encoder = TypedDataEncoder.from(types);
  const primary = encoder.primaryType;
  const fields = types[primary]!;
  const widths = fields.map((f) => {
    const m = /^uint(\d+)$/.exec(f.type);
    if (!m) throw new TypeError(`createRequestDigest supports uint fields only (${primary}.${f.name} is ${f.type})`);
    return BigInt(m[1]!);
  });
  const typeHash = getBytes(id(encoder.encodeType(primary)));
  const separator = getBytes(TypedDataEncoder.hashDomain(domain));
  return (message) => {
    const struct = new Uint8Array(32 * (fields.length + 1));
    struct.set(typeHash, 0);
    fields.forEach((f, i) => {
      const v = BigInt(message[f.name]!);
      if (v < 0n || v >> widths[i]! !== 0n) throw new RangeError(`${primary}.${f.name} out of range`);
      struct.set(word(v), 32 * (i + 1));
    });
    const msg = new Uint8Array(66);
    msg[0] = 0x19;
    msg[1] = 0x01;
    msg.set(separator, 2);
    msg.set(keccak_256(struct), 34);
    return keccak_256(msg);
  };
}
