/**
 * The browser implementation (sdk/stream/web): byte-for-byte agreement with the committed
 * vectors and with the Node implementation in both directions, the same tamper detection and
 * error codes, WHATWG stream behaviour (Blob input, cancellation, progress), and proof that the
 * entry point bundles for the browser platform and runs without Node globals.
 */
import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createContext, runInContext } from "node:vm";
import * as node from "../../sdk/stream/index.js";
import * as web from "../../sdk/stream/web/index.js";
import { hex, referenceMerkleRoot, sha256 } from "./helpers/reference.js";
import { collect, collectWeb, collectWebUntilError, irregularPieces, webStreamOf } from "./helpers/streams.js";

const VECTORS_PATH = new URL("../vectors/stream-v2.json", import.meta.url);
const CHUNK = 64;

interface VectorFile {
  key: node.Hex;
  fileId: node.Hex;
  noncePrefix: node.Hex;
  vectors: (Omit<node.StreamSummary, "version"> & { name: string; plaintext: node.Hex; ciphertext: node.Hex })[];
}

const bytesOf = (h: string) => Buffer.from(h.slice(2), "hex");
const summaryOf = ({ merkleRoot, size, plaintextSize, chunkCount, chunkSize }: Omit<node.StreamSummary, "version">) =>
  ({ version: 2, merkleRoot, size, plaintextSize, chunkCount, chunkSize }) satisfies node.StreamSummary;

function flipBit(bytes: Buffer, offset: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[offset]! ^= 0x01;
  return copy;
}

