/**
 * Range verification and decryption (sdk/stream/range.ts, docs/FORMAT.md §15): plaintext bytes
 * [a, b) come out of the header and the segments that hold them only, each checked against the
 * registered Merkle root with an inclusion proof before it is opened.
 */
import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  chunkDigestsOf,
  decryptRange,
  decryptRangeChunks,
  encryptStream,
  generateDataKey,
  HEADER_LENGTH,
  merkleProof,
  merkleProofSource,
  openReadAt,
  plaintextSizeOf,
  StreamAuthError,
  StreamError,
  TAG_LENGTH,
  type DecryptRangeParams,
  type ReadAt,
  type StreamErrorCode,
  type StreamSummary,
} from "../../sdk/stream/index.js";
import { collect, tempDir } from "./helpers/streams.js";

const CHUNK = 64;
const SEGMENT = CHUNK + TAG_LENGTH;
const segmentAt = (i: number) => HEADER_LENGTH + i * SEGMENT;

interface Stored {
  key: Uint8Array;
  plaintext: Buffer;
  ciphertext: Buffer;
  summary: StreamSummary;
  leaves: Uint8Array[];
}

async function store(plaintextLength: number, chunkSize = CHUNK): Promise<Stored> {
  const key = generateDataKey();
  const plaintext = randomBytes(plaintextLength);
  const enc = encryptStream(plaintext, key, { chunkSize });
  const ciphertext = await collect(enc.ciphertext);
  const { leaves } = await chunkDigestsOf(ciphertext);
  return { key, plaintext, ciphertext, summary: await enc.result, leaves };
}

/** A ReadAt over `bytes` that records every read, to show what was (not) fetched. */
function recordingReadAt(bytes: Uint8Array): { readAt: ReadAt; reads: [number, number][] } {
  const reads: [number, number][] = [];
  return {
    reads,
    readAt: async (offset, length) => {
      reads.push([offset, length]);
      return Uint8Array.from(bytes.subarray(offset, offset + length));
    },
  };
}

function paramsFor(s: Stored, start: number, end: number, overrides: Partial<DecryptRangeParams> = {}): DecryptRangeParams {
  return {
    readAt: recordingReadAt(s.ciphertext).readAt,
    key: s.key,
    size: s.summary.size, // as registered on chain
    merkleRoot: s.summary.merkleRoot, // as registered on chain
    proof: merkleProofSource(s.leaves),
    start,
    end,
    ...overrides,
  };
}

async function rejection(params: DecryptRangeParams): Promise<StreamError> {
  const error = await decryptRange(params).then(() => undefined, (e: unknown) => e);
  expect(error, "range decryption must fail").to.be.instanceOf(StreamError);
  return error as StreamError;
}

async function expectRejected(params: DecryptRangeParams, code: StreamErrorCode, chunkIndex: number): Promise<void> {
  const error = await rejection(params);
  expect(error).to.be.instanceOf(StreamAuthError);
  expect([error.code, error.chunkIndex]).to.deep.equal([code, chunkIndex]);
}

