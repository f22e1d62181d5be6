import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  decryptFile,
  decryptStream,
  DEFAULT_CHUNK_SIZE,
  encryptFile,
  encryptStream,
  generateDataKey,
  hashFile,
  HEADER_LENGTH,
  sha256OfStream,
  StreamError,
  TAG_LENGTH,
  type StreamSummary,
} from "../../sdk/stream/index.js";
import { hex, referenceDecrypt, referenceMerkleRoot, sha256 } from "./helpers/reference.js";
import { collect, collectUntilError, irregularPieces, tempDir } from "./helpers/streams.js";

const SMALL = 64;

async function roundTrip(plaintext: Buffer, chunkSize: number, pieces: boolean) {
  const key = generateDataKey();
  const source = pieces ? irregularPieces(plaintext) : plaintext;
  const enc = encryptStream(source, key, { chunkSize });
  const ciphertext = await collect(enc.ciphertext);
  const sealed = await enc.result;
  const dec = decryptStream(pieces ? irregularPieces(ciphertext) : ciphertext, key);
  const opened = await collect(dec.plaintext);
  return { key, ciphertext, sealed, opened, reopened: await dec.result };
}

function expectedChunks(size: number, chunkSize: number): number {
  return Math.max(1, Math.ceil(size / chunkSize));
}

describe("stream format v2: round trip", () => {
  for (const pieces of [false, true]) {
    const delivery = pieces ? "in irregular pieces" : "as one buffer";
    for (const size of [0, 1, SMALL - 1, SMALL, SMALL + 1, 5 * SMALL, 5 * SMALL + 17]) {
      it(`restores a ${size}-byte plaintext with ${SMALL}-byte chunks delivered ${delivery}`, async () => {
        const plaintext = randomBytes(size);
        const { ciphertext, sealed, opened, reopened } = await roundTrip(plaintext, SMALL, pieces);
        const chunks = expectedChunks(size, SMALL);

        expect(opened.equals(plaintext)).to.equal(true);
        expect(ciphertext.length).to.equal(HEADER_LENGTH + size + chunks * TAG_LENGTH);
        expect(sealed).to.deep.equal({
          version: 2,
          merkleRoot: referenceMerkleRoot(ciphertext),
          size: ciphertext.length,
          plaintextSize: size,
          chunkCount: chunks,
          chunkSize: SMALL,
        } satisfies StreamSummary);
        expect(reopened).to.deep.equal(sealed);
      });
    }
  }

  for (const size of [0, 1, DEFAULT_CHUNK_SIZE - 1, DEFAULT_CHUNK_SIZE, DEFAULT_CHUNK_SIZE + 1, 3.5 * DEFAULT_CHUNK_SIZE]) {
    it(`restores a ${size}-byte plaintext with the default 1 MiB chunks`, async () => {
      const plaintext = randomBytes(size);
      const { key, ciphertext, sealed, opened } = await roundTrip(plaintext, DEFAULT_CHUNK_SIZE, false);
      expect(opened.equals(plaintext)).to.equal(true);
      expect(sealed.chunkCount).to.equal(expectedChunks(size, DEFAULT_CHUNK_SIZE));
      expect(sealed.merkleRoot).to.equal(referenceMerkleRoot(ciphertext));
      expect(sealed).to.not.have.property("ciphertextSha256"); // version 2: the root is the commitment
      expect(referenceDecrypt(ciphertext, key).equals(plaintext)).to.equal(true);
    });
  }

  it("encodes an empty plaintext as the header plus one empty final chunk", async () => {
    const { ciphertext, sealed } = await roundTrip(Buffer.alloc(0), SMALL, false);
    expect(ciphertext.length).to.equal(HEADER_LENGTH + TAG_LENGTH);
    expect(sealed.chunkCount).to.equal(1);
    expect(sealed.plaintextSize).to.equal(0);
  });

  it("never encrypts the same plaintext to the same ciphertext twice", async () => {
    const key = generateDataKey();
    const plaintext = randomBytes(100);
    const a = await collect(encryptStream(plaintext, key).ciphertext);
    const b = await collect(encryptStream(plaintext, key).ciphertext);
    expect(a.subarray(12, HEADER_LENGTH).equals(b.subarray(12, HEADER_LENGTH))).to.equal(false);
    expect(a.subarray(HEADER_LENGTH).equals(b.subarray(HEADER_LENGTH))).to.equal(false);
  });

  it("reads its source lazily and releases it when the reader stops early", async () => {
    let pulled = 0;
    let released = false;
    async function* endless(): AsyncGenerator<Uint8Array> {
      try {
        for (;;) {
          pulled++;
          yield randomBytes(SMALL);
        }
      } finally {
        released = true;
      }
    }
    const { ciphertext, result } = encryptStream(endless(), generateDataKey(), { chunkSize: SMALL });
    let received = 0;
    for await (const piece of ciphertext) {
      received += (piece as Uint8Array).byteLength;
      if (received > 10 * SMALL) break; // stops reading, which destroys the stream
    }
    expect(pulled).to.be.lessThan(40);
    await expectRejection(result, "ABORTED");
    expect(released).to.equal(true);
  });

  it("fails the ciphertext stream and the result with the source's own error", async () => {
    const boom = new Error("disk on fire");
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield randomBytes(3 * SMALL);
      throw boom;
    }
    const { ciphertext, result } = encryptStream(failing(), generateDataKey(), { chunkSize: SMALL });
    const { error } = await collectUntilError(ciphertext);
    expect(error).to.equal(boom);
    let rejected: unknown;
    await result.catch((e: unknown) => (rejected = e));
    expect(rejected).to.equal(boom);
  });

  it("rejects a key that is not 32 bytes before reading anything", () => {
    expect(() => encryptStream(Buffer.alloc(1), new Uint8Array(31))).to.throw(RangeError, /32 bytes/);
    expect(() => decryptStream(Buffer.alloc(1), new Uint8Array(33))).to.throw(RangeError, /32 bytes/);
  });

  it("rejects chunk sizes outside 16 B to 16 MiB", () => {
    const key = generateDataKey();
    expect(() => encryptStream(Buffer.alloc(1), key, { chunkSize: 15 })).to.throw(RangeError, /chunkSize/);
    expect(() => encryptStream(Buffer.alloc(1), key, { chunkSize: 16 * 1024 * 1024 + 1 })).to.throw(RangeError, /chunkSize/);
    expect(() => encryptStream(Buffer.alloc(1), key, { chunkSize: 100.5 })).to.throw(RangeError, /chunkSize/);
  });

  it("generates distinct 32-byte data keys", () => {
    const a = generateDataKey();
    const b = generateDataKey();
    expect(a).to.have.length(32);
    expect(Buffer.from(a).equals(Buffer.from(b))).to.equal(false);
  });
});

