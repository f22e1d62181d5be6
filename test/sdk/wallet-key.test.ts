/**
 * Wallet-derived encryption keys (sdk/crypto/wallet-key.ts): stable for a deterministic wallet,
 * separated by device, chain, app and wallet, usable with eciesjs, agreeing with an independent
 * derivation written from the spec, and refusing signers whose signatures are randomized.
 */
import { expect } from "chai";
import { hkdfSync } from "node:crypto";
import { network } from "hardhat";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { decrypt as eciesDecrypt, encrypt as eciesEncrypt, PublicKey } from "eciesjs";
import { getBytes, hexlify, id, Signature, toBeArray, TypedDataEncoder, verifyTypedData, Wallet, zeroPadValue, type TypedDataDomain, type TypedDataField } from "ethers";
import {
  deriveEncryptionKey,
  encryptionKeyDerivationRequest,
  encryptionKeyFromSignature,
  type TypedDataSigner,
} from "../../sdk/crypto/wallet-key.js";
import { unwrapKey, wrapKey } from "../../sdk/crypto/ecies.js";
import { ENCRYPTION_KEY_DERIVATION_PURPOSE } from "../../sdk/eip712.js";
import { SealshareError } from "../../sdk/errors.js";

// Hardhat's well-known account #0: a key anyone can reproduce, for the known-answer test.
const HARDHAT_KEY_0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const LAPTOP = id("ana/laptop-1");
const PHONE = id("ana/phone-1");
const N = secp256k1.Point.Fn.ORDER;

const hex = (bytes: Uint8Array) => hexlify(bytes);

/** Re-derives the key from the spec with node:crypto and plain bigints, sharing no SDK code. */
function referenceDerive(signature: string, chainId: bigint, deviceId: string): string {
  const { r, s } = Signature.from(signature); // ethers normalizes to low s
  const ikm = Buffer.concat([Buffer.from(getBytes(r)), Buffer.from(getBytes(s))]);
  const info = Buffer.concat([Buffer.from(getBytes(zeroPadValue(toBeArray(chainId), 32))), Buffer.from(getBytes(deviceId))]);
  const okm = Buffer.from(hkdfSync("sha256", ikm, "sealshare/wallet-key/v1", info, 48));
  const scalar = (BigInt(`0x${okm.toString("hex")}`) % (N - 1n)) + 1n; // FIPS 186-5 A.2.1
  return `0x${scalar.toString(16).padStart(64, "0")}`;
}

/** A valid signer whose ECDSA signatures are randomized (like many MPC and smart-account signers). */
function randomizedSigner(wallet: Wallet): TypedDataSigner {
  return {
    async signTypedData(domain, types, value) {
      const digest = getBytes(TypedDataEncoder.hash(domain, types, value));
      const raw = secp256k1.sign(digest, getBytes(wallet.privateKey), { prehash: false, extraEntropy: true, format: "recovered" });
      const sig = secp256k1.Signature.fromBytes(raw, "recovered");
      return Signature.from({ r: zeroPadValue(toBeArray(sig.r), 32), s: zeroPadValue(toBeArray(sig.s), 32), v: 27 + sig.recovery! }).serialized;
    },
  };
}

/** Wraps a signer and rewrites its signature, e.g. to another encoding of the same signature. */
function rewriting(wallet: Wallet, rewrite: (sig: Signature) => string): TypedDataSigner {
  return { signTypedData: async (domain, types, value) => rewrite(Signature.from(await wallet.signTypedData(domain, types, value))) };
}

async function code(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).to.be.instanceOf(SealshareError);
  return (error as SealshareError).code;
}

