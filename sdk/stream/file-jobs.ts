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
 * The code is plain JavaScript in a string, evaluated either in a worker thread
 * (`new Worker(WORKER_SOURCE, { eval: true })`) or on the calling thread (`inlineJobRunner`). A
 * worker evaluated from a string needs no module loader: it runs the same under tsx (including
 * tsx's `register()` API, which workers do not inherit), compiled output or a bundle. It uses only
 * `node:fs` and `node:crypto` (passed in) and the format constants in JOB_CONSTANTS, which
 * test/sdk/stream-files.test.ts checks against header.ts.
 *
 * Decryption returns a chunk's plaintext only after its tag verified (`final()`), and stops at the
 * first chunk that fails; the failing chunk's index and whether it opens with the opposite final
 * flag go back to the caller, which names the error exactly as the streaming decoder does
 * (decrypt-core.ts). The chunk key reaches the workers in a message: they are threads of this
 * process, which holds the key anyway.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";

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

/** `makeJobRunner(fs, crypto)` → `runJob(job) → { reply, transfer }`. Plain ES2015+. */
const JOB_RUNNER_SOURCE = String.raw`
function makeJobRunner(fs, crypto) {
  "use strict";
  var HEADER_LENGTH = 35, NONCE_PREFIX_OFFSET = 28, TAG_LENGTH = 16;
  // Bytes per write(2), at file offsets that are multiples of it. With larger writes Linux (6.x,
  // large folios) fills the page cache with large folios, which on a busy or virtualised machine
  // is often several times slower to allocate than small ones (the age tool writes 64 KiB too).
  var WRITE_SIZE = 65536;
  // Chunks at least this large travel as separate buffers; smaller ones are copied into one.
  var PIECE_MIN = 65536;

  // A view that is alone on its ArrayBuffer, so the buffer can be transferred or released.
  function own(bytes) {
    return bytes.byteLength > 0 && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  }

  // Frees a buffer now instead of at the next garbage collection (detaching drops its memory).
  function release(bytes) {
    if (!own(bytes) || typeof bytes.buffer.transfer !== "function") return;
    try { bytes.buffer.transfer(0); } catch (e) { /* not detachable: the collector frees it */ }
  }

  // nonce_i = noncePrefix (header bytes 28..34) || uint32be(i) || finalFlag  (FORMAT.md §5)
  function nonce(header, index, last) {
    var iv = Buffer.alloc(12);
    iv.set(header.subarray(NONCE_PREFIX_OFFSET, HEADER_LENGTH), 0);
    iv.writeUInt32BE(index, 7);
    iv[11] = last ? 1 : 0;
    return iv;
  }

  function sha256(a, b) {
    var h = crypto.createHash("sha256").update(a);
    if (b) h.update(b);
    return h.digest();
  }

  // pieces[] back to back as one buffer (for small chunks: one transfer instead of many).
  function concat(pieces) {
    var size = 0, i, at = 0;
    for (i = 0; i < pieces.length; i++) size += pieces[i].byteLength;
    var all = Buffer.allocUnsafeSlow(size);
    for (i = 0; i < pieces.length; i++) { all.set(pieces[i], at); at += pieces[i].byteLength; }
    return all;
  }

  // The job's input bytes, read into its buffer (or a new one): { buffer, bytes }.
  function readInput(job) {
    var buffer = job.input && job.input.byteLength >= job.length ? job.input : Buffer.allocUnsafeSlow(job.length);
    var bytes = buffer.subarray(0, job.length), got = 0;
    while (got < job.length) {
      var n = fs.readSync(job.inFd, bytes, got, job.length - got, job.position + got);
      if (n === 0) throw new Error("the input file got shorter while it was being read");
      got += n;
    }
    return { buffer: buffer, bytes: bytes };
  }

  function seal(job) {
    var read = readInput(job), cs = job.chunkSize, input = read.bytes;
    var leaves = new Uint8Array(32 * job.count);
    var tags = new Uint8Array(TAG_LENGTH * job.count);
    var pieces = [];
    for (var k = 0; k < job.count; k++) {
      var i = job.first + k;
      var cipher = crypto.createCipheriv("aes-256-gcm", job.key, nonce(job.header, i, i === job.lastIndex), { authTagLength: TAG_LENGTH });
      cipher.setAAD(job.header);
      var ct = cipher.update(input.subarray(k * cs, Math.min(input.byteLength, (k + 1) * cs)));
      cipher.final(); // GCM: no further output
      var tag = tags.subarray(TAG_LENGTH * k, TAG_LENGTH * (k + 1));
      tag.set(cipher.getAuthTag());
      leaves.set(sha256(ct, tag), 32 * k);
      pieces.push(ct, tag);
    }
    var transfer = [leaves.buffer];
    if (own(read.buffer)) transfer.push(read.buffer.buffer);
    if (cs >= PIECE_MIN) {
      // No copy: each ciphertext buffer moves over as is; the tags share one buffer.
      for (var c = 0; c < pieces.length; c += 2) if (own(pieces[c])) transfer.push(pieces[c].buffer);
      transfer.push(tags.buffer);
    } else {
      pieces = [concat(pieces)];
      transfer.push(pieces[0].buffer);
    }
    return { reply: { input: read.buffer, leaves: leaves, pieces: pieces }, transfer: transfer };
  }

  // The plaintext of a segment, or throws if it does not authenticate with this final flag.
  function openSegment(job, index, last, segment) {
    var decipher = crypto.createDecipheriv("aes-256-gcm", job.key, nonce(job.header, index, last), { authTagLength: TAG_LENGTH });
    decipher.setAAD(job.header);
    decipher.setAuthTag(segment.subarray(segment.byteLength - TAG_LENGTH));
    var plaintext = decipher.update(segment.subarray(0, segment.byteLength - TAG_LENGTH));
    decipher.final(); // throws unless the tag verifies
    return plaintext;
  }

  function open(job) {
    var read = readInput(job), seg = job.chunkSize + TAG_LENGTH, input = read.bytes;
    var leaves = new Uint8Array(32 * job.count);
    var plain = [];
    var failure;
    var k = 0;
    for (; k < job.count; k++) {
      var i = job.first + k, last = i === job.lastIndex;
      var segment = input.subarray(k * seg, Math.min(input.byteLength, (k + 1) * seg));
      if (segment.byteLength < TAG_LENGTH) {
        failure = { index: i, length: segment.byteLength, opensWithOtherFlag: false, message: "shorter than a tag" };
        break;
      }
      var plaintext;
      try {
        plaintext = openSegment(job, i, last, segment);
      } catch (e) {
        // Only a diagnosis: the plaintext of the other flag is discarded (decrypt-core.ts).
        var other = false;
        try { release(openSegment(job, i, !last, segment)); other = true; } catch (e2) { /* fails both ways */ }
        failure = { index: i, length: segment.byteLength, opensWithOtherFlag: other, message: String(e && e.message) };
        break;
      }
      leaves.set(sha256(segment), 32 * k);
      plain.push(plaintext);
    }
    var transfer = [leaves.buffer];
    if (own(read.buffer)) transfer.push(read.buffer.buffer);
    if (job.chunkSize < PIECE_MIN && plain.length > 1) plain = [concat(plain)];
    for (var p = 0; p < plain.length; p++) if (own(plain[p])) transfer.push(plain[p].buffer);
    return { reply: { input: read.buffer, leaves: leaves, verified: k, failure: failure, plain: plain }, transfer: transfer };
  }

  function write(job) {
    var position = job.position, written = 0;
    for (var p = 0; p < job.pieces.length; p++) {
      var piece = job.pieces[p];
      for (var at = 0; at < piece.byteLength; ) {
        var n = fs.writeSync(job.fd, piece, at, Math.min(WRITE_SIZE - (position % WRITE_SIZE), piece.byteLength - at), position);
        at += n;
        position += n;
        written += n;
      }
    }
    for (var q = 0; q < job.pieces.length; q++) release(job.pieces[q]);
    return { reply: { written: written }, transfer: [] };
  }

  return function runJob(job) {
    return job.op === "seal" ? seal(job) : job.op === "open" ? open(job) : write(job);
  };
}
`;

/** Source of a worker thread that runs jobs sent to it; see file-pool.ts for the protocol. */
export const WORKER_SOURCE = `${JOB_RUNNER_SOURCE}
const { parentPort } = require("node:worker_threads");
const runJob = makeJobRunner(require("node:fs"), require("node:crypto"));
parentPort.on("message", (message) => {
  let outcome;
  try {
    outcome = runJob(message.job);
  } catch (e) {
    parentPort.postMessage({ id: message.id, error: { message: String((e && e.message) || e), code: e && typeof e.code === "string" ? e.code : undefined } });
    return;
  }
  try {
    parentPort.postMessage({ id: message.id, reply: outcome.reply }, outcome.transfer);
  } catch (e) {
    parentPort.postMessage({ id: message.id, reply: outcome.reply }); // not transferable: copied
  }
});
`;

let inline: JobRunner | undefined;

/** The same runner on the calling thread (small files, and while the workers start). */
export function inlineJobRunner(): JobRunner {
  inline ??= (new Function(`${JOB_RUNNER_SOURCE}\nreturn makeJobRunner;`)() as (f: typeof fs, c: typeof crypto) => JobRunner)(fs, crypto);
  return inline;
}

/** Format constants the job source repeats; checked against header.ts by the tests. */
export const JOB_CONSTANTS = { HEADER_LENGTH: 35, NONCE_PREFIX_OFFSET: 28, TAG_LENGTH: 16 } as const;
