/**
 * The encryption pass of the Sealshare stream format (docs/FORMAT.md §2–§6; it writes version 2), shared by the Node
 * (encrypt.ts, node:stream Readable) and browser (web/, WHATWG ReadableStream) front ends. It is
 * a generator over ciphertext pieces that returns the {@link StreamSummary}, so each front end
 * only adapts it to its stream type. Platform-neutral: WebCrypto and plain Uint8Arrays only.
 *
 * Constant memory: ByteReader pulls one chunk of input at a time and OrderedWindow keeps at most
 * PIPELINE_DEPTH chunks in flight, whatever the size of the input.
 */
import { ByteReader, type ByteSource } from "./byte-reader.js";
import { createChunkCipher, MAX_CHUNK_INDEX, type ChunkCipher } from "./chunk.js";
import { DEFAULT_CHUNK_SIZE, encodeHeader, FILE_ID_LENGTH, NONCE_PREFIX_LENGTH, type StreamHeader } from "./header.js";
import { OrderedWindow } from "./ordered-window.js";
import { digestSegment, StreamTally, type IncrementalHash, type ProgressCallback, type StreamSummary } from "./summary.js";
import { randomBytes } from "./webcrypto.js";

export interface EncryptOptions {
  /** Plaintext bytes per chunk, 16 B to 16 MiB. Default 1 MiB. */
  readonly chunkSize?: number;
  /**
   * Fixed header randomness, for test vectors only. Leave unset: encrypting two different
   * plaintexts with the same key, fileId and noncePrefix reuses AES-GCM nonces, which leaks
   * their XOR and lets anyone forge chunks.
   */
  readonly fileId?: Uint8Array;
  /** See {@link EncryptOptions.fileId}. */
  readonly noncePrefix?: Uint8Array;
  /** Called after each chunk with the bytes done so far, e.g. for a progress bar. */
  readonly onProgress?: ProgressCallback;
}

/** The header of a new stream: fresh CSPRNG file id and nonce prefix unless fixed for vectors. */
export function newStreamHeader(opts: EncryptOptions = {}): StreamHeader {
  return encodeHeader({
    chunkSize: opts.chunkSize ?? DEFAULT_CHUNK_SIZE,
    fileId: opts.fileId ?? randomBytes(FILE_ID_LENGTH),
    noncePrefix: opts.noncePrefix ?? randomBytes(NONCE_PREFIX_LENGTH),
  });
}

interface SealedChunk {
  readonly segment: Uint8Array;
  readonly digest: Uint8Array;
  readonly plaintextLength: number;
}

/**
 * Yields the header, then one segment per chunk; returns the summary. `newSha256` makes an
 * incremental SHA-256 for the whole-ciphertext hash of a version-1 header (summary.ts explains
 * why it is injected; a version-2 stream has none).
 * The source is released (its iterator returned) when the generator ends, fails or is closed.
 */
export async function* encryptChunks(
  source: ByteSource,
  dek: Uint8Array,
  header: StreamHeader,
  newSha256: () => IncrementalHash,
  onProgress?: ProgressCallback,
): AsyncGenerator<Uint8Array, StreamSummary, undefined> {
  const reader = new ByteReader(source);
  try {
    const { chunkSize } = header;
    const cipher = await createChunkCipher(dek, header);
    const tally = new StreamTally(header, newSha256, onProgress);
    yield Uint8Array.from(header.bytes); // a copy: header.bytes is the AAD of chunks still to come

    const window = new OrderedWindow<SealedChunk>();
    for (let index = 0, last = false; !last; index++) {
      const block = await reader.read(chunkSize);
      // The final flag needs to know whether more input follows, hence the one-piece lookahead.
      // A plaintext that is a whole number of chunks ends with a full final chunk, never with an
      // extra empty one; only the empty plaintext has an empty (final) chunk.
      last = block.byteLength < chunkSize || (await reader.atEnd());
      if (!last && index === MAX_CHUNK_INDEX) {
        throw new RangeError(`plaintext needs more than 2^32 chunks of ${chunkSize} bytes; use a larger chunkSize`);
      }
      window.push(sealChunk(cipher, header.bytes, index, last, block));
      if (window.full) {
        const sealed = await window.take();
        tally.addSegment(sealed.segment, sealed.digest, sealed.plaintextLength);
        yield sealed.segment;
      }
    }
    while (window.size > 0) {
      const sealed = await window.take();
      tally.addSegment(sealed.segment, sealed.digest, sealed.plaintextLength);
      yield sealed.segment;
    }
    return tally.summary();
  } finally {
    await reader.close();
  }
}

async function sealChunk(cipher: ChunkCipher, headerBytes: Uint8Array, index: number, last: boolean, plaintext: Uint8Array): Promise<SealedChunk> {
  const segment = await cipher.seal(index, last, plaintext);
  return { segment, digest: await digestSegment(headerBytes, index, segment), plaintextLength: plaintext.byteLength };
}
