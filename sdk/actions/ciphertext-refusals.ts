/**
 * How the actions that read a registered ciphertext (decryptDataset on files, fetchCiphertext
 * and fetchAndDecryptBlob in browsers) name a refusal: one SealshareError code per failure, the
 * same in the CLI and the dapp. Not an action itself.
 *
 *   BlobIntegrityError             → HASH_MISMATCH       (not the Merkle root / SHA-256 the chain registered)
 *   BlobSizeError                  → BLOB_TOO_LARGE      (longer than the registered size)
 *   BlobOriginError                → BLOB_ORIGIN_NOT_ALLOWED
 *   BlobNotFoundError, ENOENT      → BLOB_NOT_FOUND
 *   StreamAuthError/FormatError    → CIPHERTEXT_DAMAGED  (truncated, tampered, or another key)
 *   summary root ≠ chain's root    → MERKLE_MISMATCH
 */
import { SealshareError } from "../errors.js";

/** What the refusal is about, for its message. */
export interface RefusedCiphertext {
  /** "dataset #1 v2" */
  label: string;
  uri: string;
  size?: number;
}

/** Hints that differ by front end (a CLI flag, a page's words). */
export interface RefusalHints {
  notFound: string;
  origin: string;
}

/** A blob store's error as the named refusal; anything else unchanged. */
export function blobRefusal(err: unknown, facts: RefusedCiphertext, hints: RefusalHints): unknown {
  const e = err as { name?: string; code?: string; message?: string; actual?: string; expected?: string; scheme?: "merkle" | "sha256" };
  if (e?.name === "BlobIntegrityError") {
    const what = e.scheme === "sha256" ? "SHA-256" : "Merkle root";
    return new SealshareError("HASH_MISMATCH", `the ciphertext's ${what} is ${e.actual ?? "(none: not a stream)"}, but the chain registered ${e.expected} for ${facts.label}`, {
      hint: "the stored copy was modified, truncated or swapped: nothing was decrypted; get an intact copy from the provider",
      cause: err,
    });
  }
  if (e?.name === "BlobSizeError") {
    return new SealshareError("BLOB_TOO_LARGE", `the ciphertext ${facts.uri} is longer than the ${facts.size} bytes registered on chain for ${facts.label}`, {
      hint: "the store serves something else than the registered version: nothing was decrypted; get an intact copy from the provider",
      cause: err,
    });
  }
  if (e?.name === "BlobOriginError") return new SealshareError("BLOB_ORIGIN_NOT_ALLOWED", e.message ?? "blob origin not allowed", { hint: hints.origin, cause: err });
  if (e?.name === "BlobNotFoundError" || e?.code === "ENOENT") {
    return new SealshareError("BLOB_NOT_FOUND", `the ciphertext ${facts.uri || "(no URI)"} is not in the blob store`, { hint: hints.notFound, cause: err });
  }
  return err;
}

/** A stream decryption error as CIPHERTEXT_DAMAGED; anything else unchanged. */
export function streamRefusal(err: unknown): unknown {
  const name = (err as Error | undefined)?.name;
  if (name !== "StreamAuthError" && name !== "StreamFormatError") return err;
  const code = (err as { code?: string }).code;
  return new SealshareError("CIPHERTEXT_DAMAGED", `the ciphertext does not decrypt: ${(err as Error).message}`, {
    hint:
      code === "BAD_HEADER" || code === "UNSUPPORTED_VERSION"
        ? "this is not a Sealshare ciphertext (or its header is damaged)"
        : "the file was truncated or modified, or the key is not this file's key; nothing was written",
    details: { streamError: code },
    cause: err,
  });
}

/** MERKLE_MISMATCH unless the decrypted stream's chunk Merkle root is the chain's. */
export function checkMerkleRoot(decrypted: string, registered: string): void {
  if (decrypted.toLowerCase() !== registered.toLowerCase()) {
    throw new SealshareError("MERKLE_MISMATCH", "the ciphertext's chunk Merkle root differs from the chain's", { hint: "do not use this data; report it to the provider; nothing was written" });
  }
}
