/**
 * Jobs of the file-to-file passes (file-pass.ts), run on worker threads (file-pool.ts) or inline:
 *
 *  - seal: reads a run of consecutive plaintext chunks from the input file (one positional read)
 *    → their segments (AES-256-GCM) and the SHA-256 of each segment (the Merkle leaves);
 *  - open: reads a run of consecutive segments → their leaves and plaintext, stopping at the
 *    first segment that does not authenticate;
 *  - write: bytes → the output file, at a given offset.
 *
 * Every chunk's index, final flag and offsets follow from the file size (docs/FORMAT.md §4, §9),
 * so seal and open jobs are independent of each other and run on several threads at once. The
 * calling thread takes their results in order, hashes the whole stream and hands the output to
 * the one thread that writes it. Buffers move between threads as transferred ArrayBuffers: the
 * buffer a job read into comes back with its reply (open: for the whole-stream hash), and goes
 * out again with a later job to be read into.
 *
 * `runJob` runs a job on the calling thread (small files, and while the workers start); the
 * worker threads (chunk-worker.ts, started by file-pool.ts) run the same function. The chunk
 * crypto is chunk-node.ts', whose nonce, AAD and key come from chunk-format.ts.
 *
 * Decryption returns a chunk's plaintext only after its tag verified (`final()`), and stops at the
 * first chunk that fails; the failing chunk's index and whether it opens with the opposite final
 * flag go back to the caller, which names the error exactly as the streaming decoder does
 * (decrypt-core.ts). The chunk key reaches the workers in a message: they are threads of this
 * process, which holds the key anyway.
 */
import { readSync, writeSync } from "node:fs";
import { openChunk, sealChunk, segmentLeaf } from "./chunk-node.js";
import { HEADER_LENGTH, NONCE_PREFIX_OFFSET, TAG_LENGTH } from "./header.js";

/** The stream a seal or open job belongs to. */
interface ChunkRun {
  readonly key: Uint8Array; // the stream's 32-byte chunk key (keys.ts), not the DEK
  readonly header: Uint8Array; // the 35 header bytes: AAD and nonce prefix
  readonly chunkSize: number;
  readonly first: number; // index of the job's first chunk
  readonly count: number; // chunks in the job
  readonly lastIndex: number; // index of the stream's final chunk
  readonly inFd: number;
  /** Where the job's plaintext chunks (seal) or segments (open) are in the input file. */
  readonly position: number;
  readonly length: number;
  /** A buffer to read them into, if it is large enough (recycled, transferred, returned). */
  readonly input?: Uint8Array;
}

export interface SealJob extends ChunkRun {
  readonly op: "seal";
}

export interface OpenJob extends ChunkRun {
  readonly op: "open";
}

/** Write `pieces` back to back at `position` of `fd`, then release them. */
export interface WriteJob {
  readonly op: "write";
  readonly fd: number;
  readonly position: number;
  readonly pieces: readonly Uint8Array[];
}

export type FileJob = SealJob | OpenJob | WriteJob;

export interface SealReply {
  /** The buffer the job read its plaintext into (at its front), back for reuse. */
  readonly input: Uint8Array;
  /** SHA-256 of each segment, 32 bytes per chunk. */
  readonly leaves: Uint8Array;
  /**
   * The job's segments back to back: [ciphertext, tag] per chunk for chunks of 64 KiB or more
   * (no copy), else one buffer holding all of them.
   */
  readonly pieces: Uint8Array[];
}

export interface OpenFailure {
  readonly index: number;
  /** Bytes of the failing segment. */
  readonly length: number;
  /** It authenticates with the opposite final flag (truncation / trailing data). */
  readonly opensWithOtherFlag: boolean;
  readonly message: string;
}

export interface OpenReply {
  /** The buffer the job read its segments into (at its front): for the stream hash, and reuse. */
  readonly input: Uint8Array;
  /** SHA-256 of each verified segment. */
  readonly leaves: Uint8Array;
  /** Chunks verified, from `first`; fewer than `count` only with a failure. */
  readonly verified: number;
  readonly failure?: OpenFailure;
  /** The verified chunks' plaintext, back to back (per chunk, or one buffer for small chunks). */
  readonly plain: Uint8Array[];
}

export interface WriteReply {
  readonly written: number;
}

export type JobReply = SealReply | OpenReply | WriteReply;

/** A job's failure as it crosses threads: the message and, for a system error, its code. */
export interface JobError {
  readonly message: string;
  readonly code?: string;
}

/** What a runner returns: the reply, and the ArrayBuffers to transfer with it. */
export interface JobOutcome {
  readonly reply: JobReply;
  readonly transfer: ArrayBuffer[];
}

export type JobRunner = (job: FileJob) => JobOutcome;

/**
 * Bytes per write(2), at file offsets that are multiples of it. With larger writes Linux (6.x,
 * large folios) fills the page cache with large folios, which on a busy or virtualised machine is
 * often several times slower to allocate than small ones (the age tool writes 64 KiB too).
 */
const WRITE_SIZE = 65536;
/** Chunks at least this large travel as separate buffers; smaller ones are copied into one. */
const PIECE_MIN = 65536;

/** A view that is alone on its ArrayBuffer, so the buffer can be transferred or released. */
function own(bytes: Uint8Array): boolean {
  return bytes.byteLength > 0 && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
}

/** Frees a buffer now instead of at the next garbage collection (detaching drops its memory). */
function release(bytes: Uint8Array): void {
  const buffer = bytes.buffer as ArrayBuffer & { transfer?: (length: number) => ArrayBuffer };
  if (!own(bytes) || typeof buffer.transfer !== "function") return;
  try {
    buffer.transfer(0);
  } catch {
    // not detachable: the collector frees it
  }
}

