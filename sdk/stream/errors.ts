/**
 * Errors raised while reading a Sealshare stream.
 *
 * Callers react to two families differently, so they are two classes:
 * - {@link StreamFormatError}: the bytes are not a stream this code can read (wrong magic, a
 *   version from the future, an out-of-range chunk size). Nothing was authenticated; the input is
 *   probably not a Sealshare stream at all.
 * - {@link StreamAuthError}: the bytes parse, but authentication proves they are not what the key
 *   holder wrote — tampered, cut short, extended, or opened with the wrong key.
 *
 * Messages never contain key material or plaintext; they name the chunk and the failure only.
 */

/** Every failure mode, one code each. docs/FORMAT.md §7 maps attacks to codes. */
export type StreamErrorCode =
  | "BAD_HEADER" // header too short, wrong magic, or chunk size out of range
  | "UNSUPPORTED_VERSION" // magic is right but the version byte is not one we implement
  | "AUTH_FAILED" // a chunk failed AES-GCM authentication (tamper, reorder, swap, wrong key, cut mid-chunk)
  | "TRUNCATED" // provably cut short: no chunk at all, or the last chunk authenticates as non-final
  | "TRAILING_DATA" // bytes follow a chunk that authenticates as final
  | "MERKLE_MISMATCH" // range read: a segment is not the registered Merkle root's leaf at its index
  | "ABORTED"; // the consumer stopped reading before the end, so no summary exists

/** Base class: catch this to handle any stream failure. */
export class StreamError extends Error {
  override name = "StreamError";
  /** Machine-readable failure mode. */
  readonly code: StreamErrorCode;
  /** Zero-based chunk index the failure was detected at, when it concerns one chunk. */
  readonly chunkIndex: number | undefined;

  constructor(code: StreamErrorCode, message: string, options: { chunkIndex?: number; cause?: unknown } = {}) {
    super(`${code}: ${message}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.chunkIndex = options.chunkIndex;
  }
}

/** The input is not a readable Sealshare stream (nothing was authenticated). */
export class StreamFormatError extends StreamError {
  override name = "StreamFormatError";
}

/** The input parses but fails authentication: it is not what the key holder wrote. */
export class StreamAuthError extends StreamError {
  override name = "StreamAuthError";
}
