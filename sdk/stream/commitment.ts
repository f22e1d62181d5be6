/**
 * The data-key commitment registered on chain with each dataset version (docs/FORMAT.md §11).
 *
 *   keyCommitment = keccak256(abi.encode(bytes32 keccak256("sealshare/dek-commitment/v2"),
 *                                        uint256 chainId, address ledger,
 *                                        uint64 datasetId, uint32 version,
 *                                        bytes32 merkleRoot, bytes32 dek))
 *
 * Why it exists: AES-GCM is not key-committing — a malicious encryptor can build one ciphertext
 * that authenticates under two different keys and decrypts to two different plaintexts. Binding
 * the key to the ciphertext's Merkle root on chain means the custodian and the requester can each
 * check that the key being released is the one the owner registered for exactly these bytes.
 *
 * Why it binds chain, ledger, dataset and version (v2): v1 bound the key to the ciphertext hash
 * only, so anyone could register a dataset of their own that copied a victim's public commitment,
 * deposit a custodian-wrapped key they had seen, grant themselves access and receive the victim's
 * key. Under v2 the copy is worthless: the custodian recomputes the commitment with the copier's
 * own (chain, ledger, dataset id, version), which cannot match without knowing the key. The
 * contract checks that the version's declared (datasetId, version) are the ones it assigns, so a
 * provider cannot register a commitment made for another slot either.
 *
 * The contract never evaluates the commitment; the DEK is 32 random bytes, so the hash reveals
 * nothing about it.
 */
import { AbiCoder, getAddress, keccak256, toUtf8Bytes } from "ethers";
import { bytesEqual, fromHex, isBytes32Hex, toHex, type Hex } from "./hex.js";
import { assertDataKey } from "./keys.js";

export const DEK_COMMITMENT_TAG = "sealshare/dek-commitment/v2";
const TAG_HASH = keccak256(toUtf8Bytes(DEK_COMMITMENT_TAG));
const abi = AbiCoder.defaultAbiCoder();

/** The slot a data key is committed to: one version of one dataset on one ledger of one chain. */
export interface KeyBinding {
  chainId: bigint | number;
  /** The Sealshare ledger's address. */
  ledger: string;
  datasetId: bigint | number;
  version: number;
  /** The Merkle root of the version's ciphertext chunks (docs/FORMAT.md §9). */
  merkleRoot: string;
}

/** Computes the commitment of `dek` to one dataset version (see the file header). */
export function keyCommitment(dek: Uint8Array, binding: KeyBinding): Hex {
  assertDataKey(dek);
  if (!isBytes32Hex(binding.merkleRoot)) throw new TypeError("merkleRoot must be 0x-prefixed 32-byte hex");
  const version = Number(binding.version);
  if (!Number.isSafeInteger(version) || version < 1 || version > 0xffff_ffff) throw new RangeError("version must be a uint32 ≥ 1");
  const datasetId = BigInt(binding.datasetId);
  if (datasetId < 1n || datasetId >= 1n << 64n) throw new RangeError("datasetId must be a uint64 ≥ 1");
  return keccak256(
    abi.encode(
      ["bytes32", "uint256", "address", "uint64", "uint32", "bytes32", "bytes32"],
      [TAG_HASH, BigInt(binding.chainId), getAddress(binding.ledger), datasetId, version, binding.merkleRoot, toHex(dek)],
    ),
  ) as Hex;
}

/** True when `commitment` (as read from chain) commits `dek` to the version `binding` names. */
export function verifyKeyCommitment(dek: Uint8Array, binding: KeyBinding, commitment: string): boolean {
  if (!isBytes32Hex(commitment)) return false;
  // The commitment is public, so a plain comparison leaks nothing.
  return bytesEqual(fromHex(keyCommitment(dek, binding), 32), fromHex(commitment, 32));
}
