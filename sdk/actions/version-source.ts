/**
 * Turns what a provider hands over for a new dataset version — a plaintext file to encrypt, or a
 * ciphertext encrypted earlier with its key — into the on-chain `VersionParams`, with the
 * ciphertext stored in the blob store. Shared by registerDataset and publishVersion; not an
 * action itself. Node only (files); the slot and its commitment are in version-slot.ts.
 */
import type { BlobStore } from "../blob/types.js";
import { formatIdOf } from "../convert/records.js";
import { sniffFormat } from "../convert/records-file.js";
import { SealshareError } from "../errors.js";
import { createReadStream } from "node:fs";
import { decryptStream, generateDataKey } from "../stream/index.js";
import { ciphertextFacts, encryptToStore, type ProgressFn } from "./files.js";
import type { PreparedVersion } from "./version-slot.js";

export * from "./version-slot.js";

/**
 * A plaintext file (encrypted here with a fresh key, straight into the blob store), or a
 * ciphertext with the key it was made with (checked: the key must authenticate the file's first
 * chunk). `merkleRoot` (from the key file `dataset encrypt` wrote) also makes sure the key
 * file was written for this very file.
 */
export type DatasetSource =
  | { plaintext: string }
  | { ciphertext: string; dek: Uint8Array; format?: string; merkleRoot?: string };

/** True when `dek` authenticates the ciphertext file's first chunk (or the whole of an empty one). */
async function keyOpens(path: string, dek: Uint8Array): Promise<boolean> {
  const { plaintext, result } = decryptStream(createReadStream(path, { highWaterMark: 1024 * 1024 }), dek);
  result.catch(() => undefined); // settled below, or abandoned once the first chunk authenticated
  try {
    for await (const _chunk of plaintext) return true; // emitted only after its tag verified
    await result;
    return true;
  } catch {
    return false;
  } finally {
    plaintext.destroy();
  }
}

export async function prepareVersion(source: DatasetSource, store: BlobStore, format: string | undefined, onProgress?: ProgressFn): Promise<PreparedVersion> {
  if ("plaintext" in source) {
    const dek = generateDataKey();
    const [summary, sniffed] = await Promise.all([encryptToStore(source.plaintext, store, dek, onProgress), sniffFormat(source.plaintext)]);
    const fmt = format ?? sniffed;
    return {
      version: {
        merkleRoot: summary.merkleRoot,
        size: summary.size,
        formatId: formatIdOf(fmt),
        storageURI: summary.uri,
      },
      dek,
      format: fmt,
      plaintextSize: summary.plaintextSize,
      ...(summary.created ? { createdBlob: summary.uri } : {}),
    };
  }
  const facts = await ciphertextFacts(source.ciphertext);
  if (source.merkleRoot && source.merkleRoot.toLowerCase() !== facts.merkleRoot.toLowerCase()) {
    throw new SealshareError("KEY_FILE_MISMATCH", "the data key file was written for another ciphertext file", {
      hint: "use the key file written when this ciphertext was encrypted",
    });
  }
  if (!(await keyOpens(source.ciphertext, source.dek))) {
    throw new SealshareError("WRONG_DATA_KEY", "the data key does not open this ciphertext file (its first chunk does not authenticate)", {
      hint: "use the key file written when this ciphertext was encrypted",
    });
  }
  const stored = await store.put(source.ciphertext);
  const fmt = format ?? source.format ?? "raw";
  return {
    version: {
      merkleRoot: facts.merkleRoot,
      size: facts.size,
      formatId: formatIdOf(fmt),
      storageURI: stored.uri,
    },
    dek: source.dek,
    format: fmt,
    ...(stored.created ? { createdBlob: stored.uri } : {}),
  };
}