describe("stream format v2: file helpers", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(async () => cleanup());

  // Speed is shown by `npm run bench`, never by a timed test that flakes on a busy machine.
  it("encrypts a 10 MB random file and decrypts it back exactly", async () => {
    const plain = join(dir, "statement.bin");
    const sealedPath = join(dir, "statement.bin.sealed");
    const restored = join(dir, "statement.restored.bin");
    await writeFile(plain, randomBytes(10_000_000));
    const key = generateDataKey();

    const sealed = await encryptFile(plain, sealedPath, key);
    const opened = await decryptFile(sealedPath, restored, key);

    expect(await hashFile(restored)).to.equal(await hashFile(plain));
    expect(opened).to.deep.equal(sealed);
    expect(sealed.plaintextSize).to.equal(10_000_000);
    expect(sealed.chunkCount).to.equal(10);
  });

  it("reports the Merkle root and size of the file it actually wrote", async () => {
    const plain = join(dir, "a.bin");
    const sealedPath = join(dir, "a.sealed");
    await writeFile(plain, randomBytes(3 * DEFAULT_CHUNK_SIZE + 12345));
    const sealed = await encryptFile(plain, sealedPath, generateDataKey());

    const written = await readFile(sealedPath); // recomputed from the file, independently of the SDK
    expect(sealed.merkleRoot).to.equal(referenceMerkleRoot(written));
    expect(sealed.size).to.equal((await stat(sealedPath)).size);
  });

  it("hashes files and streams the same way sha256 does", async () => {
    const path = join(dir, "h.bin");
    const bytes = randomBytes(2 * DEFAULT_CHUNK_SIZE + 3);
    await writeFile(path, bytes);
    expect(await hashFile(path)).to.equal(hex(sha256(bytes)));
    expect(await sha256OfStream(irregularPieces(bytes))).to.equal(hex(sha256(bytes)));
    expect(await sha256OfStream(new Uint8Array(0))).to.equal(hex(sha256(Buffer.alloc(0))));
  });
});

async function expectRejection(promise: Promise<unknown>, code: string): Promise<void> {
  let rejected: unknown;
  await promise.catch((e: unknown) => (rejected = e));
  expect(rejected).to.be.instanceOf(StreamError);
  expect((rejected as StreamError).code).to.equal(code);
}
