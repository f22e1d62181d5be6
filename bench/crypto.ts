/**
 * Crypto throughput in one process, each figure interleaved with its baseline. Every figure
 * times a function that ships (docs/PERFORMANCE.md, "ECIES and EIP-712", names each one):
 *  - `ecies.wrap.ops`: service/release/ecies.ts `wrapReleaseKey` — the release worker's wrap of
 *    a 32-byte data key to a requester's device key (libsecp256k1) — per second, the recipients
 *    rotating over more distinct keys than any cache on the way would hold (the wrap has none;
 *    the rotation keeps it honest should one appear), vs eciesjs 0.5 `encrypt` over the same
 *    keys (what the SDK's `wrapKey` calls). Target ≥ 5×.
 *  - `ecies.unwrap.ops`: sdk/crypto/ecies.ts `unwrapKey` — what clients (and the custodian's key
 *    deposit) run to open a wrapped key: eciesjs 0.5 `decrypt` behind the SDK's error mapping —
 *    vs eciesjs `decrypt` called directly. No faster unwrap ships, so this is the eciesjs
 *    figure, and its ratio is ≈ 1 by construction: it is there to say so.
 *  - `eip712.verify.ops`: the custodian's check of a signed envelope fetch, as
 *    service/http/serve.ts runs it — service/release/signing.ts `createRequestDigest` (EIP-712
 *    digest) + service/keys/secp256k1.ts `recoverSigner` (libsecp256k1 recovery) — vs ethers
 *    `verifyTypedData` of the same request (what it replaced).
 * Every timed operation is a real one: before any figure, a sample of `wrapReleaseKey`'s output
 * is opened with eciesjs `decrypt` and the signer check must name the wallet ethers names, so a
 * broken path cannot post a good number.
 */
import { createECDH, randomBytes } from "node:crypto";
import { decrypt, encrypt } from "eciesjs";
import { Signature, verifyTypedData, Wallet } from "ethers";
import { unwrapKey } from "../sdk/crypto/ecies.js";
import { custodianDomain, ENVELOPE_REQUEST_TYPES } from "../sdk/eip712.js";
import { recoverSigner } from "../service/keys/secp256k1.js";
import { wrapReleaseKey } from "../service/release/ecies.js";
import { createRequestDigest } from "../service/release/signing.js";
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

  // Correctness first, on a sample of the keys the loops use: the custodian's wraps open with
  // eciesjs, as every client opens them.
  for (let i = 0; i < Math.min(checks, recipients); i++) {
    if (!Buffer.from(decrypt(keys[i]!.secret, wrapReleaseKey(publicKeys[i]!, dek))).equals(dek)) throw new Error("wrapReleaseKey output does not open with eciesjs");
  }

  say(`crypto: ECIES wrap (wrapReleaseKey vs eciesjs encrypt), recipients rotating over ${recipients} keys`);
  let i = 0;
  let j = 0;
  const wrap = interleaved(
    reps,
    () => opsPerSecond(() => wrapReleaseKey(publicKeys[i++ % recipients]!, dek), msPerRep),
    () => opsPerSecond(() => encrypt(publicKeys[j++ % recipients]!, dek), msPerRep),
  );

  say("crypto: ECIES unwrap (the SDK's unwrapKey, i.e. eciesjs decrypt)");
  const wrapped = wrapReleaseKey(publicKeys[0]!, dek);
  if (!Buffer.from(unwrapKey(keys[0]!.secret, wrapped)).equals(dek)) throw new Error("unwrapKey does not open wrapReleaseKey's output");
  const unwrap = interleaved(
    reps,
    () => opsPerSecond(() => unwrapKey(keys[0]!.secret, wrapped), msPerRep),
    () => opsPerSecond(() => decrypt(keys[0]!.secret, wrapped), msPerRep),
  );

  say("crypto: EIP-712 signed-fetch check (custodian vs ethers verifyTypedData)");
  const wallet = Wallet.createRandom();
  const domain = custodianDomain(31337n, "0x5FbDB2315678afecb367f032d93F642f64180aa3");
  const message = { requestId: 12345n, issuedAt: Math.floor(Date.now() / 1000) };
  const signature = await wallet.signTypedData(domain, ENVELOPE_REQUEST_TYPES, message);
  const digestOf = createRequestDigest(domain, ENVELOPE_REQUEST_TYPES);
  // As serve.ts does per request: hex header → bytes, digest, recovery.
  const custodianCheck = () => recoverSigner(digestOf(message), Buffer.from(signature.slice(2), "hex"));
  if (custodianCheck() !== wallet.address.toLowerCase()) throw new Error("the custodian's signer check disagrees with the wallet");
  if (verifyTypedData(domain, ENVELOPE_REQUEST_TYPES, message, signature) !== wallet.address) throw new Error("verifyTypedData disagrees");
  if (Signature.from(signature).serialized !== signature) throw new Error("the signature is not in canonical form");
  const verify = interleaved(
    reps,
    () => opsPerSecond(custodianCheck, msPerRep),
    () => opsPerSecond(() => verifyTypedData(domain, ENVELOPE_REQUEST_TYPES, message, signature), msPerRep),
  );

  return [
    entry({
      name: "ecies.wrap.ops",
      unit: "ops/s",
      samples: wrap.a,
      baseline: { name: "eciesjs 0.5 encrypt", samples: wrap.b },
      target: { on: "ratio", min: 5, text: "≥ 5× eciesjs" },
      note: `service/release/ecies.ts wrapReleaseKey (libsecp256k1), 32-byte key, recipients rotating over ${recipients} keys`,
    }),
    entry({
      name: "ecies.unwrap.ops",
      unit: "ops/s",
      samples: unwrap.a,
      baseline: { name: "eciesjs 0.5 decrypt (direct)", samples: unwrap.b },
      note: "sdk/crypto/ecies.ts unwrapKey, which is eciesjs decrypt: no faster unwrap ships, the ratio is ≈ 1 by construction",
    }),
    entry({
      name: "eip712.verify.ops",
      unit: "ops/s",
      samples: verify.a,
      baseline: { name: "ethers verifyTypedData", samples: verify.b },
      note: "the custodian's signed-fetch check (service/http/serve.ts): createRequestDigest + recoverSigner (libsecp256k1) of an EnvelopeRequest",
    }),
  ];
}
