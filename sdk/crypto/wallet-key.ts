/**
 * Wallet-derived encryption keys: a device's secp256k1 key pair for ECIES (ecies.ts), derived from
 * a wallet's signature over a fixed EIP-712 message, so a MetaMask user has an encryption key
 * without storing any extra secret (DESIGN.md §2, step 1).
 *
 *   signature  = wallet.signTypedData(domain  {name: "Sealshare Key Derivation", version: "1", chainId},
 *                                     message {app, deviceId, purpose: ENCRYPTION_KEY_DERIVATION_PURPOSE})
 *   ikm        = r || s of the signature, with s in the lower half (EIP-2) and v dropped — so
 *                wallets that encode v as 0/1 or 27/28, or return the high-s twin, agree;
 *                the whole signature for non-ECDSA (e.g. smart-account) signatures
 *   okm        = HKDF-SHA256(ikm, salt = "sealshare/wallet-key/v1", info = uint256be(chainId) || deviceId, L = 48)
 *   privateKey = okm mod (n − 1) + 1      (@noble/curves mapHashToField: FIPS 186-5 A.2.1, bias ≤ 2^-128)
 *
 * Why it is stable: EOAs sign with RFC 6979 deterministic ECDSA, so the same wallet, chain and
 * device id always produce the same signature, hence the same key. The domain has no
 * verifyingContract, so redeploying the ledger does not change keys; the chain id is bound twice
 * (domain and HKDF info), so a key is never reused across chains.
 *
 * When it is NOT stable: signers with randomized signatures — many smart-contract accounts
 * (ERC-1271 / passkey signers, MPC wallets) and some hardware or remote signers — produce a
 * different signature each time, hence a different key each time. Such a key cannot be re-derived
 * to decrypt later. `assertDeterministic: true` signs twice and refuses (NON_DETERMINISTIC_SIGNER)
 * if the signatures differ: use it when deriving a key you are about to publish on chain, and fall
 * back to a generated key (generateEncryptionKeyPair) kept in the device's own storage. Later
 * derivations can pass `expectedPublicKey` (the published key) instead, which costs one signature.
 *
 * Security: the signature is as secret as the private key it yields. The signed message
 * authorizes nothing on chain (no contract verifies it) and says so in `purpose`; still, only sign
 * it on a page you trust — a phishing page that obtains it can derive your decryption key.
 *
 * @example
 * const keys = await deriveEncryptionKey(signer, { chainId: 1n, deviceId: id("ana/laptop-1"), assertDeterministic: true });
 * await ledger.connect(signer).setEncryptionKey(deviceId, keys.publicKey); // publish the public half
 */
import { mapHashToField } from "@noble/curves/abstract/modular.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { equalBytes, numberToBytesBE } from "@noble/curves/utils.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { concatBytes, utf8ToBytes } from "@noble/hashes/utils.js";
import { getBytes, isHexString, type TypedDataDomain, type TypedDataField } from "ethers";
import {
  ENCRYPTION_KEY_DERIVATION_PURPOSE,
  ENCRYPTION_KEY_DERIVATION_TYPES,
  encryptionKeyDerivationDomain,
  type EncryptionKeyDerivationMessage,
} from "../eip712.js";
import { SealshareError } from "../errors.js";
import { keyPairFromPrivateKey, type EncryptionKeyPair } from "./ecies.js";

/** HKDF salt: names the construction and its version; a new version gets a new salt. */
export const WALLET_KEY_SALT = "sealshare/wallet-key/v1";

/** Anything that signs EIP-712 typed data the way ethers' Signer does (a wallet, a JSON-RPC signer). */
export interface TypedDataSigner {
  signTypedData(domain: TypedDataDomain, types: Record<string, TypedDataField[]>, value: Record<string, unknown>): Promise<string>;
}

export interface DeriveEncryptionKeyOptions {
  /** The chain the key is for (the ledger's chain). */
  readonly chainId: bigint | number;
  /** The device id the key is published under: bytes32 (e.g. `id("ana/laptop-1")`). */
  readonly deviceId: string;
  /** Shown in the signed message. Default "Sealshare". Part of the signature, hence of the key. */
  readonly app?: string;
  /** Sign twice and refuse a signer whose signatures differ. Two wallet prompts. Default false. */
  readonly assertDeterministic?: boolean;
  /** The key published before: refuse if the derived public key differs. */
  readonly expectedPublicKey?: Uint8Array;
}

