import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { access, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  decryptFile,
  decryptStream,
  encryptStream,
  generateDataKey,
  HEADER_LENGTH,
  StreamAuthError,
  StreamError,
  StreamFormatError,
  TAG_LENGTH,
  type StreamErrorCode,
} from "../../sdk/stream/index.js";
import { collect, collectUntilError, irregularPieces, tempDir } from "./helpers/streams.js";

const CHUNK = 64;
const SEGMENT = CHUNK + TAG_LENGTH;
const segmentStart = (i: number) => HEADER_LENGTH + i * SEGMENT;

interface Sealed {
  key: Uint8Array;
  plaintext: Buffer;
  ciphertext: Buffer;
}

async function seal(plaintextLength: number, key = generateDataKey()): Promise<Sealed> {
  const plaintext = randomBytes(plaintextLength);
  const ciphertext = await collect(encryptStream(plaintext, key, { chunkSize: CHUNK }).ciphertext);
  return { key, plaintext, ciphertext };
}

function flipBit(bytes: Buffer, offset: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[offset]! ^= 0x01;
  return copy;
}

/**
 * Decrypts `ciphertext` (whole and in irregular pieces), expecting failure with `errorClass` and
 * `code` at `chunkIndex`, and exactly the first `goodChunks` chunks of plaintext released — so
 * nothing from the failing chunk or after it. The result promise must reject with the same error.
 */
async function expectRejected(
  ciphertext: Buffer,
  key: Uint8Array,
  expected: { errorClass: typeof StreamError; code: StreamErrorCode; chunkIndex?: number; plaintext: Buffer; goodChunks: number },
): Promise<void> {
  for (const source of [ciphertext, irregularPieces(ciphertext)]) {
    const { plaintext, result } = decryptStream(source, key);
    const { bytes, error } = await collectUntilError(plaintext);
    expect(error, "decryption must fail").to.be.instanceOf(expected.errorClass);
    expect((error as StreamError).code).to.equal(expected.code);
    expect((error as StreamError).chunkIndex).to.equal(expected.chunkIndex);
    expect(bytes.equals(expected.plaintext.subarray(0, expected.goodChunks * CHUNK))).to.equal(true);
    let rejected: unknown;
    await result.catch((e: unknown) => (rejected = e));
    expect(rejected).to.equal(error);
  }
}

