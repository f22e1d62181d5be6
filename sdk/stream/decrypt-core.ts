/**
 * The decryption pass of the Sealshare stream format, versions 1 and 2 (docs/FORMAT.md §7), shared by the Node
 * (decrypt.ts) and browser (web/) front ends: a generator over authenticated plaintext pieces
 * that returns the {@link StreamSummary}. Platform-neutral: WebCrypto and plain Uint8Arrays only.
 *
 * Every chunk is verified before its plaintext is yielded; a failure throws a StreamFormatError
 * or StreamAuthError at the first bad chunk, and nothing of that chunk or any later one escapes.
 */
import { ByteReader, type ByteSource } from "./byte-reader.js";
import { createChunkCipher, type ChunkCipher } from "./chunk.js";
import { StreamAuthError } from "./errors.js";
import { decodeHeader, HEADER_LENGTH, TAG_LENGTH } from "./header.js";
import { segmentLength } from "./layout.js";
import { OrderedWindow } from "./ordered-window.js";
import { digestSegment, StreamTally, type IncrementalHash, type ProgressCallback, type StreamSummary } from "./summary.js";

export interface DecryptOptions {
  /** Called after each authenticated chunk with the bytes done so far. */
  readonly onProgress?: ProgressCallback;
}

interface OpenedChunk {
  readonly segment: Uint8Array;
  readonly digest: Uint8Array;
  readonly plaintext: Uint8Array;
}

/**
 * Yields each chunk's plaintext once it authenticates; returns the summary (which equals the
 * encryptor's). `newSha256` makes an incremental SHA-256 for the whole-ciphertext hash, used
 * only if the stream is version 1.
 */
export async function* decryptChunks(
  source: ByteSource,
  dek: Uint8Array,
  newSha256: () => IncrementalHash,
  onProgress?: ProgressCallback,
): AsyncGenerator<Uint8Array, StreamSummary, undefined> {
  const reader = new ByteReader(source);
  try {
    const header = decodeHeader(await reader.read(HEADER_LENGTH));
    const cipher = await createChunkCipher(dek, header);
    const fullSegment = segmentLength(header.chunkSize);
    const tally = new StreamTally(header, newSha256, onProgress);

    const window = new OrderedWindow<OpenedChunk>();
    for (let index = 0, last = false; !last; index++) {
      const segment = await reader.read(fullSegment);
      // Empty only at index 0: for later indices the previous atEnd() saw more bytes.
      if (segment.byteLength === 0) {
        throw noChunkError();
      }
      // The segment is opened as final exactly when nothing follows it. Whether that guess was
      // right is what authentication decides; openChunk explains a wrong guess.
      last = segment.byteLength < fullSegment || (await reader.atEnd());
      window.push(openChunk(cipher, header.bytes, index, last, segment));
      if (window.full) {
        const opened = await window.take();
        tally.addSegment(opened.segment, opened.digest, opened.plaintext.byteLength);
        yield opened.plaintext;
      }
    }
    while (window.size > 0) {
      const opened = await window.take();
      tally.addSegment(opened.segment, opened.digest, opened.plaintext.byteLength);
      yield opened.plaintext;
    }
    return tally.summary();
  } finally {
    await reader.close();
  }
}

async function openChunk(cipher: ChunkCipher, headerBytes: Uint8Array, index: number, last: boolean, segment: Uint8Array): Promise<OpenedChunk> {
  const digest = digestSegment(headerBytes, index, segment);
  digest.catch(() => undefined); // awaited below only on success
  let plaintext: Uint8Array;
  try {
    plaintext = await cipher.open(index, last, segment);
  } catch (cause) {
    throw await explainFailure(cipher, index, last, segment, cause);
  }
  return { segment, digest: await digest, plaintext };
}

/** A header with no segment after it: even the empty plaintext has one chunk (FORMAT.md §4). */
export function noChunkError(): StreamAuthError {
  return new StreamAuthError("TRUNCATED", "the stream ends after its header; even an empty plaintext has one chunk", { chunkIndex: 0 });
}

/**
 * Names the failure. Retrying with the opposite final flag is only a diagnosis — its plaintext is
 * discarded — but it turns "auth failed" into a provable "cut after chunk i" or "bytes after the
 * final chunk" when that is what happened.
 */
async function explainFailure(cipher: ChunkCipher, index: number, last: boolean, segment: Uint8Array, cause: unknown): Promise<StreamAuthError> {
  const opensWithOtherFlag =
    segment.byteLength >= TAG_LENGTH &&
    (await cipher.open(index, !last, segment).then(
      () => true,
      () => false,
    ));
  return namedFailure(index, last, segment.byteLength, opensWithOtherFlag, cause);
}

/**
 * The error for segment `index` (`length` bytes, opened as final if `last`) failing to open,
 * given whether it authenticates with the opposite final flag. Shared with the file pass
 * (file-pass.ts), so both report the same codes and messages.
 */
export function namedFailure(index: number, last: boolean, length: number, opensWithOtherFlag: boolean, cause: unknown): StreamAuthError {
  if (length < TAG_LENGTH) {
    return new StreamAuthError("TRUNCATED", `chunk ${index} has ${length} bytes, fewer than its 16-byte tag`, { chunkIndex: index, cause });
  }
  if (opensWithOtherFlag && last) {
    return new StreamAuthError("TRUNCATED", `chunk ${index} is authentic but not the final chunk: the stream was cut after it`, { chunkIndex: index, cause });
  }
  if (opensWithOtherFlag) {
    return new StreamAuthError("TRAILING_DATA", `chunk ${index} is the authentic final chunk, but more bytes follow it`, { chunkIndex: index, cause });
  }
  return new StreamAuthError(
    "AUTH_FAILED",
    `chunk ${index} failed authentication (modified, moved, from another stream, cut mid-chunk, or wrong key)`,
    { chunkIndex: index, cause },
  );
}
