/**
 * Crypto throughput in one process, each figure interleaved with its baseline:
 *  - `ecies.wrap.ops`: sdk/crypto/ecies-fast wraps of a 32-byte data key per second, the
 *    recipients rotating over more distinct keys than the fast path's recipient cache holds (so
 *    every wrap parses its recipient, as for a custodian serving many devices), vs eciesjs 0.5
 *    `encrypt` over the same keys. Target ≥ 5×.
 *  - `ecies.wrap.hot.ops`: the same to one recipient (cache hit, precomputed table once hot).
 *  - `ecies.unwrap.ops`: unwrapKeyFast vs eciesjs `decrypt`.
 *  - `eip712.verify.ops`: ethers `verifyTypedData` of an EnvelopeRequest (what the custodian
 *    checks on every signed fetch) vs @noble/curves 2 `verify` of the same digest and signature
 *    with the public key known (the cost of the curve operation alone).
 * Every wrap in the timed loops is also a real one: a sample of outputs is opened by the other
 * library before the figures are reported, so a broken fast path cannot post a good number.
 */
import { createECDH, randomBytes } from "node:crypto";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { decrypt, encrypt } from "eciesjs";
import { getBytes, Signature, TypedDataEncoder, verifyTypedData, Wallet } from "ethers";
import { HOT_AFTER, unwrapKeyFast, wrapKeyFast } from "../sdk/crypto/ecies-fast.js";
import { custodianDomain, ENVELOPE_REQUEST_TYPES } from "../sdk/eip712.js";
import { entry, interleaved, opsPerSecond, type Entry } from "./lib/harness.js";
import type { Profile } from "./lib/profiles.js";

export async function runCrypto(profile: Profile, say: (line: string) => void): Promise<Entry[]> {
  const { reps, msPerRep, recipients, checks } = profile.crypto;
  // Key pairs from OpenSSL: eciesjs's PrivateKey constructor is the slow part being measured.
  // OpenSSL returns the scalar without leading zero bytes (1 key in 256 is 31 bytes long), and
  // eciesjs rejects anything but 32 bytes, so the secret is left-padded.
  const keys = Array.from({ length: recipients }, () => {
    const ecdh = createECDH("secp256k1");
    ecdh.generateKeys();
    const secret = new Uint8Array(32);
    const scalar = ecdh.getPrivateKey();
    secret.set(scalar, 32 - scalar.length);
    return { secret, publicKey: new Uint8Array(ecdh.getPublicKey(null, "compressed")) };
  });
  const publicKeys = keys.map((k) => k.publicKey);
  const dek = randomBytes(32);

  // Correctness first, both ways, on a sample of the keys the loops use.
  for (let i = 0; i < Math.min(checks, recipients); i++) {
    if (!Buffer.from(decrypt(keys[i]!.secret, wrapKeyFast(publicKeys[i]!, dek))).equals(dek)) throw new Error("ecies-fast wrap does not open with eciesjs");
    if (!Buffer.from(unwrapKeyFast(keys[i]!.secret, encrypt(publicKeys[i]!, dek))).equals(dek)) throw new Error("ecies-fast unwrap does not open eciesjs");
  }

  say("crypto: ECIES wrap, rotating recipients");
  let i = 0;
  let j = 0;
  const cold = interleaved(
    reps,
    () => opsPerSecond(() => wrapKeyFast(publicKeys[i++ % recipients]!, dek), msPerRep),
    () => opsPerSecond(() => encrypt(publicKeys[j++ % recipients]!, dek), msPerRep),
  );
  say("crypto: ECIES wrap, one recipient");
  for (let k = 0; k <= HOT_AFTER; k++) wrapKeyFast(publicKeys[0]!, dek); // steady state: its table is built
  const hot = interleaved(
    reps,
    () => opsPerSecond(() => wrapKeyFast(publicKeys[0]!, dek), msPerRep),
    () => opsPerSecond(() => encrypt(publicKeys[0]!, dek), msPerRep),
  );
  say("crypto: ECIES unwrap");
  const wrapped = encrypt(publicKeys[0]!, dek);
  const unwrap = interleaved(
    reps,
    () => opsPerSecond(() => unwrapKeyFast(keys[0]!.secret, wrapped), msPerRep),
    () => opsPerSecond(() => decrypt(keys[0]!.secret, wrapped), msPerRep),
  );

  say("crypto: EIP-712 signature checks");
  const wallet = Wallet.createRandom();
  const domain = custodianDomain(31337n, "0x5FbDB2315678afecb367f032d93F642f64180aa3");
  const message = { requestId: 12345n, issuedAt: Math.floor(Date.now() / 1000) };
  const signature = await wallet.signTypedData(domain, ENVELOPE_REQUEST_TYPES, message);
  const digest = getBytes(TypedDataEncoder.hash(domain, ENVELOPE_REQUEST_TYPES, message));
  const compact = getBytes(Signature.from(signature).serialized).subarray(0, 64);
  const publicKey = getBytes(wallet.signingKey.publicKey);
  if (verifyTypedData(domain, ENVELOPE_REQUEST_TYPES, message, signature) !== wallet.address) throw new Error("verifyTypedData disagrees");
  if (!secp256k1.verify(compact, digest, publicKey, { prehash: false })) throw new Error("noble verify disagrees");
  const verify = interleaved(
    reps,
    () => opsPerSecond(() => verifyTypedData(domain, ENVELOPE_REQUEST_TYPES, message, signature), msPerRep),
    () => opsPerSecond(() => secp256k1.verify(compact, digest, publicKey, { prehash: false }), msPerRep),
  );

  return [
    entry({
      name: "ecies.wrap.ops",
      unit: "ops/s",
      samples: cold.a,
      baseline: { name: "eciesjs 0.5 encrypt", samples: cold.b },
      target: { on: "ratio", min: 5, text: "≥ 5× eciesjs" },
      note: `32-byte key, recipients rotating over ${recipients} keys (more than the 256-entry recipient cache)`,
    }),
    entry({
      name: "ecies.wrap.hot.ops",
      unit: "ops/s",
      samples: hot.a,
      baseline: { name: "eciesjs 0.5 encrypt", samples: hot.b },
      note: `32-byte key, always the same recipient: cached and, after ${HOT_AFTER} wraps, precomputed (window table)`,
    }),
    entry({ name: "ecies.unwrap.ops", unit: "ops/s", samples: unwrap.a, baseline: { name: "eciesjs 0.5 decrypt", samples: unwrap.b } }),
    entry({
      name: "eip712.verify.ops",
      unit: "ops/s",
      samples: verify.a,
      baseline: { name: "noble-curves 2 verify (same digest, known key)", samples: verify.b },
      note: "ethers verifyTypedData of an EnvelopeRequest: typed-data hashing + public-key recovery",
    }),
  ];
}
