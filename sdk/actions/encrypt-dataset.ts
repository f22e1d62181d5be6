/**
 * Encrypts a record file client-side with a fresh random data key (DEK) in the Sealshare stream
 * format, and optionally stores the ciphertext in a blob store. Nothing touches the chain: this
 * is the provider's first step, and what {@link registerDataset} and {@link publishVersion} do
 * when handed a plaintext file.
 *
 * The result carries the DEK: keep it secret, deposit it with the custodian (`depositKey`), never
 * log it.
 *
 * @example
 * ```ts
 * const sealed = await encryptDataset({ input: "ana.ndjson", output: "ana.sealed" });
 * // sealed.merkleRoot, sealed.size, sealed.dek …
 * ```
 */
import { rm } from "node:fs/promises";
import type { BlobStore } from "../blob/types.js";
import { sniffFormat } from "../convert/records-file.js";
import { generateDataKey, type Hex } from "../stream/index.js";
import { encryptFileWithProgress, type ProgressFn } from "./files.js";

export interface EncryptDatasetParams {
  /** The plaintext file (NDJSON, JSON or CSV records, or any bytes). */
  input: string;
  /** Where the ciphertext is written. */
  output: string;
  /** Use this data key instead of a fresh one (for tests and re-encryption with a known key). */
  dek?: Uint8Array;
  /** Also store the ciphertext here; its blob URI is returned. */
  blobStore?: BlobStore;
  /** Remove `output` after storing it in `blobStore`. */
  removeAfterStore?: boolean;
  onProgress?: ProgressFn;
}

export interface EncryptDatasetResult {
  /** The 32-byte data key. Secret. */
  dek: Uint8Array;
  // No key commitment: a commitment (v2) names the dataset id and version it is registered as,
  // which only registerDataset / publishVersion know.
  ciphertextPath: string;
  merkleRoot: Hex;
  size: number;
  plaintextSize: number;
  chunkCount: number;
  /** Record format of the plaintext, sniffed from its first byte (ndjson, json or csv). */
  format: string;
  /** blob://sha256/… when stored. */
  uri?: string;
}

/** Errors: file system errors for `input`/`output`. */
export async function encryptDataset(p: EncryptDatasetParams): Promise<EncryptDatasetResult> {
  const dek = p.dek ?? generateDataKey();
  const format = await sniffFormat(p.input);
  const summary = await encryptFileWithProgress(p.input, p.output, dek, p.onProgress);
  let uri: string | undefined;
  if (p.blobStore) {
    uri = (await p.blobStore.put(p.output)).uri;
    if (p.removeAfterStore) await rm(p.output, { force: true });
  }
  return {
    dek,
    ciphertextPath: p.output,
    merkleRoot: summary.merkleRoot,
    size: summary.size,
    plaintextSize: summary.plaintextSize,
    chunkCount: summary.chunkCount,
    format,
    uri,
  };
}