describe("stream format v2: browser implementation (sdk/stream/web)", () => {
  let file: VectorFile;
  before(async () => (file = JSON.parse(await readFile(VECTORS_PATH, "utf8")) as VectorFile));

  describe("committed test vectors", () => {
    it("reproduces every vector's ciphertext and summary when encrypting", async () => {
      for (const v of file.vectors) {
        const { ciphertext, result } = web.encryptStream(webStreamOf(bytesOf(v.plaintext)), bytesOf(file.key), {
          chunkSize: v.chunkSize,
          fileId: bytesOf(file.fileId),
          noncePrefix: bytesOf(file.noncePrefix),
        });
        expect(hex(await collectWeb(ciphertext)), v.name).to.equal(v.ciphertext);
        expect(await result, v.name).to.deep.equal(summaryOf(v));
      }
    });

    it("decrypts every vector's ciphertext to its plaintext and summary", async () => {
      for (const v of file.vectors) {
        const { plaintext, result } = web.decryptStream(webStreamOf(bytesOf(v.ciphertext)), bytesOf(file.key));
        expect(hex(await collectWeb(plaintext)), v.name).to.equal(v.plaintext);
        expect(await result, v.name).to.deep.equal(summaryOf(v));
      }
    });
  });

  describe("interoperability with the Node implementation", () => {
    for (const { size, chunkSize } of [
      { size: 0, chunkSize: CHUNK },
      { size: 5 * CHUNK, chunkSize: CHUNK },
      { size: 7 * CHUNK + 13, chunkSize: CHUNK },
      { size: 3 * 1024 * 1024 + 5, chunkSize: node.DEFAULT_CHUNK_SIZE },
    ]) {
      it(`Node encrypts, web decrypts: ${size} bytes in ${chunkSize}-byte chunks`, async () => {
        const key = node.generateDataKey();
        const plaintext = randomBytes(size);
        const enc = node.encryptStream(irregularPieces(plaintext), key, { chunkSize });
        const ciphertext = await collect(enc.ciphertext);
        const dec = web.decryptStream(webStreamOf(ciphertext, [1, 4096, 70_000, 33]), key);
        expect((await collectWeb(dec.plaintext)).equals(plaintext)).to.equal(true);
        expect(await dec.result).to.deep.equal(await enc.result);
      });

      it(`web encrypts, Node decrypts: ${size} bytes in ${chunkSize}-byte chunks`, async () => {
        const key = node.generateDataKey();
        const plaintext = randomBytes(size);
        const enc = web.encryptStream(webStreamOf(plaintext, [3, 100_000, 1, 65_536]), key, { chunkSize });
        const ciphertext = await collectWeb(enc.ciphertext);
        const sealed = await enc.result;
        expect(sealed).to.deep.equal({
          version: 2,
          merkleRoot: referenceMerkleRoot(ciphertext),
          size: ciphertext.length,
          plaintextSize: size,
          chunkCount: Math.max(1, Math.ceil(size / chunkSize)),
          chunkSize,
        });
        const dec = node.decryptStream(irregularPieces(ciphertext), key);
        expect((await collect(dec.plaintext)).equals(plaintext)).to.equal(true);
        expect(await dec.result).to.deep.equal(sealed);
      });
    }
  });

  describe("inputs, progress and cancellation", () => {
    it("accepts a Blob, a Uint8Array and an async iterable as well as a ReadableStream", async () => {
      const key = node.generateDataKey();
      const plaintext = randomBytes(3 * CHUNK + 1);
      const fixed = { chunkSize: CHUNK, fileId: randomBytes(16), noncePrefix: randomBytes(7) };
      const outputs: string[] = [];
      for (const source of [new Blob([plaintext]), plaintext, irregularPieces(plaintext), webStreamOf(plaintext)]) {
        outputs.push(hex(await collectWeb(web.encryptStream(source, key, fixed).ciphertext)));
      }
      expect(new Set(outputs).size).to.equal(1);
      const decrypted = await collectWeb(web.decryptStream(new Blob([bytesOf(outputs[0]!)]), key).plaintext);
      expect(decrypted.equals(plaintext)).to.equal(true);
    });

    it("reports progress after every chunk, ending at the summary's sizes", async () => {
      const key = node.generateDataKey();
      const plaintext = randomBytes(4 * CHUNK + 9);
      const encProgress: web.StreamProgress[] = [];
      const enc = web.encryptStream(plaintext, key, { chunkSize: CHUNK, onProgress: (p) => encProgress.push(p) });
      const ciphertext = await collectWeb(enc.ciphertext);
      const summary = await enc.result;
      const decProgress: web.StreamProgress[] = [];
      await collectWeb(web.decryptStream(ciphertext, key, { onProgress: (p) => decProgress.push(p) }).plaintext);

      for (const progress of [encProgress, decProgress]) {
        expect(progress).to.have.length(summary.chunkCount);
        expect(progress.map((p) => p.plaintextBytes)).to.deep.equal([64, 128, 192, 256, 265]);
        expect(progress.map((p) => p.ciphertextBytes)).to.deep.equal([115, 195, 275, 355, 380]);
        expect(progress.at(-1)).to.deep.equal({ plaintextBytes: summary.plaintextSize, ciphertextBytes: summary.size });
      }
    });

    it("cancels its source and rejects the summary with ABORTED when the reader cancels", async () => {
      const source = webStreamOf(randomBytes(64 * CHUNK), [CHUNK]);
      const { ciphertext, result } = web.encryptStream(source, node.generateDataKey(), { chunkSize: CHUNK });
      const reader = ciphertext.getReader();
      await reader.read(); // the header
      await reader.read(); // chunk 0
      await reader.cancel("user closed the tab");
      const error = await result.then(() => undefined, (e: unknown) => e);
      expect(error).to.be.instanceOf(web.StreamError);
      expect((error as web.StreamError).code).to.equal("ABORTED");
      expect(source.cancelled(), "the plaintext source must be released").to.equal(true);
    });

    it("errors the output and rejects the summary when the source errors", async () => {
      const failing = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new Uint8Array(10));
          controller.error(new Error("disk unplugged"));
        },
      });
      const { ciphertext, result } = web.encryptStream(failing, node.generateDataKey(), { chunkSize: CHUNK });
      const { error } = await collectWebUntilError(ciphertext);
      expect((error as Error).message).to.equal("disk unplugged");
      expect(await result.then(() => undefined, (e: unknown) => e)).to.equal(error);
    });

    it("throws synchronously for a data key of the wrong length", () => {
      expect(() => web.encryptStream(new Uint8Array(1), new Uint8Array(16))).to.throw(RangeError);
      expect(() => web.decryptStream(new Uint8Array(1), new Uint8Array(31))).to.throw(RangeError);
    });
  });

  describe("tamper detection, with the Node implementation's error codes", () => {
    const SEGMENT = CHUNK + node.TAG_LENGTH;
    const at = (i: number) => node.HEADER_LENGTH + i * SEGMENT;
    let key: Uint8Array;
    let plaintext: Buffer;
    let ciphertext: Buffer;
    before(async () => {
      key = node.generateDataKey();
      plaintext = randomBytes(4 * CHUNK + 10); // 4 full chunks and a 10-byte final chunk
      ciphertext = await collect(node.encryptStream(plaintext, key, { chunkSize: CHUNK }).ciphertext);
    });

    /** Decrypts with both implementations; both must fail alike and release the same good prefix. */
    async function expectBothReject(tampered: Buffer, code: web.StreamErrorCode, chunkIndex: number | undefined, goodChunks: number, withKey = key) {
      const w = web.decryptStream(webStreamOf(tampered), withKey);
      const { bytes, error } = await collectWebUntilError(w.plaintext);
      expect(error, "web decryption must fail").to.be.instanceOf(web.StreamError);
      expect((error as web.StreamError).code).to.equal(code);
      expect((error as web.StreamError).chunkIndex).to.equal(chunkIndex);
      expect(bytes.equals(plaintext.subarray(0, goodChunks * CHUNK))).to.equal(true);
      expect(await w.result.then(() => undefined, (e: unknown) => e)).to.equal(error);

      const n = node.decryptStream(tampered, withKey);
      const nodeError = await collect(n.plaintext).then(() => undefined, (e: unknown) => e);
      expect(nodeError).to.be.instanceOf((error as Error).constructor);
      expect([(nodeError as node.StreamError).code, (nodeError as node.StreamError).chunkIndex]).to.deep.equal([code, chunkIndex]);
    }

    it("opens the untampered stream, so every failure below is caused by the tampering", async () => {
      expect((await collectWeb(web.decryptStream(webStreamOf(ciphertext), key).plaintext)).equals(plaintext)).to.equal(true);
    });

    it("rejects a flipped bit in chunk 2 at chunk 2, releasing chunks 0 and 1 only", async () => {
      await expectBothReject(flipBit(ciphertext, at(2) + 5), "AUTH_FAILED", 2, 2);
    });

    it("rejects a flipped bit in the header's file id at chunk 0", async () => {
      await expectBothReject(flipBit(ciphertext, 12), "AUTH_FAILED", 0, 0);
    });

    it("rejects a flipped bit in the magic as BAD_HEADER", async () => {
      await expectBothReject(flipBit(ciphertext, 0), "BAD_HEADER", undefined, 0);
    });

    it("reports TRUNCATED when the final chunk is dropped at a chunk boundary", async () => {
      await expectBothReject(ciphertext.subarray(0, at(4)), "TRUNCATED", 3, 3);
    });

    it("reports TRUNCATED when only the header is left", async () => {
      await expectBothReject(ciphertext.subarray(0, node.HEADER_LENGTH), "TRUNCATED", 0, 0);
    });

    it("rejects a stream cut in the middle of a chunk at that chunk", async () => {
      await expectBothReject(ciphertext.subarray(0, at(1) + 30), "AUTH_FAILED", 1, 1);
    });

    it("reports TRAILING_DATA when bytes follow a full final chunk", async () => {
      const whole = await collect(node.encryptStream(plaintext.subarray(0, 2 * CHUNK), key, { chunkSize: CHUNK }).ciphertext);
      const w = web.decryptStream(Buffer.concat([whole, Buffer.from([0])]), key);
      const { bytes, error } = await collectWebUntilError(w.plaintext);
      expect([(error as web.StreamError).code, (error as web.StreamError).chunkIndex]).to.deep.equal(["TRAILING_DATA", 1]);
      expect(bytes.equals(plaintext.subarray(0, CHUNK))).to.equal(true);
    });

    it("rejects the wrong key at chunk 0, releasing nothing", async () => {
      await expectBothReject(ciphertext, "AUTH_FAILED", 0, 0, node.generateDataKey());
    });
  });

  describe("in a browser bundle", () => {
    it("bundles for the browser platform with no Node built-in, and runs without Buffer, process or require", async function () {
      this.timeout(60_000);
      const esbuild = await import("esbuild"); // ships with tsx; a browser-platform bundle fails on any node:* import
      const built = await esbuild.build({
        entryPoints: [new URL("../../sdk/stream/web/index.ts", import.meta.url).pathname],
        bundle: true,
        platform: "browser",
        format: "iife",
        globalName: "Sealshare",
        write: false,
        metafile: true,
        logLevel: "silent",
      });
      const inputs = Object.keys(built.metafile.inputs);
      expect(inputs.filter((path) => path.startsWith("node:") || /^(crypto|stream|buffer|fs)$/.test(path))).to.deep.equal([]);
      expect(inputs).to.include.members(["sdk/stream/web/encrypt.ts", "sdk/stream/web/decrypt.ts", "sdk/stream/range.ts"]);

      // A fresh realm holding only what a browser page has (WebCrypto, WHATWG streams, Blob,
      // TextEncoder): no Buffer, process, require or module.
      const v = file.vectors.find((x) => x.chunkCount === 5)!;
      const page = createContext({ crypto: globalThis.crypto, ReadableStream, Blob, TextEncoder, TextDecoder, console });
      runInContext(built.outputFiles[0]!.text, page);
      const script = `(async () => {
        const S = Sealshare;
        const read = async (stream) => { const r = stream.getReader(), parts = []; for (;;) { const { done, value } = await r.read(); if (done) break; parts.push(...value); } return Uint8Array.from(parts); };
        const key = S.fromHex(${JSON.stringify(file.key)}, 32);
        const ct = S.fromHex(${JSON.stringify(v.ciphertext)}, ${v.size});
        const dec = S.decryptStream(new Blob([ct]), key);
        const opened = S.toHex(await read(dec.plaintext));
        const summary = await dec.result;
        const fresh = S.generateDataKey();
        const enc = S.encryptStream(S.fromHex(${JSON.stringify(v.plaintext)}, ${v.plaintextSize}), fresh, { chunkSize: 64 });
        const sealed = await read(enc.ciphertext);
        const again = S.toHex(await read(S.decryptStream(sealed, fresh).plaintext));
        const { leaves } = await S.chunkDigestsOf(ct);
        const range = S.toHex(await S.decryptRange({ readAt: S.blobReadAt(new Blob([ct])), key, size: ${v.size}, merkleRoot: summary.merkleRoot, proof: S.merkleProofSource(leaves), start: 70, end: 200 }));
        return JSON.stringify({ typeofBuffer: typeof Buffer, typeofProcess: typeof process, opened, root: summary.merkleRoot, version: summary.version, again, range });
      })()`;
      const out = JSON.parse((await runInContext(script, page)) as string) as Record<string, string>;
      expect(out).to.deep.equal({
        typeofBuffer: "undefined",
        typeofProcess: "undefined",
        opened: v.plaintext,
        root: v.merkleRoot,
        version: 2,
        again: v.plaintext,
        range: hex(bytesOf(v.plaintext).subarray(70, 200)),
      });
    });
  });
});