/** The typed data the wallet is asked to sign, for display or for signing elsewhere. */
export function encryptionKeyDerivationRequest(opts: Pick<DeriveEncryptionKeyOptions, "chainId" | "deviceId" | "app">): {
  domain: TypedDataDomain;
  types: Record<string, TypedDataField[]>;
  message: EncryptionKeyDerivationMessage;
} {
  if (!isHexString(opts.deviceId, 32)) throw new SealshareError("INVALID_DEVICE_ID", "deviceId must be 0x-prefixed 32-byte hex", { hint: 'derive one with ethers id("<owner>/<device name>")' });
  return {
    domain: encryptionKeyDerivationDomain(BigInt(opts.chainId)),
    types: ENCRYPTION_KEY_DERIVATION_TYPES,
    message: { app: opts.app ?? "Sealshare", deviceId: opts.deviceId.toLowerCase(), purpose: ENCRYPTION_KEY_DERIVATION_PURPOSE },
  };
}

/** Derives the device encryption key pair of `signer` for a chain and device id (module comment). */
export async function deriveEncryptionKey(signer: TypedDataSigner, opts: DeriveEncryptionKeyOptions): Promise<EncryptionKeyPair> {
  const { domain, types, message } = encryptionKeyDerivationRequest(opts);
  const signature = getBytes(await signer.signTypedData(domain, types, { ...message }));
  if (opts.assertDeterministic === true) {
    const again = getBytes(await signer.signTypedData(domain, types, { ...message }));
    if (!equalBytes(signatureIkm(signature), signatureIkm(again))) {
      throw new SealshareError("NON_DETERMINISTIC_SIGNER", "this wallet signs the same message differently each time, so it cannot derive a stable encryption key", {
        hint: "use a generated device key (generateEncryptionKeyPair) kept in this device's storage instead",
      });
    }
  }
  const keys = encryptionKeyFromSignature(signature, opts.chainId, opts.deviceId);
  if (opts.expectedPublicKey !== undefined && !equalBytes(keys.publicKey, opts.expectedPublicKey)) {
    throw new SealshareError("DERIVED_KEY_MISMATCH", "the key derived from this wallet is not the published device key", {
      hint: "check the wallet account, chain and device id; a wallet with randomized signatures cannot re-derive its key",
    });
  }
  return keys;
}

/**
 * The key pair for a signature already obtained (e.g. by a dapp through EIP-1193
 * `eth_signTypedData_v4` over {@link encryptionKeyDerivationRequest}).
 */
export function encryptionKeyFromSignature(signature: Uint8Array | string, chainId: bigint | number, deviceId: string): EncryptionKeyPair {
  if (!isHexString(deviceId, 32)) throw new SealshareError("INVALID_DEVICE_ID", "deviceId must be 0x-prefixed 32-byte hex");
  const info = concatBytes(uint256be(BigInt(chainId)), getBytes(deviceId));
  const okm = hkdf(sha256, signatureIkm(getBytes(signature)), utf8ToBytes(WALLET_KEY_SALT), info, secp256k1.lengths.seed!);
  return keyPairFromPrivateKey(mapHashToField(okm, secp256k1.Point.Fn.ORDER));
}

/**
 * r || low-s for a 65-byte ECDSA signature (v dropped: it is implied by r, s and the key);
 * any other signature (ERC-1271 smart accounts, ERC-6492 wrappers) is used whole.
 */
function signatureIkm(signature: Uint8Array): Uint8Array {
  if (signature.length !== 65) return signature;
  let sig = secp256k1.Signature.fromBytes(signature.subarray(0, 64), "compact");
  if (sig.hasHighS()) sig = new secp256k1.Signature(sig.r, secp256k1.Point.Fn.neg(sig.s));
  return sig.toBytes("compact");
}

function uint256be(value: bigint): Uint8Array {
  if (value < 0n || value >= 1n << 256n) throw new SealshareError("INVALID_CHAIN_ID", `chain id ${value} is not a uint256`);
  return numberToBytesBE(value, 32);
}
