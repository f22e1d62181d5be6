/**
 * File-to-file encryption and decryption. The output appears at `outPath` only once it is
 * complete and, for decryption, fully authenticated: it is written to a temporary file next to
 * `outPath` and renamed into place on success, so a failed or interrupted run leaves no partial
 * plaintext (or ciphertext) behind under the real name. `openReadAt` gives positional reads of a
 * local ciphertext for range decryption (range.ts).
 */
import { createWriteStream } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { writeFileAtomically } from "../blob/atomic.js";
import { decryptStream, type DecryptOptions } from "./decrypt.js";
import { newStreamHeader } from "./encrypt-core.js";
import { encryptStream, type EncryptOptions } from "./encrypt.js";
import { openFile, sealFile } from "./file-pass.js";
import { DEFAULT_CHUNK_SIZE } from "./header.js";
import { assertDataKey } from "./keys.js";
import type { ReadAt } from "./range.js";
import type { StreamSummary } from "./summary.js";

/** Plaintext is created readable by the owner only; it is the sensitive side of the pair. */
const PLAINTEXT_FILE_MODE = 0o600;

/**
 * Encrypts the file at `inPath` to `outPath`; resolves with the ciphertext's summary.
 *
 * A regular file is encrypted by the parallel file pass (file-pass.ts: worker threads, positional
 * I/O); anything else (a pipe, a device) is read as a stream. Both give the same bytes for the same
 * header, and the same summary.
 */
export async function encryptFile(inPath: string, outPath: string, key: Uint8Array, opts: EncryptOptions = {}): Promise<StreamSummary> {
  return writeFileAtomically(outPath, async (tempPath) => {
    assertDataKey(key);
    const header = newStreamHeader(opts); // validates the options before any file is touched
    const dek = Uint8Array.from(key); // a caller zeroing their buffer mid-way cannot change it
    return withInput(inPath, header.chunkSize, async (input, stream) => {
      if (stream) {
        const { ciphertext, result } = encryptStream(stream, dek, opts);
        await pipeline(ciphertext, createWriteStream(tempPath, { flags: "wx" }));
        return await result;
      }
      return withOutput(tempPath, undefined, (output) => sealFile(input, output, dek, header, { onProgress: opts.onProgress }));
    });
  });
}

/**
 * Decrypts the file at `inPath` to `outPath`. Rejects with a StreamFormatError or StreamAuthError
 * if any chunk fails, in which case `outPath` is not created (or keeps its previous content).
 * `opts.onProgress` is called after each authenticated chunk.
 */
export async function decryptFile(inPath: string, outPath: string, key: Uint8Array, opts: DecryptOptions = {}): Promise<StreamSummary> {
  return writeFileAtomically(outPath, async (tempPath) => {
    assertDataKey(key);
    const dek = Uint8Array.from(key);
    return withInput(inPath, DEFAULT_CHUNK_SIZE, async (input, stream) => {
      if (stream) {
        const { plaintext, result } = decryptStream(stream, dek, opts);
        await pipeline(plaintext, createWriteStream(tempPath, { flags: "wx", mode: PLAINTEXT_FILE_MODE }));
        return await result;
      }
      return withOutput(tempPath, PLAINTEXT_FILE_MODE, (output) => openFile(input, output, dek, opts));
    });
  });
}

/**
 * Opens `path` and calls `use` with it; for anything but a regular file (whose size is not known
 * up front: a pipe, a character device), also with a Readable over it. Closes it afterwards.
 */
async function withInput<T>(path: string, readSize: number, use: (input: FileHandle, stream: Readable | undefined) => Promise<T>): Promise<T> {
  const input = await open(path, "r");
  try {
    if ((await input.stat()).isFile()) return await use(input, undefined);
    // Reading whole chunks lets the encryptor use each read buffer directly, without re-slicing.
    const stream = input.createReadStream({ highWaterMark: readSize, autoClose: false });
    try {
      return await use(input, stream);
    } finally {
      stream.destroy();
    }
  } finally {
    await input.close();
  }
}

/** Creates `path` (which must not exist) and calls `use` with it; closes it afterwards. */
async function withOutput<T>(path: string, mode: number | undefined, use: (output: FileHandle) => Promise<T>): Promise<T> {
  const output = await open(path, "wx", mode);
  try {
    return await use(output);
  } finally {
    await output.close();
  }
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
