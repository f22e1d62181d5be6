/**
 * Constant memory on files far larger than the memory bound: plaintext generated on the fly
 * (deterministic 1 MiB pieces, never stored) is encrypted and piped straight into the decryptor,
 * with nothing written to disk, while memory is sampled. The plaintext's SHA-256 must round-trip
 * and memory (RSS, and bytes in ArrayBuffers) must grow by less than MEMORY_BOUND over the run.
 *
 * Default sizes keep the file well under a minute on a 2-core machine; SEALSHARE_BIG=1 runs
 * 4 GiB through the Node implementation and 1 GiB through the browser one. No timing is asserted
 * (throughput is for benchmarks), only memory.
 */
import { expect } from "chai";
import { createHash, type Hash } from "node:crypto";
import { PassThrough } from "node:stream";
import { pipeline } from "node:stream/promises";
import * as node from "../../sdk/stream/index.js";
import * as web from "../../sdk/stream/web/index.js";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const BIG = process.env.SEALSHARE_BIG === "1";
const NODE_SIZE = BIG ? 4 * GiB : 1 * GiB;
const WEB_SIZE = BIG ? 1 * GiB : 320 * MiB;
const MEMORY_BOUND = 200 * MiB;

/**
 * Yields `total` bytes in fresh 1 MiB pieces (the reader may keep views of them), each a fixed
 * pattern stamped with its index so no two pieces are equal, hashing them as they go out.
 */
function* generatedPlaintext(total: number, hash: Hash): Generator<Uint8Array> {
  const pattern = Buffer.alloc(MiB);
  for (let i = 0; i < MiB; i++) pattern[i] = (i * 131 + 17) & 0xff;
  for (let at = 0, index = 0; at < total; at += MiB, index++) {
    const piece = Buffer.allocUnsafe(Math.min(MiB, total - at));
    pattern.copy(piece, 0, 0, piece.length);
    piece.writeUInt32BE(index, 0);
    hash.update(piece);
    yield piece;
  }
}

/**
 * Samples memory on a timer and whenever `sample()` is called (after every chunk). Two figures:
 * RSS, what the operating system sees; and `arrayBuffers`, the bytes held in live (or not yet
 * collected) ArrayBuffers — where plaintext and ciphertext would pile up if anything buffered.
 * The second does not depend on what an earlier test left mapped in the process, which RSS does.
 */
class MemoryMonitor {
  readonly #base = process.memoryUsage();
  #rss = this.#base.rss;
  #arrayBuffers = this.#base.arrayBuffers;
  readonly #timer = setInterval(() => this.sample(), 20);

  sample(): void {
    const now = process.memoryUsage();
    this.#rss = Math.max(this.#rss, now.rss);
    this.#arrayBuffers = Math.max(this.#arrayBuffers, now.arrayBuffers);
  }

  /** Stops sampling; returns the peak growth over the baseline, in bytes. */
  stop(): { rss: number; arrayBuffers: number } {
    clearInterval(this.#timer);
    this.sample();
    return { rss: this.#rss - this.#base.rss, arrayBuffers: this.#arrayBuffers - this.#base.arrayBuffers };
  }
}

function report(what: string, size: number, growth: { rss: number; arrayBuffers: number }, started: number): void {
  const seconds = (performance.now() - started) / 1000;
  const mib = (n: number) => (n / MiB).toFixed(0);
  console.log(`      ${what}: ${mib(size)} MiB; peak growth: RSS ${mib(growth.rss)} MiB, ArrayBuffers ${mib(growth.arrayBuffers)} MiB; ${seconds.toFixed(1)} s`);
}

describe("stream format v2: constant memory on multi-GiB streams generated on the fly", function () {
  this.timeout(BIG ? 900_000 : 180_000);

  it(`Node: encrypts and decrypts ${NODE_SIZE / GiB} GiB through a pipe with memory growth under ${MEMORY_BOUND / MiB} MiB`, async () => {
    const started = performance.now();
    const key = node.generateDataKey();
    const sent = createHash("sha256");
    const received = createHash("sha256");
    const memory = new MemoryMonitor();

    const enc = node.encryptStream(generatedPlaintext(NODE_SIZE, sent), key);
    const pipe = new PassThrough({ highWaterMark: MiB });
    const dec = node.decryptStream(pipe, key, { onProgress: () => memory.sample() });
    await Promise.all([
      pipeline(enc.ciphertext, pipe),
      (async () => {
        for await (const piece of dec.plaintext) received.update(piece as Uint8Array);
      })(),
    ]);
    const [sealed, opened] = await Promise.all([enc.result, dec.result]);
    const growth = memory.stop();
    report("Node", NODE_SIZE, growth, started);

    expect(received.digest("hex")).to.equal(sent.digest("hex"));
    expect(opened).to.deep.equal(sealed);
    expect(sealed.plaintextSize).to.equal(NODE_SIZE);
    expect(sealed.chunkCount).to.equal(NODE_SIZE / node.DEFAULT_CHUNK_SIZE);
    expect(growth.rss).to.be.below(MEMORY_BOUND);
    expect(growth.arrayBuffers).to.be.below(MEMORY_BOUND);
  });

  it(`browser implementation: ${WEB_SIZE / MiB} MiB through WHATWG streams with memory growth under ${MEMORY_BOUND / MiB} MiB`, async () => {
    const started = performance.now();
    const key = web.generateDataKey();
    const sent = createHash("sha256");
    const received = createHash("sha256");
    const memory = new MemoryMonitor();

    const enc = web.encryptStream(generatedPlaintext(WEB_SIZE, sent), key);
    const dec = web.decryptStream(enc.ciphertext, key, { onProgress: () => memory.sample() });
    const reader = dec.plaintext.getReader();
    for (let step = await reader.read(); step.done !== true; step = await reader.read()) received.update(step.value);
    const [sealed, opened] = await Promise.all([enc.result, dec.result]);
    const growth = memory.stop();
    report("web", WEB_SIZE, growth, started);

    expect(received.digest("hex")).to.equal(sent.digest("hex"));
    expect(opened).to.deep.equal(sealed);
    expect(sealed.plaintextSize).to.equal(WEB_SIZE);
    expect(growth.rss).to.be.below(MEMORY_BOUND);
    expect(growth.arrayBuffers).to.be.below(MEMORY_BOUND);
  });
});
