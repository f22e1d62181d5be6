/**
 * The two chunk ciphers of the stream format — chunk.ts (WebCrypto: browsers and the streaming
 * passes) and chunk-node.ts (node:crypto: the file passes) — seal the same bytes, open each
 * other's segments, and take their nonce, AAD and key label from chunk-format.ts; the file-pass
 * worker thread (chunk-worker.ts, a module, not a source string) runs the same job code.
 */
import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { closeSync, mkdirSync, openSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createChunkCipher } from "../../sdk/stream/chunk.js";
import { chunkNonce, chunkNonceOf } from "../../sdk/stream/chunk-format.js";
import { chunkKeyBytes, openChunk, sealChunk } from "../../sdk/stream/chunk-node.js";
import { runJob, type SealJob, type SealReply } from "../../sdk/stream/file-jobs.js";
import { FileJobPool } from "../../sdk/stream/file-pool.js";
import { encodeHeader } from "../../sdk/stream/header.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("stream chunk ciphers: one format, two runtimes", () => {
  const dek = new Uint8Array(randomBytes(32));
  const header = encodeHeader({ chunkSize: 64, fileId: new Uint8Array(randomBytes(16)), noncePrefix: new Uint8Array(randomBytes(7)) });
  const key = chunkKeyBytes(dek, header.fileId);

  it("derives a chunk's nonce from the header bytes exactly as from the decoded nonce prefix", () => {
    for (const [i, last] of [[0, false], [7, true], [0xffff_ffff, false]] as const) {
      expect(hex(chunkNonceOf(header.bytes, i, last))).to.equal(hex(chunkNonce(header.noncePrefix, i, last)));
    }
  });

  it("seals every chunk to the same segment with node:crypto as with WebCrypto, and each opens the other's", async () => {
    const web = await createChunkCipher(dek, header);
    for (const [i, last] of [[0, false], [1, false], [2, true], [2, false]] as const) {
      const plaintext = new Uint8Array(randomBytes(i === 2 ? 17 : 64));
      const fromWeb = await web.seal(i, last, plaintext);
      const sealed = sealChunk(key, header.bytes, i, last, plaintext);
      expect(hex(Buffer.concat([sealed.ciphertext, sealed.tag]))).to.equal(hex(fromWeb));
      expect(hex(openChunk(key, header.bytes, i, last, fromWeb))).to.equal(hex(plaintext));
      expect(hex(await web.open(i, last, Buffer.concat([sealed.ciphertext, sealed.tag])))).to.equal(hex(plaintext));
      expect(() => openChunk(key, header.bytes, i, !last, fromWeb)).to.throw();
    }
  });

  it("runs a seal job on a worker thread (chunk-worker.ts) with the same result as on this thread", async function () {
    this.timeout(30_000);
    const dir = join(tmpdir(), `sealshare-chunk-worker-${process.pid}`);
    const path = join(dir, "plain");
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const plain = new Uint8Array(randomBytes(64 * 3 + 5));
    writeFileSync(path, plain);
    const fd = openSync(path, "r");
    const pool = new FileJobPool(1);
    try {
      const job: SealJob = { op: "seal", key, header: header.bytes, chunkSize: 64, first: 0, count: 4, lastIndex: 3, inFd: fd, position: 0, length: plain.byteLength };
      const inline = runJob(job).reply as SealReply;
      const threaded = (await pool.run(job)) as SealReply;
      expect(hex(threaded.leaves)).to.equal(hex(inline.leaves));
      expect(hex(Buffer.concat(threaded.pieces))).to.equal(hex(Buffer.concat(inline.pieces)));
      expect(pool.online("seal")).to.equal(true);
    } finally {
      closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
