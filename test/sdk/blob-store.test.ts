import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import {
  blobUri,
  BlobIntegrityError,
  BlobNotFoundError,
  BlobUriError,
  fetchVerified,
  LocalBlobStore,
  parseBlobUri,
  writeFileAtomically,
} from "../../sdk/blob/index.js";
import { encryptStream, generateDataKey, StreamFormatError } from "../../sdk/stream/index.js";
import { hex, referenceMerkleRoot, sha256 } from "./helpers/reference.js";
import { collect, collectUntilError, irregularPieces, tempDir } from "./helpers/streams.js";

/** All files under `dir`, as paths relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1)).sort();
}

describe("LocalBlobStore", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let store: LocalBlobStore;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    store = new LocalBlobStore(join(dir, "store"));
  });
  afterEach(async () => cleanup());

  it("stores a file and streams the same bytes back under blob://sha256/<hash>", async () => {
    const bytes = randomBytes(3 * 1024 * 1024 + 5);
    const source = join(dir, "ciphertext.bin");
    await writeFile(source, bytes);
    const put = await store.put(source);
    expect(put).to.deep.equal({ uri: `blob://sha256/${sha256(bytes).toString("hex")}`, scheme: "sha256", digest: hex(sha256(bytes)), size: bytes.length, created: true });
    expect((await collect(store.get(put.uri))).equals(bytes)).to.equal(true);
    expect(await store.has(put.uri)).to.equal(true);
    expect((await readFile(store.path(put.uri))).equals(bytes)).to.equal(true);
  });

  it("stores bytes from a Readable and from an iterable of chunks", async () => {
    const bytes = randomBytes(1000);
    const fromReadable = await store.put(Readable.from([bytes.subarray(0, 10), bytes.subarray(10)]));
    const fromIterable = await store.put(irregularPieces(bytes));
    expect(fromReadable.digest).to.equal(hex(sha256(bytes)));
    expect(fromIterable).to.deep.equal({ ...fromReadable, created: false }); // the same bytes: stored once
  });

  it("gives the same content the same URI and keeps a single copy", async () => {
    const bytes = randomBytes(5000);
    const first = await store.put(Readable.from([bytes]));
    const second = await store.put(Readable.from([bytes]));
    const other = await store.put(Readable.from([randomBytes(5000)]));
    const { created: firstCreated, ...firstFacts } = first;
    const { created: secondCreated, ...secondFacts } = second;
    expect(secondFacts).to.deep.equal(firstFacts);
    expect([firstCreated, secondCreated], "only the first put added the blob").to.deep.equal([true, false]);
    expect(other.uri).to.not.equal(first.uri);
    const hexName = first.digest.slice(2);
    expect((await filesUnder(join(dir, "store"))).filter((f) => f.endsWith(hexName))).to.deep.equal([join("sha256", hexName.slice(0, 2), hexName)]);
  });

  it("removes a blob it holds (and a missing one without error), leaving the others", async () => {
    const gone = await store.put(Readable.from([randomBytes(300)]));
    const kept = await store.put(Readable.from([randomBytes(300)]));
    await store.remove(gone.uri);
    await store.remove(gone.uri);
    expect([await store.has(gone.uri), await store.has(kept.uri)]).to.deep.equal([false, true]);
    expect((await store.put(Readable.from([await collect(store.get(kept.uri))]))).created).to.equal(false);
  });

  it("stores the empty blob", async () => {
    const put = await store.put(Readable.from([]));
    expect(put).to.deep.equal({ uri: blobUri(hex(sha256()), "sha256"), scheme: "sha256", digest: hex(sha256()), size: 0, created: true });
    expect(await collect(store.get(put.uri))).to.have.length(0);
  });

  it("shows nothing under the blob's name until the whole blob is written", async () => {
    const bytes = randomBytes(4096);
    const uri = blobUri(hex(sha256(bytes)), "sha256");
    let seenWhileWriting: string[] = [];
    async function* slowSource(): AsyncGenerator<Uint8Array> {
      yield bytes.subarray(0, 2048);
      // Wait until the first half has reached the disk, then look at what a reader could see.
      for (let i = 0; i < 100 && seenWhileWriting.length === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        seenWhileWriting = await filesUnder(join(dir, "store"));
      }
      expect(await store.has(uri)).to.equal(false);
      yield bytes.subarray(2048);
    }
    await store.put(slowSource());
    expect(seenWhileWriting).to.have.length(1);
    expect(seenWhileWriting[0]).to.match(/^tmp\/\.put\.[0-9a-f]+\.partial$/);
    expect(await store.has(uri)).to.equal(true);
    expect(await filesUnder(join(dir, "store"))).to.deep.equal([join("sha256", uri.slice(14, 16), uri.slice(14))]);
  });

  it("leaves no blob and no partial file behind when the source fails mid-way", async () => {
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield randomBytes(1000);
      throw new Error("connection reset");
    }
    let error: unknown;
    await store.put(failing()).catch((e: unknown) => (error = e));
    expect((error as Error).message).to.equal("connection reset");
    expect(await filesUnder(join(dir, "store"))).to.deep.equal([]);
  });

  it("reports a missing blob as BlobNotFoundError, on get and on has", async () => {
    const uri = blobUri(hex(sha256(Buffer.from("never stored"))), "sha256");
    expect(await store.has(uri)).to.equal(false);
    const { error } = await collectUntilError(store.get(uri));
    expect(error).to.be.instanceOf(BlobNotFoundError);
    expect((error as BlobNotFoundError).uri).to.equal(uri);
  });

  it("refuses malformed URIs, including non-canonical upper-case hashes", () => {
    const upper = `blob://sha256/${"AB".repeat(32)}`;
    for (const bad of ["file:///etc/passwd", "blob://sha256/abc", upper, `blob://sha256/${"ab".repeat(32)}/../x`]) {
      expect(() => store.get(bad), bad).to.throw(BlobUriError);
      expect(() => parseBlobUri(bad), bad).to.throw(BlobUriError);
    }
    expect(parseBlobUri(blobUri(`0x${"AB".repeat(32)}`))).to.deep.equal({ scheme: "merkle", digest: `0x${"ab".repeat(32)}` });
    expect(parseBlobUri(blobUri(`0x${"AB".repeat(32)}`, "sha256"))).to.deep.equal({ scheme: "sha256", digest: `0x${"ab".repeat(32)}` });
    expect(() => parseBlobUri(`blob://md5/${"ab".repeat(32)}`)).to.throw(BlobUriError);
  });
});

describe("LocalBlobStore: streams are named by their Merkle root", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let store: LocalBlobStore;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    store = new LocalBlobStore(join(dir, "store"));
  });
  afterEach(async () => cleanup());

  it("names a version-2 stream blob://merkle/<root>, the root its encryptor reported, in pieces of any size", async () => {
    const key = generateDataKey();
    const { ciphertext, result } = encryptStream(randomBytes(3 * 4096 + 100), key, { chunkSize: 4096 });
    const bytes = await collect(ciphertext);
    const summary = await result;
    const put = await store.put(irregularPieces(bytes));
    expect(put).to.deep.equal({ uri: `blob://merkle/${summary.merkleRoot.slice(2)}`, scheme: "merkle", digest: summary.merkleRoot, size: summary.size, created: true });
    expect(summary.merkleRoot).to.equal(referenceMerkleRoot(bytes));
    expect(await filesUnder(join(dir, "store"))).to.deep.equal([join("merkle", summary.merkleRoot.slice(2, 4), summary.merkleRoot.slice(2))]);
    expect((await collect(store.get(put.uri))).equals(bytes)).to.equal(true);
  });

  it("names a version-1 stream by its SHA-256, as before format v2", async () => {
    const v1 = Buffer.from(JSON.parse(await readFile(new URL("../vectors/stream-v1.json", import.meta.url), "utf8")).vectors[6].ciphertext.slice(2), "hex");
    const put = await store.put(Readable.from([v1]));
    expect(put).to.deep.equal({ uri: blobUri(hex(sha256(v1)), "sha256"), scheme: "sha256", digest: hex(sha256(v1)), size: v1.length, created: true });
  });

  it("refuses, and keeps nothing of, a v2 stream cut inside its last tag (it has no root)", async () => {
    const { ciphertext } = encryptStream(randomBytes(5000), generateDataKey(), { chunkSize: 4096 });
    const bytes = await collect(ciphertext);
    let error: unknown;
    await store.put(Readable.from([bytes.subarray(0, bytes.length - (5000 - 4096) - 10)])).catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(StreamFormatError);
    expect((error as StreamFormatError).code).to.equal("BAD_HEADER");
    expect(await filesUnder(join(dir, "store"))).to.deep.equal([]);
  });

  it("fetchVerified checks a merkle blob against the registered root, and catches a corrupted copy", async () => {
    const { ciphertext, result } = encryptStream(randomBytes(10_000), generateDataKey(), { chunkSize: 1024 });
    const bytes = await collect(ciphertext);
    const { merkleRoot } = await result;
    const { uri } = await store.put(Readable.from([bytes]));
    const scratch = join(dir, "scratch");
    await mkdir(scratch);
    const blob = await fetchVerified(store, uri, merkleRoot, { dir: scratch, expectedSize: bytes.length });
    expect([blob.scheme, blob.digest, blob.size]).to.deep.equal(["merkle", merkleRoot, bytes.length]);
    await blob.remove();

    const corrupted = Buffer.from(bytes);
    corrupted[5000]! ^= 0x01;
    await writeFile(store.path(uri), corrupted);
    let error: unknown;
    await fetchVerified(store, uri, merkleRoot, { dir: scratch }).catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(BlobIntegrityError);
    expect([(error as BlobIntegrityError).expected, (error as BlobIntegrityError).actual, (error as BlobIntegrityError).scheme]).to.deep.equal([merkleRoot, referenceMerkleRoot(corrupted), "merkle"]);

    await writeFile(store.path(uri), randomBytes(100)); // not a stream at all: no root
    error = undefined;
    await fetchVerified(store, uri, merkleRoot, { dir: scratch }).catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(BlobIntegrityError);
    expect((error as BlobIntegrityError).actual).to.equal(undefined);
    expect(await readdir(scratch)).to.deep.equal([]);
  });
});

describe("fetchVerified", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let store: LocalBlobStore;
  let scratch: string;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    store = new LocalBlobStore(join(dir, "store"));
    scratch = join(dir, "scratch");
    await mkdir(scratch);
  });
  afterEach(async () => cleanup());

  it("returns a private copy whose bytes hash to the expected value", async () => {
    const bytes = randomBytes(100_000);
    const { uri, digest } = await store.put(Readable.from([bytes]));
    const blob = await fetchVerified(store, uri, digest, { dir: scratch });
    expect(blob.digest).to.equal(digest);
    expect(blob.size).to.equal(bytes.length);
    expect((await readFile(blob.path)).equals(bytes)).to.equal(true);
    expect((await collect(blob.open())).equals(bytes)).to.equal(true);
    await blob.remove();
    expect(await readdir(scratch)).to.deep.equal([]);
  });

  it("throws BlobIntegrityError and keeps nothing when the hash differs from the expected one", async () => {
    const { uri } = await store.put(Readable.from([randomBytes(1000)]));
    const expected = hex(sha256(Buffer.from("what the chain says")));
    let error: unknown;
    await fetchVerified(store, uri, expected, { dir: scratch }).catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(BlobIntegrityError);
    expect((error as BlobIntegrityError).expected).to.equal(expected);
    expect((error as BlobIntegrityError).actual).to.equal(parseBlobUri(uri).digest);
    expect(await readdir(scratch)).to.deep.equal([]);
  });

  it("catches a store whose copy was corrupted after it was stored", async () => {
    const bytes = randomBytes(1000);
    const { uri, digest } = await store.put(Readable.from([bytes]));
    const corrupted = Buffer.from(bytes);
    corrupted[500]! ^= 0x80;
    await writeFile(store.path(uri), corrupted);
    let error: unknown;
    await fetchVerified(store, uri, digest, { dir: scratch }).catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(BlobIntegrityError);
    expect((error as BlobIntegrityError).actual).to.equal(hex(sha256(corrupted)));
  });

  it("passes BlobNotFoundError through and keeps nothing", async () => {
    let error: unknown;
    await fetchVerified(store, blobUri(hex(sha256(Buffer.from("x"))), "sha256"), hex(sha256(Buffer.from("x"))), { dir: scratch }).catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(BlobNotFoundError);
    expect(await readdir(scratch)).to.deep.equal([]);
  });
});

describe("writeFileAtomically", () => {
  it("leaves the destination untouched and removes its temporary file when the writer fails", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const dest = join(dir, "out.bin");
      await writeFile(dest, "old");
      let error: unknown;
      await writeFileAtomically(dest, async (tempPath) => {
        await writeFile(tempPath, "half of the new conte");
        throw new Error("crashed mid-write");
      }).catch((e: unknown) => (error = e));
      expect((error as Error).message).to.equal("crashed mid-write");
      expect(await readFile(dest, "utf8")).to.equal("old");
      expect(await readdir(dir)).to.deep.equal(["out.bin"]);
    } finally {
      await cleanup();
    }
  });
});