/** pieces[] back to back as one buffer (for small chunks: one transfer instead of many). */
function concat(pieces: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (const piece of pieces) size += piece.byteLength;
  const all = Buffer.allocUnsafeSlow(size);
  let at = 0;
  for (const piece of pieces) {
    all.set(piece, at);
    at += piece.byteLength;
  }
  return all;
}

/** The job's input bytes, read into its buffer (or a new one). */
function readInput(job: ChunkRun): { buffer: Uint8Array; bytes: Uint8Array } {
  const buffer = job.input && job.input.byteLength >= job.length ? job.input : Buffer.allocUnsafeSlow(job.length);
  const bytes = buffer.subarray(0, job.length);
  let got = 0;
  while (got < job.length) {
    const n = readSync(job.inFd, bytes, got, job.length - got, job.position + got);
    if (n === 0) throw new Error("the input file got shorter while it was being read");
    got += n;
  }
  return { buffer, bytes };
}

function arrayBufferOf(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer as ArrayBuffer;
}

function seal(job: SealJob): JobOutcome {
  const read = readInput(job);
  const cs = job.chunkSize;
  const input = read.bytes;
  const leaves = new Uint8Array(32 * job.count);
  const tags = new Uint8Array(TAG_LENGTH * job.count);
  let pieces: Uint8Array[] = [];
  for (let k = 0; k < job.count; k++) {
    const i = job.first + k;
    const sealed = sealChunk(job.key, job.header, i, i === job.lastIndex, input.subarray(k * cs, Math.min(input.byteLength, (k + 1) * cs)));
    const tag = tags.subarray(TAG_LENGTH * k, TAG_LENGTH * (k + 1));
    tag.set(sealed.tag);
    leaves.set(segmentLeaf(job.header, i, sealed.ciphertext, tag), 32 * k);
    pieces.push(sealed.ciphertext, tag);
  }
  const transfer = [arrayBufferOf(leaves)];
  if (own(read.buffer)) transfer.push(arrayBufferOf(read.buffer));
  if (cs >= PIECE_MIN) {
    // No copy: each ciphertext buffer moves over as is; the tags share one buffer.
    for (let c = 0; c < pieces.length; c += 2) if (own(pieces[c]!)) transfer.push(arrayBufferOf(pieces[c]!));
    transfer.push(arrayBufferOf(tags));
  } else {
    pieces = [concat(pieces)];
    transfer.push(arrayBufferOf(pieces[0]!));
  }
  return { reply: { input: read.buffer, leaves, pieces }, transfer };
}

function open(job: OpenJob): JobOutcome {
  const read = readInput(job);
  const seg = job.chunkSize + TAG_LENGTH;
  const input = read.bytes;
  const leaves = new Uint8Array(32 * job.count);
  let plain: Uint8Array[] = [];
  let failure: OpenFailure | undefined;
  let k = 0;
  for (; k < job.count; k++) {
    const i = job.first + k;
    const last = i === job.lastIndex;
    const segment = input.subarray(k * seg, Math.min(input.byteLength, (k + 1) * seg));
    if (segment.byteLength < TAG_LENGTH) {
      failure = { index: i, length: segment.byteLength, opensWithOtherFlag: false, message: "shorter than a tag" };
      break;
    }
    let plaintext: Uint8Array;
    try {
      plaintext = openChunk(job.key, job.header, i, last, segment);
    } catch (error) {
      // Only a diagnosis: the plaintext of the other flag is discarded (decrypt-core.ts).
      let other = false;
      try {
        release(openChunk(job.key, job.header, i, !last, segment));
        other = true;
      } catch {
        // fails both ways
      }
      failure = { index: i, length: segment.byteLength, opensWithOtherFlag: other, message: String((error as Error | undefined)?.message) };
      break;
    }
    leaves.set(segmentLeaf(job.header, i, segment), 32 * k);
    plain.push(plaintext);
  }
  const transfer = [arrayBufferOf(leaves)];
  if (own(read.buffer)) transfer.push(arrayBufferOf(read.buffer));
  if (job.chunkSize < PIECE_MIN && plain.length > 1) plain = [concat(plain)];
  for (const p of plain) if (own(p)) transfer.push(arrayBufferOf(p));
  return { reply: { input: read.buffer, leaves, verified: k, failure, plain }, transfer };
}

function write(job: WriteJob): JobOutcome {
  let position = job.position;
  let written = 0;
  for (const piece of job.pieces) {
    for (let at = 0; at < piece.byteLength; ) {
      const n = writeSync(job.fd, piece, at, Math.min(WRITE_SIZE - (position % WRITE_SIZE), piece.byteLength - at), position);
      at += n;
      position += n;
      written += n;
    }
  }
  for (const piece of job.pieces) release(piece);
  return { reply: { written }, transfer: [] };
}

/** Runs `job` on the calling thread: its reply, and the ArrayBuffers to transfer with it. */
export const runJob: JobRunner = (job) => (job.op === "seal" ? seal(job) : job.op === "open" ? open(job) : write(job));

/** The same runner on the calling thread (small files, and while the workers start). */
export function inlineJobRunner(): JobRunner {
  return runJob;
}

/** Format constants the jobs use, from header.ts (checked by test/sdk/stream-files.test.ts). */
export const JOB_CONSTANTS = { HEADER_LENGTH, NONCE_PREFIX_OFFSET, TAG_LENGTH } as const;
