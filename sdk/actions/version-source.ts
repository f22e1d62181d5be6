/**
 * Turns what a provider hands over for a new dataset version — a plaintext file to encrypt, or a
 * ciphertext encrypted earlier with its key — into the on-chain `VersionParams`, with the
 * ciphertext stored in the blob store. Shared by registerDataset and publishVersion; not an
 * action itself.
 */
import type { BlobStore } from "../blob/types.js";
import { formatIdOf } from "../convert/records.js";
import { sniffFormat } from "../convert/records-file.js";
import { SealshareError } from "../errors.js";
import { generateDataKey, keyCommitment, verifyKeyCommitment, type Hex } from "../stream/index.js";
import { ciphertextFacts, encryptToStore, type ProgressFn } from "./files.js";

/**
 * A plaintext file (encrypted here with a fresh key, straight into the blob store), or a
 * ciphertext with the key it was made with.
 */
export type DatasetSource =
  | { plaintext: string }
  | { ciphertext: string; dek: Uint8Array; format?: string; keyCommitment?: string };

export interface PreparedVersion {
  version: {
    ciphertextSha256: Hex;
    merkleRoot: Hex;
    keyCommitment: Hex;
    size: number;
    formatId: string;
    storageURI: string;
  };
  dek: Uint8Array;
  format: string;
  plaintextSize?: number;
}

/** What a registered or published version's result tells its provider (both actions return it). */
export interface VersionFacts {
  uri: string;
  ciphertextSha256: Hex;
  merkleRoot: Hex;
  keyCommitment: Hex;
  size: number;
  plaintextSize?: number;
  format: string;
  /** The version's data key, to deposit with the custodian (`depositKey`). Secret. */
  dek: Uint8Array;
}

export function versionFacts(prepared: PreparedVersion): VersionFacts {
  const v = prepared.version;
  return {
    uri: v.storageURI,
    ciphertextSha256: v.ciphertextSha256,
    merkleRoot: v.merkleRoot,
    keyCommitment: v.keyCommitment,
    size: v.size,
    plaintextSize: prepared.plaintextSize,
    format: prepared.format,
    dek: prepared.dek,
  };
}

export async function prepareVersion(source: DatasetSource, store: BlobStore, format: string | undefined, onProgress?: ProgressFn): Promise<PreparedVersion> {
  if ("plaintext" in source) {
    const dek = generateDataKey();
    const [summary, sniffed] = await Promise.all([encryptToStore(source.plaintext, store, dek, onProgress), sniffFormat(source.plaintext)]);
    const fmt = format ?? sniffed;
    return {
      version: {
        ciphertextSha256: summary.ciphertextSha256,
        merkleRoot: summary.merkleRoot,
        keyCommitment: keyCommitment(dek, summary.ciphertextSha256),
        size: summary.size,
        formatId: formatIdOf(fmt),
        storageURI: summary.uri,
      },
      dek,
      format: fmt,
      plaintextSize: summary.plaintextSize,
    };
  }
  const facts = await ciphertextFacts(source.ciphertext);
  const commitment = keyCommitment(source.dek, facts.ciphertextSha256);
  if (source.keyCommitment && !verifyKeyCommitment(source.dek, facts.ciphertextSha256, source.keyCommitment)) {
    throw new SealshareError("KEY_COMMITMENT_MISMATCH", "the data key does not belong to this ciphertext file", {
      hint: "use the key file written when this ciphertext was encrypted",
    });
  }
  const stored = await store.put(source.ciphertext);
  const fmt = format ?? source.format ?? "raw";
  return {
    version: {
      ciphertextSha256: facts.ciphertextSha256,
      merkleRoot: facts.merkleRoot,
      keyCommitment: commitment,
      size: facts.size,
      formatId: formatIdOf(fmt),
      storageURI: stored.uri,
    },
    dek: source.dek,
    format: fmt,
  };
}