describe("stream format v2: tamper detection", () => {
  // 4 full chunks and a 10-byte final chunk.
  let s: Sealed;
  before(async () => (s = await seal(4 * CHUNK + 10)));

  it("opens the untampered stream, so every failure below is caused by the tampering", async () => {
    const out = await collect(decryptStream(s.ciphertext, s.key).plaintext);
    expect(out.equals(s.plaintext)).to.equal(true);
  });

  describe("header", () => {
    it("rejects a flipped bit in the nonce prefix at chunk 0, releasing nothing", async () => {
      await expectRejected(flipBit(s.ciphertext, 30), s.key, { errorClass: StreamAuthError, code: "AUTH_FAILED", chunkIndex: 0, plaintext: s.plaintext, goodChunks: 0 });
    });

    it("rejects a flipped bit in the file id at chunk 0, releasing nothing", async () => {
      await expectRejected(flipBit(s.ciphertext, 12), s.key, { errorClass: StreamAuthError, code: "AUTH_FAILED", chunkIndex: 0, plaintext: s.plaintext, goodChunks: 0 });
    });

    it("rejects a chunk size changed to another valid size at chunk 0", async () => {
      const tampered = Buffer.from(s.ciphertext);
      tampered.writeUInt32BE(CHUNK + 1, 8);
      await expectRejected(tampered, s.key, { errorClass: StreamAuthError, code: "AUTH_FAILED", chunkIndex: 0, plaintext: s.plaintext, goodChunks: 0 });
    });

    it("rejects a flipped bit in the magic as a format error", async () => {
      await expectRejected(flipBit(s.ciphertext, 0), s.key, { errorClass: StreamFormatError, code: "BAD_HEADER", plaintext: s.plaintext, goodChunks: 0 });
    });

    it("rejects an unknown version byte as a format error", async () => {
      const tampered = Buffer.from(s.ciphertext);
      tampered[7] = 3;
      await expectRejected(tampered, s.key, { errorClass: StreamFormatError, code: "UNSUPPORTED_VERSION", plaintext: s.plaintext, goodChunks: 0 });
    });

    it("rejects a version 2 stream relabelled as version 1 (the header is every chunk's AAD)", async () => {
      const tampered = Buffer.from(s.ciphertext);
      expect(tampered[7]).to.equal(2);
      tampered[7] = 1;
      await expectRejected(tampered, s.key, { errorClass: StreamAuthError, code: "AUTH_FAILED", chunkIndex: 0, plaintext: s.plaintext, goodChunks: 0 });
    });

    it("rejects a chunk size below the minimum before trying to decrypt", async () => {
      const tampered = Buffer.from(s.ciphertext);
      tampered.writeUInt32BE(1, 8);
      await expectRejected(tampered, s.key, { errorClass: StreamFormatError, code: "BAD_HEADER", plaintext: s.plaintext, goodChunks: 0 });
    });

    it("rejects input shorter than a header, including no input at all", async () => {
      for (const short of [s.ciphertext.subarray(0, HEADER_LENGTH - 1), Buffer.alloc(0)]) {
        await expectRejected(short, s.key, { errorClass: StreamFormatError, code: "BAD_HEADER", plaintext: s.plaintext, goodChunks: 0 });
      }
    });
  });

  describe("chunks", () => {
    it("rejects a flipped bit in a chunk's ciphertext at that chunk, after releasing the chunks before it", async () => {
      await expectRejected(flipBit(s.ciphertext, segmentStart(2) + 5), s.key, { errorClass: StreamAuthError, code: "AUTH_FAILED", chunkIndex: 2, plaintext: s.plaintext, goodChunks: 2 });
    });

    it("rejects a flipped bit in a chunk's tag", async () => {
      await expectRejected(flipBit(s.ciphertext, segmentStart(1) + CHUNK + 3), s.key, { errorClass: StreamAuthError, code: "AUTH_FAILED", chunkIndex: 1, plaintext: s.plaintext, goodChunks: 1 });
    });

    it("rejects a flipped bit in the final chunk", async () => {
      await expectRejected(flipBit(s.ciphertext, s.ciphertext.length - 1), s.key, { errorClass: StreamAuthError, code: "AUTH_FAILED", chunkIndex: 4, plaintext: s.plaintext, goodChunks: 4 });
    });

    it("rejects two chunks swapped with each other at the first of them", async () => {
      const c = s.ciphertext;
      const swapped = Buffer.concat([c.subarray(0, segmentStart(1)), c.subarray(segmentStart(2), segmentStart(3)), c.subarray(segmentStart(1), segmentStart(2)), c.subarray(segmentStart(3))]);
      await expectRejected(swapped, s.key, { errorClass: StreamAuthError, code: "AUTH_FAILED", chunkIndex: 1, plaintext: s.plaintext, goodChunks: 1 });
    });

    it("rejects a chunk taken from another stream encrypted with the same key, at the same position", async () => {
      const other = await seal(4 * CHUNK + 10, s.key);
      const spliced = Buffer.concat([s.ciphertext.subarray(0, segmentStart(3)), other.ciphertext.subarray(segmentStart(3), segmentStart(4)), s.ciphertext.subarray(segmentStart(4))]);
      await expectRejected(spliced, s.key, { errorClass: StreamAuthError, code: "AUTH_FAILED", chunkIndex: 3, plaintext: s.plaintext, goodChunks: 3 });
    });

    it("rejects another stream's header placed on these chunks, even under the same key and chunk size", async () => {
      const other = await seal(10, s.key);
      const rehead = Buffer.concat([other.ciphertext.subarray(0, HEADER_LENGTH), s.ciphertext.subarray(HEADER_LENGTH)]);
      await expectRejected(rehead, s.key, { errorClass: StreamAuthError, code: "AUTH_FAILED", chunkIndex: 0, plaintext: s.plaintext, goodChunks: 0 });
    });

    it("rejects the wrong key at chunk 0, releasing nothing", async () => {
      await expectRejected(s.ciphertext, generateDataKey(), { errorClass: StreamAuthError, code: "AUTH_FAILED", chunkIndex: 0, plaintext: s.plaintext, goodChunks: 0 });
    });
  });

  describe("truncation and extension", () => {
    it("reports TRUNCATED when the final chunk is dropped at a chunk boundary, releasing nothing of the now-last chunk", async () => {
      await expectRejected(s.ciphertext.subarray(0, segmentStart(4)), s.key, { errorClass: StreamAuthError, code: "TRUNCATED", chunkIndex: 3, plaintext: s.plaintext, goodChunks: 3 });
    });

    it("reports TRUNCATED when only the header is left", async () => {
      await expectRejected(s.ciphertext.subarray(0, HEADER_LENGTH), s.key, { errorClass: StreamAuthError, code: "TRUNCATED", chunkIndex: 0, plaintext: s.plaintext, goodChunks: 0 });
    });

    it("rejects a stream cut in the middle of a chunk at that chunk", async () => {
      await expectRejected(s.ciphertext.subarray(0, segmentStart(2) + 40), s.key, { errorClass: StreamAuthError, code: "AUTH_FAILED", chunkIndex: 2, plaintext: s.plaintext, goodChunks: 2 });
    });

    it("reports TRUNCATED when a stream is cut so that the last chunk is shorter than a tag", async () => {
      await expectRejected(s.ciphertext.subarray(0, segmentStart(2) + 5), s.key, { errorClass: StreamAuthError, code: "TRUNCATED", chunkIndex: 2, plaintext: s.plaintext, goodChunks: 2 });
    });

    it("reports TRAILING_DATA when bytes follow a full final chunk", async () => {
      const full = await seal(4 * CHUNK);
      for (const extra of [Buffer.from([0]), randomBytes(SEGMENT), randomBytes(3 * SEGMENT + 7)]) {
        await expectRejected(Buffer.concat([full.ciphertext, extra]), full.key, { errorClass: StreamAuthError, code: "TRAILING_DATA", chunkIndex: 3, plaintext: full.plaintext, goodChunks: 3 });
      }
    });

    it("rejects bytes appended after a short final chunk at that chunk", async () => {
      // The extra bytes land inside the last segment, so the final chunk itself no longer authenticates.
      await expectRejected(Buffer.concat([s.ciphertext, Buffer.from("extra")]), s.key, { errorClass: StreamAuthError, code: "AUTH_FAILED", chunkIndex: 4, plaintext: s.plaintext, goodChunks: 4 });
    });

    it("rejects a whole chunk appended from another stream with the same key", async () => {
      const full = await seal(4 * CHUNK);
      const other = await seal(4 * CHUNK, full.key);
      const extended = Buffer.concat([full.ciphertext, other.ciphertext.subarray(segmentStart(3))]);
      await expectRejected(extended, full.key, { errorClass: StreamAuthError, code: "TRAILING_DATA", chunkIndex: 3, plaintext: full.plaintext, goodChunks: 3 });
    });

    it("rejects a second copy of the empty stream's only chunk appended after it", async () => {
      const empty = await seal(0);
      const doubled = Buffer.concat([empty.ciphertext, empty.ciphertext.subarray(HEADER_LENGTH)]);
      await expectRejected(doubled, empty.key, { errorClass: StreamAuthError, code: "AUTH_FAILED", chunkIndex: 0, plaintext: empty.plaintext, goodChunks: 0 });
    });
  });

  describe("decryptFile", () => {
    let dir: string;
    let cleanup: () => Promise<void>;
    beforeEach(async () => ({ dir, cleanup } = await tempDir()));
    afterEach(async () => cleanup());

    it("creates no output file when a chunk fails", async () => {
      const sealedPath = join(dir, "in.sealed");
      const outPath = join(dir, "out.bin");
      await writeFile(sealedPath, flipBit(s.ciphertext, segmentStart(3)));
      let error: unknown;
      await decryptFile(sealedPath, outPath, s.key).catch((e: unknown) => (error = e));
      expect(error).to.be.instanceOf(StreamAuthError);
      let exists = true;
      await access(outPath).catch(() => (exists = false));
      expect(exists).to.equal(false);
    });

    it("leaves an existing output file untouched when decryption fails", async () => {
      const sealedPath = join(dir, "in.sealed");
      const outPath = join(dir, "out.bin");
      await writeFile(sealedPath, s.ciphertext.subarray(0, segmentStart(4)));
      await writeFile(outPath, "previous contents");
      let error: unknown;
      await decryptFile(sealedPath, outPath, s.key).catch((e: unknown) => (error = e));
      expect((error as StreamError).code).to.equal("TRUNCATED");
      expect(await readFile(outPath, "utf8")).to.equal("previous contents");
    });
  });
});