describe("stream format v2: range verification and decryption", () => {
  // 20 full chunks and a 23-byte final chunk: 21 leaves, so the tree has promoted nodes.
  let s: Stored;
  before(async () => (s = await store(20 * CHUNK + 23)));

  describe("reads only the header and the segments holding the range", () => {
    const cases = [
      { name: "inside one chunk", start: 5 * CHUNK + 3, end: 5 * CHUNK + 40, chunks: [5] },
      { name: "across three chunks", start: 7 * CHUNK + 60, end: 9 * CHUNK + 1, chunks: [7, 8, 9] },
      { name: "exactly one whole chunk", start: 4 * CHUNK, end: 5 * CHUNK, chunks: [4] },
      { name: "in the final, shorter chunk (opened as final)", start: 20 * CHUNK + 1, end: 20 * CHUNK + 23, chunks: [20] },
      { name: "the first byte", start: 0, end: 1, chunks: [0] },
    ];
    for (const c of cases) {
      it(`${c.name}: plaintext [${c.start}, ${c.end})`, async () => {
        const { readAt, reads } = recordingReadAt(s.ciphertext);
        const bytes = await decryptRange(paramsFor(s, c.start, c.end, { readAt }));
        expect(Buffer.from(bytes).equals(s.plaintext.subarray(c.start, c.end))).to.equal(true);
        const segments = c.chunks.map((i): [number, number] => [segmentAt(i), Math.min(SEGMENT, s.ciphertext.length - segmentAt(i))]);
        expect(reads).to.deep.equal([[0, HEADER_LENGTH], ...segments]);
      });
    }

    it("decrypts the whole plaintext as one range", async () => {
      const bytes = await decryptRange(paramsFor(s, 0, s.plaintext.length));
      expect(Buffer.from(bytes).equals(s.plaintext)).to.equal(true);
    });

    it("streams a range chunk by chunk, cut at the range's ends", async () => {
      const pieces: number[] = [];
      for await (const piece of decryptRangeChunks(paramsFor(s, 2 * CHUNK + 10, 5 * CHUNK + 5))) pieces.push(piece.byteLength);
      expect(pieces).to.deep.equal([CHUNK - 10, CHUNK, CHUNK, 5]);
    });

    it("returns nothing for an empty range, also of an empty plaintext", async () => {
      expect(await decryptRange(paramsFor(s, 7, 7))).to.have.length(0);
      const empty = await store(0);
      expect(plaintextSizeOf(CHUNK, empty.summary.size)).to.equal(0);
      expect(await decryptRange(paramsFor(empty, 0, 0))).to.have.length(0);
    });

    it("refuses a range outside the plaintext that the registered size implies", async () => {
      for (const [start, end] of [[0, s.plaintext.length + 1], [10, 9], [-1, 3]] as const) {
        const error = await decryptRange(paramsFor(s, start, end)).then(() => undefined, (e: unknown) => e);
        expect(error, `[${start}, ${end})`).to.be.instanceOf(RangeError);
      }
    });

    it("decrypts 100 bytes from the middle of a 24 MiB file on disk, reading one 1 MiB segment", async () => {
      const big = await store(24 * 1024 * 1024 + 7, 1024 * 1024);
      const { dir, cleanup } = await tempDir();
      try {
        const path = join(dir, "statement.sealed");
        await writeFile(path, big.ciphertext);
        const file = await openReadAt(path);
        let bytesRead = 0;
        try {
          const readAt: ReadAt = async (offset, length) => {
            bytesRead += length;
            return file.readAt(offset, length);
          };
          const start = 13 * 1024 * 1024 - 50; // straddles the boundary of chunks 12 and 13
          const bytes = await decryptRange(paramsFor(big, start, start + 100, { readAt }));
          expect(Buffer.from(bytes).equals(big.plaintext.subarray(start, start + 100))).to.equal(true);
          expect(bytesRead).to.equal(HEADER_LENGTH + 2 * (1024 * 1024 + TAG_LENGTH));
        } finally {
          await file.close();
        }
      } finally {
        await cleanup();
      }
    });
  });

  describe("rejects what is not the registered stream", () => {
    it("rejects a modified segment with MERKLE_MISMATCH before opening it", async () => {
      const tampered = Buffer.from(s.ciphertext);
      tampered[segmentAt(8) + 3]! ^= 0x01;
      await expectRejected(paramsFor(s, 8 * CHUNK, 8 * CHUNK + 1, { readAt: recordingReadAt(tampered).readAt }), "MERKLE_MISMATCH", 8);
    });

    it("rejects another chunk served in place of the requested one, with its own valid proof", async () => {
      const swapped: ReadAt = async (offset, length) =>
        Uint8Array.from(offset === segmentAt(3) ? s.ciphertext.subarray(segmentAt(4), segmentAt(5)) : s.ciphertext.subarray(offset, offset + length));
      await expectRejected(paramsFor(s, 3 * CHUNK, 3 * CHUNK + 1, { readAt: swapped, proof: (i) => merkleProof(s.leaves, i === 3 ? 4 : i) }), "MERKLE_MISMATCH", 3);
    });

    it("rejects a forged proof, and ignores the index and leaf count a prover claims", async () => {
      const forged = (i: number) => ({ ...merkleProof(s.leaves, i), siblings: merkleProof(s.leaves, i + 1).siblings });
      await expectRejected(paramsFor(s, 2 * CHUNK, 2 * CHUNK + 1, { proof: forged }), "MERKLE_MISMATCH", 2);
      // A proof whose claimed shape is a lie but whose siblings are right still verifies: the
      // verifier only ever uses its own index and the count from the registered size.
      const mislabelled = (i: number) => ({ ...merkleProof(s.leaves, i), index: 0, leafCount: 999 });
      expect(Buffer.from(await decryptRange(paramsFor(s, 2 * CHUNK, 2 * CHUNK + 9, { proof: mislabelled }))).equals(s.plaintext.subarray(2 * CHUNK, 2 * CHUNK + 9))).to.equal(true);
    });

    it("rejects a Merkle root that is not the registered one", async () => {
      const other = await store(20 * CHUNK + 23);
      await expectRejected(paramsFor(s, 0, 10, { merkleRoot: other.summary.merkleRoot }), "MERKLE_MISMATCH", 0);
    });

    it("rejects a header whose chunk size does not fit the registered size", async () => {
      const tampered = Buffer.from(s.ciphertext);
      tampered.writeUInt32BE(CHUNK * 2, 8);
      await expectRejected(paramsFor(s, 0, 10, { readAt: recordingReadAt(tampered).readAt }), "MERKLE_MISMATCH", 0);
    });

    it("rejects another stream's header: chunk 0's leaf covers it (MERKLE_MISMATCH), later chunks' AAD is it (AUTH_FAILED)", async () => {
      const other = await store(CHUNK, CHUNK);
      const tampered = Buffer.concat([other.ciphertext.subarray(0, HEADER_LENGTH), s.ciphertext.subarray(HEADER_LENGTH)]);
      await expectRejected(paramsFor(s, 0, 10, { readAt: recordingReadAt(tampered).readAt }), "MERKLE_MISMATCH", 0);
      await expectRejected(paramsFor(s, 3 * CHUNK, 3 * CHUNK + 10, { readAt: recordingReadAt(tampered).readAt }), "AUTH_FAILED", 3);
    });

    it("rejects the wrong key with AUTH_FAILED", async () => {
      await expectRejected(paramsFor(s, 6 * CHUNK, 6 * CHUNK + 1, { key: generateDataKey() }), "AUTH_FAILED", 6);
    });

    it("rejects a store that returns fewer bytes than asked with TRUNCATED", async () => {
      const short: ReadAt = async (offset, length) => Uint8Array.from(s.ciphertext.subarray(offset, offset + Math.min(length, 40)));
      await expectRejected(paramsFor(s, 0, 1, { readAt: short }), "TRUNCATED", 0);
    });

    it("takes the chunk count from the registered size, so the end of the stream cannot be moved", async () => {
      // Claiming one segment more (22 leaves): chunk 20 would be a full segment, which the store
      // cannot serve; padded by a dishonest store, it would need a sibling the real tree lacks.
      await expectRejected(paramsFor(s, 20 * CHUNK, 20 * CHUNK + 1, { size: s.summary.size + SEGMENT }), "TRUNCATED", 20);
      const padded = recordingReadAt(Buffer.concat([s.ciphertext, randomBytes(SEGMENT)])).readAt;
      await expectRejected(paramsFor(s, 20 * CHUNK, 20 * CHUNK + 1, { size: s.summary.size + SEGMENT, readAt: padded }), "MERKLE_MISMATCH", 20);
      // Claiming one segment less (20 leaves): chunk 19 would be the last leaf of a 20-leaf tree,
      // whose path to the root differs from the real 21-leaf tree's (and it was not sealed as final).
      await expectRejected(paramsFor(s, 19 * CHUNK, 19 * CHUNK + 1, { size: s.summary.size - 23 - TAG_LENGTH }), "MERKLE_MISMATCH", 19);
    });
  });
});