describe("wallet-derived encryption keys", () => {
  const ana = new Wallet(HARDHAT_KEY_0);
  const chainId = 31337n;

  it("derives the same key pair from the same wallet, chain and device, every time", async () => {
    const a = await deriveEncryptionKey(ana, { chainId, deviceId: LAPTOP });
    const b = await deriveEncryptionKey(ana, { chainId, deviceId: LAPTOP });
    expect(hex(a.privateKey)).to.equal(hex(b.privateKey));
    expect(hex(a.publicKey)).to.equal(hex(b.publicKey));
    expect(a.publicKey).to.have.length(33);
    expect(secp256k1.utils.isValidSecretKey(a.privateKey)).to.equal(true);
  });

  it("derives different keys for another device, chain, app or wallet", async () => {
    const base = hex((await deriveEncryptionKey(ana, { chainId, deviceId: LAPTOP })).publicKey);
    const others = [
      await deriveEncryptionKey(ana, { chainId, deviceId: PHONE }),
      await deriveEncryptionKey(ana, { chainId: 1n, deviceId: LAPTOP }),
      await deriveEncryptionKey(ana, { chainId, deviceId: LAPTOP, app: "Other app" }),
      await deriveEncryptionKey(Wallet.createRandom(), { chainId, deviceId: LAPTOP }),
    ].map((k) => hex(k.publicKey));
    expect(new Set([base, ...others]).size).to.equal(5);
  });

  it("gives a key that wraps and unwraps data keys with eciesjs", async () => {
    const keys = await deriveEncryptionKey(ana, { chainId, deviceId: LAPTOP });
    const dek = crypto.getRandomValues(new Uint8Array(32));
    expect(hex(eciesDecrypt(keys.privateKey, eciesEncrypt(keys.publicKey, dek)))).to.equal(hex(dek));
    expect(hex(unwrapKey(keys.privateKey, wrapKey(keys.publicKey, dek)))).to.equal(hex(dek));
    expect(new PublicKey(keys.publicKey).toBytes(true)).to.deep.equal(keys.publicKey);
    const other = await deriveEncryptionKey(ana, { chainId, deviceId: PHONE });
    expect(() => unwrapKey(other.privateKey, wrapKey(keys.publicKey, dek))).to.throw(SealshareError);
  });

  it("asks the wallet to sign the documented message, which recovers to the wallet and names no contract", async () => {
    const { domain, types, message } = encryptionKeyDerivationRequest({ chainId, deviceId: LAPTOP });
    expect(domain).to.deep.equal({ name: "Sealshare Key Derivation", version: "1", chainId });
    expect(message).to.deep.equal({ app: "Sealshare", deviceId: LAPTOP, purpose: ENCRYPTION_KEY_DERIVATION_PURPOSE });
    expect(ENCRYPTION_KEY_DERIVATION_PURPOSE).to.equal("Derive my Sealshare encryption key. Signing this does not authorize any transaction.");
    let seen: { domain: TypedDataDomain; types: Record<string, TypedDataField[]>; value: Record<string, unknown> } | undefined;
    const spy: TypedDataSigner = {
      signTypedData: async (d, t, v) => {
        seen = { domain: d, types: t, value: v };
        return ana.signTypedData(d, t, v);
      },
    };
    await deriveEncryptionKey(spy, { chainId, deviceId: LAPTOP });
    expect(seen).to.deep.equal({ domain, types, value: message });
    expect(verifyTypedData(domain, types, message, await ana.signTypedData(domain, types, message))).to.equal(ana.address);
  });

  it("agrees with an independent derivation written from the spec, and with a pinned vector", async () => {
    const { domain, types, message } = encryptionKeyDerivationRequest({ chainId, deviceId: LAPTOP });
    const signature = await ana.signTypedData(domain, types, message);
    const keys = await deriveEncryptionKey(ana, { chainId, deviceId: LAPTOP });
    expect(hex(keys.privateKey)).to.equal(referenceDerive(signature, chainId, LAPTOP));
    expect(hex(encryptionKeyFromSignature(signature, chainId, LAPTOP).privateKey)).to.equal(hex(keys.privateKey));
    // Changing the construction changes every published device key: this vector must not move.
    expect(hex(keys.publicKey)).to.equal(PINNED_PUBLIC_KEY);
  });

  it("derives the same key through a JSON-RPC wallet (eth_signTypedData_v4) as from the raw private key", async () => {
    const { ethers } = await network.create();
    const [rpcSigner] = await ethers.getSigners(); // Hardhat's account #0, signing over JSON-RPC
    expect(rpcSigner!.address).to.equal(ana.address);
    const overRpc = await deriveEncryptionKey(rpcSigner!, { chainId, deviceId: LAPTOP });
    expect(hex(overRpc.publicKey)).to.equal(hex((await deriveEncryptionKey(ana, { chainId, deviceId: LAPTOP })).publicKey));
  });

  it("ignores how v is encoded and which of the two equivalent s values the wallet returns", async () => {
    const expected = hex((await deriveEncryptionKey(ana, { chainId, deviceId: LAPTOP })).publicKey);
    const yParity = rewriting(ana, (sig) => hexlify(new Uint8Array([...getBytes(sig.r), ...getBytes(sig.s), sig.yParity])));
    const highS = rewriting(ana, (sig) => {
      const s = N - BigInt(sig.s);
      return hexlify(new Uint8Array([...getBytes(sig.r), ...getBytes(zeroPadValue(toBeArray(s), 32)), sig.v === 27 ? 28 : 27]));
    });
    expect(hex((await deriveEncryptionKey(yParity, { chainId, deviceId: LAPTOP })).publicKey)).to.equal(expected);
    expect(hex((await deriveEncryptionKey(highS, { chainId, deviceId: LAPTOP })).publicKey)).to.equal(expected);
  });

  it("detects a signer with randomized signatures when asked to, and would otherwise get a new key each time", async () => {
    const randomized = randomizedSigner(ana);
    expect(await code(deriveEncryptionKey(randomized, { chainId, deviceId: LAPTOP, assertDeterministic: true }))).to.equal("NON_DETERMINISTIC_SIGNER");
    const a = await deriveEncryptionKey(randomized, { chainId, deviceId: LAPTOP });
    const b = await deriveEncryptionKey(randomized, { chainId, deviceId: LAPTOP });
    expect(hex(a.publicKey)).to.not.equal(hex(b.publicKey)); // why the check exists
    // A deterministic wallet passes the same check.
    await deriveEncryptionKey(ana, { chainId, deviceId: LAPTOP, assertDeterministic: true });
  });

  it("checks the derived key against the published one when given it", async () => {
    const published = (await deriveEncryptionKey(ana, { chainId, deviceId: LAPTOP })).publicKey;
    await deriveEncryptionKey(ana, { chainId, deviceId: LAPTOP, expectedPublicKey: published });
    expect(await code(deriveEncryptionKey(ana, { chainId, deviceId: PHONE, expectedPublicKey: published }))).to.equal("DERIVED_KEY_MISMATCH");
  });

  it("uses a non-ECDSA (smart-account) signature whole, still yielding a valid key", () => {
    const long = hexlify(new Uint8Array(130).map((_, i) => i));
    const keys = encryptionKeyFromSignature(long, chainId, LAPTOP);
    expect(secp256k1.utils.isValidSecretKey(keys.privateKey)).to.equal(true);
    expect(hex(keys.privateKey)).to.equal(hex(encryptionKeyFromSignature(long, chainId, LAPTOP).privateKey));
  });

  it("refuses a device id that is not bytes32", async () => {
    expect(await code(deriveEncryptionKey(ana, { chainId, deviceId: "laptop" }))).to.equal("INVALID_DEVICE_ID");
  });
});

// Hardhat account #0, chain 31337, deviceId id("ana/laptop-1"), app "Sealshare".
const PINNED_PUBLIC_KEY = "0x031e0548cc8878d7f8c6af9b59ef7c8270d4a7334d6adba4a572efb1f85657daef";
