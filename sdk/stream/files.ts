/**
 * File-to-file encryption and decryption. The output appears at `outPath` only once it is
 * complete and, for decryption, fully authenticated: it is written to a temporary file next to
 * `outPath` and renamed into place on success, so a failed or interrupted run leaves no partial
 * plaintext (or ciphertext) behind under the real name. `openReadAt` gives positional reads of a
 * local ciphertext for range decryption (range.ts).
 */
import { createReadStream, createWriteStream } from "node:fs";
import { open } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import { writeFileAtomically } from "../blob/atomic.js";
import { decryptStream } from "./decrypt.js";
import { encryptStream, type EncryptOptions } from "./encrypt.js";
import { DEFAULT_CHUNK_SIZE } from "./header.js";
import type { ReadAt } from "./range.js";
import type { StreamSummary } from "./summary.js";

/** Plaintext is created readable by the owner only; it is the sensitive side of the pair. */
const PLAINTEXT_FILE_MODE = 0o600;

/** Encrypts the file at `inPath` to `outPath`; resolves with the ciphertext's summary. */
export async function encryptFile(inPath: string, outPath: string, key: Uint8Array, opts: EncryptOptions = {}): Promise<StreamSummary> {
  return writeFileAtomically(outPath, async (tempPath) => {
    // Reading whole chunks lets the encryptor use each read buffer directly, without re-slicing.
    const source = createReadStream(inPath, { highWaterMark: opts.chunkSize ?? DEFAULT_CHUNK_SIZE });
    try {
      const { ciphertext, result } = encryptStream(source, key, opts);
      await pipeline(ciphertext, createWriteStream(tempPath, { flags: "wx" }));
      return await result;
    } finally {
      source.destroy(); // a no-op after a full read; closes the file if we failed before reading it
    }
  });
}

/**
 * Decrypts the file at `inPath` to `outPath`. Rejects with a StreamFormatError or StreamAuthError
 * if any chunk fails, in which case `outPath` is not created (or keeps its previous content).
 */
export async function decryptFile(inPath: string, outPath: string, key: Uint8Array): Promise<StreamSummary> {
  return writeFileAtomically(outPath, async (tempPath) => {
    const source = createReadStream(inPath, { highWaterMark: DEFAULT_CHUNK_SIZE });
    try {
      const { plaintext, result } = decryptStream(source, key);
      await pipeline(plaintext, createWriteStream(tempPath, { flags: "wx", mode: PLAINTEXT_FILE_MODE }));
      return await result;
    } finally {
      source.destroy();
    }
  });
}

/** A {@link ReadAt} over a local file, for decryptRange; `close()` it when done. */
export interface FileReadAt {
  readonly readAt: ReadAt;
  close(): Promise<void>;
}

/** Opens `path` for positional reads (decryptRange on a local ciphertext). */
export async function openReadAt(path: string): Promise<FileReadAt> {
  const handle = await open(path, "r");
  return {
    async readAt(offset, length) {
      const buffer = new Uint8Array(length);
      let filled = 0;
      while (filled < length) {
        const { bytesRead } = await handle.read(buffer, filled, length - filled, offset + filled);
        if (bytesRead === 0) break; // end of file: the caller sees a short read
        filled += bytesRead;
      }
      return buffer.subarray(0, filled);
    },
    close: () => handle.close(),
  };
}
