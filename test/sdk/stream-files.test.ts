/**
 * The file-to-file passes behind encryptFile / decryptFile (sdk/stream/file-pass.ts): jobs of
 * chunks on worker threads or inline, positional I/O, one writer. They must give exactly what the
 * streaming passes give — the same ciphertext bytes for the same header, the same summary, the
 * same errors with the same chunk index, the same progress reports — whatever the chunk size,
 * the number of chunks per job and where the jobs run. No timing is asserted (see `npm run bench`).
 */
import { expect } from "chai";
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { access, mkdir, open, readFile, rm, stat, writeFile, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import {
  decryptFile,
  decryptStream,
  DEFAULT_CHUNK_SIZE,
  encryptFile,
  encryptStream,
  fromHex,
  generateDataKey,
  HEADER_LENGTH,
  StreamError,
  TAG_LENGTH,
  type Hex,
  type StreamProgress,
  type StreamSummary,
} from "../../sdk/stream/index.js";
import { newStreamHeader } from "../../sdk/stream/encrypt-core.js";
import { JOB_CONSTANTS } from "../../sdk/stream/file-jobs.js";
import { openFile, sealFile, type FilePassOptions } from "../../sdk/stream/file-pass.js";
import { FileJobPool } from "../../sdk/stream/file-pool.js";
import { FILE_ID_LENGTH } from "../../sdk/stream/header.js";
import { referenceMerkleRoot } from "./helpers/reference.js";
import { collect, collectUntilError, tempDir } from "./helpers/streams.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const TSX = join(ROOT, "node_modules", ".bin", "tsx");
const KiB = 1024;
const MiB = 1024 * KiB;

/** Where the passes run: this thread; one worker (this thread writes, as on two cores); two workers and a writer thread. */
let pool1: FileJobPool | undefined;
let pool2: FileJobPool | undefined;
const PLACES: { name: string; runOn: () => FilePassOptions["runOn"] }[] = [
  { name: "inline", runOn: () => "inline" },
  { name: "1 worker", runOn: () => (pool1 ??= new FileJobPool(1)) },
  { name: "2 workers and a writer", runOn: () => (pool2 ??= new FileJobPool(2, { writer: true })) },
];

const bytesOf = (hex: Hex) => Buffer.from(hex.slice(2), "hex");

/** The plaintext of `size` bytes, not all one value. */
function plaintextOf(size: number): Buffer {
  const bytes = randomBytes(Math.min(size, 64 * KiB));
  const out = Buffer.allocUnsafe(size);
  for (let at = 0; at < size; at += bytes.length) bytes.copy(out, at, 0, Math.min(bytes.length, size - at));
  if (size >= 4) out.writeUInt32BE(size, 0);
  return out;
}

async function withFiles<T>(input: string, output: string, use: (i: FileHandle, o: FileHandle) => Promise<T>): Promise<T> {
  const i = await open(input, "r");
  try {
    const o = await open(output, "w");
    try {
      return await use(i, o);
    } finally {
      await o.close();
    }
  } finally {
    await i.close();
  }
}

interface Verdict {
  name: string;
  code: string;
  chunkIndex?: number;
  message: string;
}

function verdictOf(error: unknown): Verdict {
  const e = error as StreamError;
  return { name: e.name, code: e.code, chunkIndex: e.chunkIndex, message: e.message };
}

/** The streaming decoder's verdict on `ciphertext`: its summary, or its error's class, code, chunk and message. */
async function streamVerdict(ciphertext: Uint8Array, key: Uint8Array): Promise<{ summary?: StreamSummary; error?: Verdict }> {
  const dec = decryptStream(ciphertext, key);
  const { error } = await collectUntilError(dec.plaintext);
  return error === undefined ? { summary: await dec.result } : { error: verdictOf(error) };
}

describe("stream format v2: the file passes (encryptFile / decryptFile)", function () {
  this.timeout(300_000);
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => ({ dir, cleanup } = await tempDir()));
  after(async () => cleanup());

  it("repeats the format constants of header.ts in the job source", () => {
    expect(JOB_CONSTANTS.HEADER_LENGTH).to.equal(HEADER_LENGTH);
    expect(JOB_CONSTANTS.TAG_LENGTH).to.equal(TAG_LENGTH);
    expect(JOB_CONSTANTS.NONCE_PREFIX_OFFSET).to.equal(HEADER_LENGTH - 7);
    expect(JOB_CONSTANTS.NONCE_PREFIX_OFFSET).to.equal(12 + FILE_ID_LENGTH);
  });

  // Sizes around chunk and job boundaries: jobs hold 1 MiB of plaintext (one chunk at 1 MiB, 16
  // chunks at 64 KiB, 256 at 4 KiB), and chunks under 64 KiB travel as one buffer per job.
  const CASES: { chunkSize: number; sizes: number[] }[] = [
    { chunkSize: 64, sizes: [0, 1, 63, 64, 65, 300] },
    { chunkSize: 4 * KiB, sizes: [MiB - 1, MiB, MiB + 1, 3 * MiB + 4097] },
    { chunkSize: 64 * KiB, sizes: [MiB, 2 * MiB + 1] },
    { chunkSize: DEFAULT_CHUNK_SIZE, sizes: [0, 1, MiB, MiB + 1, 9 * MiB + 12_345] },
    { chunkSize: 3 * MiB + 7, sizes: [7 * MiB] },
  ];
  for (const place of PLACES) {
    describe(place.name, () => {
      for (const { chunkSize, sizes } of CASES) {
        for (const size of sizes) {
          it(`seals and opens ${size} bytes in ${chunkSize}-byte chunks exactly as the streaming passes do`, async () => {
            const key = generateDataKey();
            const header = newStreamHeader({ chunkSize });
            const plaintext = plaintextOf(size);
            const plainPath = join(dir, "p");
            const sealedPath = join(dir, "s");
            const openedPath = join(dir, "o");
            await writeFile(plainPath, plaintext);

            const progress: StreamProgress[] = [];
            const sealed = await withFiles(plainPath, sealedPath, (i, o) => sealFile(i, o, key, header, { runOn: place.runOn(), onProgress: (p) => progress.push(p) }));
            const ciphertext = await readFile(sealedPath);

            const streamProgress: StreamProgress[] = [];
            const enc = encryptStream(plaintext, key, { chunkSize, fileId: header.fileId, noncePrefix: header.noncePrefix, onProgress: (p) => streamProgress.push(p) });
            expect(ciphertext.equals(await collect(enc.ciphertext)), "ciphertext bytes").to.equal(true);
            expect(sealed).to.deep.equal(await enc.result);
            expect(progress).to.deep.equal(streamProgress);
            expect(sealed.merkleRoot).to.equal(referenceMerkleRoot(ciphertext));

            const opened = await withFiles(sealedPath, openedPath, (i, o) => openFile(i, o, key, { runOn: place.runOn() }));
            expect(opened).to.deep.equal(sealed);
            expect((await readFile(openedPath)).equals(plaintext), "plaintext bytes").to.equal(true);
          });
        }
      }
    });
  }

  describe("errors: the streaming decoder's, at the same chunk", () => {
    const CHUNK = 256 * KiB; // 4 chunks per job: failures inside and at the edges of jobs
    const SEGMENT = CHUNK + TAG_LENGTH;
    const at = (i: number) => HEADER_LENGTH + i * SEGMENT;
    let key: Uint8Array;
    let plaintext: Buffer;
    let ciphertext: Buffer;
    before(async () => {
      key = generateDataKey();
      plaintext = plaintextOf(10 * CHUNK); // 10 chunks, 3 jobs
      ciphertext = await collect(encryptStream(plaintext, key, { chunkSize: CHUNK }).ciphertext);
    });
    const flip = (bytes: Buffer, offset: number) => {
      const copy = Buffer.from(bytes);
      copy[offset]! ^= 0x01;
      return copy;
    };
    const TAMPERED: { name: string; bytes: () => Buffer; key?: () => Uint8Array }[] = [
      { name: "a bit flipped in chunk 0", bytes: () => flip(ciphertext, at(0) + 5) },
      { name: "a bit flipped in chunk 3 (last of a job)", bytes: () => flip(ciphertext, at(3) + 100) },
      { name: "a bit flipped in chunk 6's tag", bytes: () => flip(ciphertext, at(7) - 1) },
      { name: "a bit flipped in the last chunk", bytes: () => flip(ciphertext, ciphertext.length - 20) },
      { name: "the header's file id changed", bytes: () => flip(ciphertext, 14) },
      { name: "a bad magic", bytes: () => flip(ciphertext, 0) },
      { name: "a chunk size out of range", bytes: () => Buffer.concat([ciphertext.subarray(0, 8), Buffer.from([0xff, 0, 0, 0]), ciphertext.subarray(12)]) },
      { name: "only the header", bytes: () => ciphertext.subarray(0, HEADER_LENGTH) },
      { name: "shorter than a header", bytes: () => ciphertext.subarray(0, 20) },
      { name: "cut after chunk 5", bytes: () => ciphertext.subarray(0, at(6)) },
      { name: "cut after chunk 3 (a job boundary)", bytes: () => ciphertext.subarray(0, at(4)) },
      { name: "cut inside chunk 8", bytes: () => ciphertext.subarray(0, at(8) + 1000) },
      { name: "cut inside chunk 8's tag", bytes: () => ciphertext.subarray(0, at(8) + 10) },
      { name: "a byte after the final chunk", bytes: () => Buffer.concat([ciphertext, Buffer.from([0])]) },
      { name: "a whole chunk after the final chunk", bytes: () => Buffer.concat([ciphertext, ciphertext.subarray(at(2), at(3))]) },
      {
        name: "chunks 4 and 5 swapped",
        bytes: () => Buffer.concat([ciphertext.subarray(0, at(4)), ciphertext.subarray(at(5), at(6)), ciphertext.subarray(at(4), at(5)), ciphertext.subarray(at(6))]),
      },
      { name: "the wrong key", bytes: () => ciphertext, key: () => generateDataKey() },
    ];
    for (const place of PLACES) {
      for (const t of TAMPERED) {
        it(`${place.name}: ${t.name}`, async () => {
          const bytes = t.bytes();
          const k = t.key?.() ?? key;
          const expected = await streamVerdict(bytes, k);
          expect(expected.error, "the streaming decoder must fail").to.not.equal(undefined);
          const sealedPath = join(dir, "t.sealed");
          const openedPath = join(dir, "t.opened");
          await writeFile(sealedPath, bytes);
          let error: unknown;
          await withFiles(sealedPath, openedPath, (i, o) => openFile(i, o, k, { runOn: place.runOn() })).catch((e: unknown) => (error = e));
          expect(verdictOf(error)).to.deep.equal(expected.error);
          // Like the streaming decoder, nothing from the failing chunk on was written.
          const written = (await stat(openedPath)).size;
          expect(written).to.be.at.most((expected.error!.chunkIndex ?? 0) * CHUNK);
          expect((await readFile(openedPath)).equals(plaintext.subarray(0, written))).to.equal(true);
        });
      }
    }

    it("decryptFile rejects the same way and creates no output", async () => {
      const sealedPath = join(dir, "f.sealed");
      const outPath = join(dir, "f.out");
      const bytes = flip(ciphertext, at(5) + 3);
      await writeFile(sealedPath, bytes);
      let error: unknown;
      await decryptFile(sealedPath, outPath, key).catch((e: unknown) => (error = e));
      expect(verdictOf(error)).to.deep.equal((await streamVerdict(bytes, key)).error);
      let exists = true;
      await access(outPath).catch(() => (exists = false));
      expect(exists).to.equal(false);
    });
  });

  it("reproduces the committed test vectors through encryptFile and decryptFile", async () => {
    const file = JSON.parse(await readFile(new URL("../vectors/stream-v2.json", import.meta.url), "utf8")) as {
      key: Hex;
      fileId: Hex;
      noncePrefix: Hex;
      vectors: (StreamSummary & { name: string; plaintext: Hex; ciphertext: Hex })[];
    };
    const key = fromHex(file.key, 32);
    for (const v of file.vectors) {
      const plainPath = join(dir, "v.plain");
      const sealedPath = join(dir, "v.sealed");
      const openedPath = join(dir, "v.opened");
      await writeFile(plainPath, bytesOf(v.plaintext));
      const fixed = { chunkSize: v.chunkSize, fileId: fromHex(file.fileId, 16), noncePrefix: fromHex(file.noncePrefix, 7) };
      const sealed = await encryptFile(plainPath, sealedPath, key, fixed);
      expect(`0x${(await readFile(sealedPath)).toString("hex")}`, v.name).to.equal(v.ciphertext);
      const { merkleRoot, size, plaintextSize, chunkCount, chunkSize } = v;
      expect(sealed, v.name).to.deep.equal({ version: 2, merkleRoot, size, plaintextSize, chunkCount, chunkSize });
      await writeFile(sealedPath, bytesOf(v.ciphertext));
      expect(await decryptFile(sealedPath, openedPath, key), v.name).to.deep.equal(sealed);
      expect(`0x${(await readFile(openedPath)).toString("hex")}`, v.name).to.equal(v.plaintext);
    }
  });

  it("decrypts the frozen v1 vectors through decryptFile, checking the whole-stream SHA-256", async () => {
    const file = JSON.parse(await readFile(new URL("../vectors/stream-v1.json", import.meta.url), "utf8")) as {
      key: Hex;
      vectors: (Required<Omit<StreamSummary, "version">> & { name: string; plaintext: Hex; ciphertext: Hex })[];
    };
    const key = fromHex(file.key, 32);
    for (const v of file.vectors) {
      const sealedPath = join(dir, "v1.sealed");
      const openedPath = join(dir, "v1.opened");
      await writeFile(sealedPath, bytesOf(v.ciphertext));
      const { ciphertextSha256, merkleRoot, size, plaintextSize, chunkCount, chunkSize } = v;
      expect(await decryptFile(sealedPath, openedPath, key), v.name).to.deep.equal({ version: 1, merkleRoot, ciphertextSha256, size, plaintextSize, chunkCount, chunkSize });
      expect(`0x${(await readFile(openedPath)).toString("hex")}`, v.name).to.equal(v.plaintext);
    }
  });

  it("reports progress from decryptFile as decryptStream does", async () => {
    const key = generateDataKey();
    const plaintext = plaintextOf(5 * MiB + 3);
    const sealedPath = join(dir, "p.sealed");
    await writeFile(join(dir, "p.plain"), plaintext);
    await encryptFile(join(dir, "p.plain"), sealedPath, key);
    const fromFile: StreamProgress[] = [];
    await decryptFile(sealedPath, join(dir, "p.opened"), key, { onProgress: (p) => fromFile.push(p) });
    const fromStream: StreamProgress[] = [];
    await collect(decryptStream(await readFile(sealedPath), key, { onProgress: (p) => fromStream.push(p) }).plaintext);
    expect(fromFile).to.deep.equal(fromStream);
    expect(fromFile).to.have.length(6);
  });

  it("fails, instead of encrypting a mix, when the input file changes size during the pass", async () => {
    const plainPath = join(dir, "c.plain");
    await writeFile(plainPath, plaintextOf(3 * MiB));
    for (const place of PLACES) {
      for (const [lie, message] of [
        [+5, /got shorter/],
        [-5, /grew/],
      ] as const) {
        const input = await open(plainPath, "r");
        const output = await open(join(dir, "c.sealed"), "w");
        // The file's size as the pass sees it at the start, off by `lie`: as if it changed later.
        const realStat = input.stat.bind(input);
        const lying = Object.assign(Object.create(input) as FileHandle, {
          stat: async () => {
            const s = await realStat();
            return Object.assign(s, { size: s.size + lie });
          },
        });
        let error: unknown;
        try {
          await sealFile(lying, output, generateDataKey(), newStreamHeader(), { runOn: place.runOn() }).catch((e: unknown) => (error = e));
        } finally {
          await output.close();
          await input.close();
        }
        expect(String(error), `${place.name}, size off by ${lie}`).to.match(message);
      }
    }
  });

  it("reports an error writing the output (and does not hang)", async () => {
    const plainPath = join(dir, "w.plain");
    await writeFile(plainPath, plaintextOf(3 * MiB));
    await writeFile(join(dir, "w.sealed"), "");
    for (const place of PLACES) {
      const input = await open(plainPath, "r");
      const readOnly = await open(join(dir, "w.sealed"), "r"); // every write fails with EBADF
      let error: unknown;
      try {
        await sealFile(input, readOnly, generateDataKey(), newStreamHeader(), { runOn: place.runOn() }).catch((e: unknown) => (error = e));
      } finally {
        await readOnly.close();
        await input.close();
      }
      expect((error as { code?: string }).code, place.name).to.equal("EBADF");
    }
  });

  it("encrypts and decrypts what is not a regular file (a FIFO) through the streaming passes", async function () {
    if (process.platform === "win32") this.skip();
    const fifo = join(dir, "fifo");
    await promisify(execFile)("mkfifo", [fifo]);
    const key = generateDataKey();
    const plaintext = plaintextOf(2 * MiB + 5);
    const writer = (async () => {
      const h = await open(fifo, "w");
      await h.writeFile(plaintext);
      await h.close();
    })();
    const sealed = await encryptFile(fifo, join(dir, "fifo.sealed"), key);
    await writer;
    expect(sealed.plaintextSize).to.equal(plaintext.length);
    await decryptFile(join(dir, "fifo.sealed"), join(dir, "fifo.opened"), key);
    expect((await readFile(join(dir, "fifo.opened"))).equals(plaintext)).to.equal(true);
    await rm(fifo);
  });

  it("leaves a process free to exit when it is done (idle workers hold nothing open)", async () => {
    const plainPath = join(dir, "x.plain");
    await writeFile(plainPath, plaintextOf(3 * MiB));
    const script = join(dir, "exit-check.mts");
    await writeFile(
      script,
      `import { encryptFile, decryptFile, generateDataKey } from ${JSON.stringify(join(ROOT, "sdk/stream/index.ts"))};
       const key = generateDataKey();
       await encryptFile(${JSON.stringify(plainPath)}, ${JSON.stringify(join(dir, "x.sealed"))}, key);
       await decryptFile(${JSON.stringify(join(dir, "x.sealed"))}, ${JSON.stringify(join(dir, "x.opened"))}, key);
       console.log("done");`,
    );
    // A process that stays alive is killed at the timeout: the promise then rejects.
    const { stdout } = await promisify(execFile)(TSX, [script], { cwd: ROOT, timeout: 120_000, env: { ...process.env, NODE_NO_WARNINGS: "1" } });
    expect(stdout.trim()).to.equal("done");
    expect((await readFile(join(dir, "x.opened"))).equals(await readFile(plainPath))).to.equal(true);
  });

  describe("memory does not grow with the file (fresh processes, bench/stream-child.ts)", () => {
    let mdir: string;
    before(async () => {
      mdir = join(dir, "memory");
      await mkdir(mdir);
    });

    async function peakRss(mode: "encrypt" | "decrypt", input: string, output: string, keyHex: string): Promise<number> {
      const { stdout } = await promisify(execFile)(TSX, [join(ROOT, "bench", "stream-child.ts"), mode, input, output, keyHex], {
        cwd: ROOT,
        env: { ...process.env, NODE_NO_WARNINGS: "1" },
      });
      return (JSON.parse(stdout.trim().split("\n").pop()!) as { maxRssMiB: number }).maxRssMiB;
    }

    it("encryptFile: peak RSS for 256 MiB is within 48 MiB of the peak for 16 MiB", async () => {
      const keyHex = Buffer.from(generateDataKey()).toString("hex");
      const peaks: number[] = [];
      for (const mib of [16, 256]) {
        const plainPath = join(mdir, `plain-${mib}`);
        const h = await open(plainPath, "w");
        const piece = randomBytes(MiB);
        for (let i = 0; i < mib; i++) await h.write(piece);
        await h.close();
        peaks.push(await peakRss("encrypt", plainPath, `${plainPath}.sealed`, keyHex));
        await rm(plainPath);
        await rm(`${plainPath}.sealed`);
      }
      console.log(`      peak RSS: 16 MiB → ${peaks[0]!.toFixed(0)} MiB, 256 MiB → ${peaks[1]!.toFixed(0)} MiB`);
      expect(peaks[1]! - peaks[0]!, `peak RSS grew from ${peaks[0]!.toFixed(0)} MiB to ${peaks[1]!.toFixed(0)} MiB`).to.be.below(48);
    });
  });
});
