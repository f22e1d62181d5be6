/**
 * decryptFile's memory must not grow with the file (benchmark finding: peak RSS grew ~1 MiB per
 * MiB of ciphertext). Cause: files are read in 1 MiB pieces while a segment is 1 MiB + 16 B, so
 * every read straddles two pieces, the reader's queue never empties, and consumed pieces stayed
 * referenced until the queue was compacted every 1,024 pieces.
 *
 * Two checks, neither timing-based:
 *  - structural: after a read has consumed a piece, the reader holds no reference to it (a
 *    WeakRef to each piece is empty after a full garbage collection);
 *  - end to end: bench/stream-child.ts decrypts a 32 MiB and a 256 MiB file in fresh processes;
 *    their peak RSS differ by far less than the 224 MiB between the sizes (the bug made it ~220).
 */
import { expect } from "chai";
import { execFile } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { promisify } from "node:util";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { fileURLToPath } from "node:url";
import { ByteReader } from "../../sdk/stream/byte-reader.js";
import { encryptStream, generateDataKey, segmentLength, DEFAULT_CHUNK_SIZE } from "../../sdk/stream/index.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const MiB = 1024 * 1024;

/** A full, synchronous garbage collection (the flag can be set at run time; `gc` then exists in a fresh context). */
function fullGc(): void {
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
}

describe("stream decryption memory is flat in the file size", function () {
  this.timeout(300_000);

  it("the byte reader drops each source piece once a read has consumed it (reads straddling pieces)", async () => {
    const pieces: WeakRef<Uint8Array>[] = [];
    async function* oneMiBPieces(): AsyncGenerator<Uint8Array> {
      for (let i = 0; ; i++) {
        const piece = new Uint8Array(MiB);
        pieces.push(new WeakRef(piece));
        yield piece;
      }
    }
    const reader = new ByteReader(oneMiBPieces());
    const segment = segmentLength(DEFAULT_CHUNK_SIZE); // 1 MiB + 16: never aligned with the pieces
    const READS = 32;
    // Mid-stream, as in a long file: the reader's queue always holds a partly read piece.
    for (let i = 0; i < READS; i++) expect((await reader.read(segment)).byteLength).to.equal(segment);

    // WeakRef targets are kept alive until the current job ends: collect on a later turn.
    await new Promise((r) => setImmediate(r));
    fullGc();
    const alive = pieces.filter((ref) => ref.deref() !== undefined).length;
    // Only the piece the last read ended in may still be referenced.
    expect(alive, `${alive} of ${pieces.length} source pieces (1 MiB each) are still referenced after ${READS} reads`).to.be.at.most(1);
    await reader.close();
  });

  describe("decryptFile in a fresh process (bench/stream-child.ts)", () => {
    let dir: string;
    const key = generateDataKey();
    const keyHex = Buffer.from(key).toString("hex");

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), "sealshare-stream-memory-"));
    });
    after(async () => {
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    /** Writes a ciphertext of `sizeMiB` MiB of generated plaintext (no plaintext file needed). */
    async function sealedFile(sizeMiB: number): Promise<string> {
      const path = join(dir, `sealed-${sizeMiB}MiB`);
      function* plaintext(): Generator<Uint8Array> {
        for (let i = 0; i < sizeMiB; i++) {
          const piece = Buffer.alloc(MiB, i & 0xff);
          piece.writeUInt32BE(i, 0);
          yield piece;
        }
      }
      const { ciphertext, result } = encryptStream(plaintext(), key);
      await pipeline(ciphertext, createWriteStream(path));
      await result;
      return path;
    }

    async function peakRssOfDecrypt(path: string): Promise<number> {
      const out = `${path}.plain`;
      const { stdout } = await promisify(execFile)(join(ROOT, "node_modules", ".bin", "tsx"), [join(ROOT, "bench", "stream-child.ts"), "decrypt", path, out, keyHex], {
        cwd: ROOT,
        env: { ...process.env, NODE_NO_WARNINGS: "1" },
      });
      await rm(out, { force: true });
      return (JSON.parse(stdout.trim().split("\n").pop()!) as { maxRssMiB: number }).maxRssMiB;
    }

    it("peak RSS for 256 MiB is within 64 MiB of the peak for 32 MiB", async () => {
      const small = await peakRssOfDecrypt(await sealedFile(32));
      const large = await peakRssOfDecrypt(await sealedFile(256));
      console.log(`      peak RSS: 32 MiB → ${small.toFixed(0)} MiB, 256 MiB → ${large.toFixed(0)} MiB`);
      expect(large - small, `peak RSS grew from ${small.toFixed(0)} MiB to ${large.toFixed(0)} MiB`).to.be.below(64);
    });
  });
});
