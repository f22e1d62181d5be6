/**
 * Checks the implementation against the committed test vectors in test/vectors/stream-v2.json
 * (what encoders write) and test/vectors/stream-v1.json (the previous version, which decoders
 * still read), which other implementations (the browser client, auditors' tools) can use too.
 *
 * To regenerate the v2 file after an intentional format change — which also needs a new version
 * byte — run with SEALSHARE_WRITE_VECTORS=1. The independent reference encoder and decoder below
 * are what keep regenerated vectors honest. The v1 file is frozen: nothing writes v1 any more.
 */
import { expect } from "chai";
import { readFile, writeFile } from "node:fs/promises";
import {
  chunkDigestsOf,
  decryptStream,
  encryptStream,
  fromHex,
  keyCommitment,
  DEK_COMMITMENT_TAG,
  StreamRootHasher,
  toHex,
  type Hex,
  type StreamSummary,
} from "../../sdk/stream/index.js";
import { hex, referenceDecrypt, referenceEncrypt, referenceLeaves, referenceMerkleRoot, rfc9162Root, sha256, splitSegments } from "./helpers/reference.js";
import { collect } from "./helpers/streams.js";
import { nodeSha256 } from "../../sdk/blob/content-hash.js";

const VECTORS_PATH = new URL("../vectors/stream-v2.json", import.meta.url);
const V1_VECTORS_PATH = new URL("../vectors/stream-v1.json", import.meta.url);

interface Vector extends Omit<StreamSummary, "version"> {
  name: string;
  plaintext: Hex;
  ciphertext: Hex;
  chunkDigests: Hex[];
  keyCommitment: Hex;
}

interface VectorFile {
  format: string;
  description: string;
  key: Hex;
  fileId: Hex;
  noncePrefix: Hex;
  /** The slot every vector's `keyCommitment` (v2, docs/FORMAT.md §11) is made for, with its own Merkle root. */
  commitment: { tag: string; chainId: string; ledger: string; datasetId: string; version: number };
  vectors: Vector[];
}

const COMMITMENT_SLOT = { chainId: "31337", ledger: "0x5FbDB2315678afecb367f032d93F642f64180aa3", datasetId: "1", version: 1 };

// Fixed inputs. The plaintexts cover: empty, shorter than, equal to and one over a chunk, a whole
// number of chunks (no empty trailing chunk), and 5 chunks (a Merkle node gets promoted).
const KEY = fromHex(`0x${"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"}`, 32);
const FILE_ID = fromHex("0xa0a1a2a3a4a5a6a7a8a9aaabacadaeaf", 16);
const NONCE_PREFIX = fromHex("0xb0b1b2b3b4b5b6", 7);
const pattern = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff));
const CASES: { name: string; chunkSize: number; plaintext: Buffer }[] = [
  { name: "empty", chunkSize: 64, plaintext: Buffer.alloc(0) },
  { name: "one byte", chunkSize: 64, plaintext: Buffer.from("S") },
  { name: "one byte short of a chunk", chunkSize: 64, plaintext: pattern(63) },
  { name: "exactly one chunk", chunkSize: 64, plaintext: pattern(64) },
  { name: "one byte over a chunk", chunkSize: 64, plaintext: pattern(65) },
  { name: "four whole chunks", chunkSize: 64, plaintext: pattern(256) },
  { name: "five chunks, last partial", chunkSize: 64, plaintext: pattern(300) },
  { name: "text with the default chunk size", chunkSize: 1048576, plaintext: Buffer.from("Sealshare test vector: statement 2024-Q4\n") },
];

async function generate(): Promise<VectorFile> {
  const vectors: Vector[] = [];
  for (const c of CASES) {
    const { ciphertext, result } = encryptStream(c.plaintext, KEY, { chunkSize: c.chunkSize, fileId: FILE_ID, noncePrefix: NONCE_PREFIX });
    const bytes = await collect(ciphertext);
    const summary = await result;
    vectors.push({
      name: c.name,
      plaintext: toHex(c.plaintext),
      ciphertext: toHex(bytes),
      ...summaryFields(summary),
      chunkDigests: referenceLeaves(bytes).map(hex),
      keyCommitment: keyCommitment(KEY, { ...COMMITMENT_SLOT, chainId: BigInt(COMMITMENT_SLOT.chainId), datasetId: BigInt(COMMITMENT_SLOT.datasetId), merkleRoot: summary.merkleRoot }),
    });
  }
  return {
    format: "sealshare-stream-v2",
    description: "Sealshare stream format v2 test vectors; see docs/FORMAT.md. All byte strings are 0x hex; fileId and noncePrefix are fixed here only so outputs are reproducible. chunkDigests are the Merkle entries (the first one covers the header); merkleRoot is the content commitment and blob address.",
    key: toHex(KEY),
    fileId: toHex(FILE_ID),
    noncePrefix: toHex(NONCE_PREFIX),
    commitment: { tag: DEK_COMMITMENT_TAG, ...COMMITMENT_SLOT },
    vectors,
  };
}

/** A summary as a vector records it: the version is the file's, not each vector's. */
function summaryFields({ version: _version, ...fields }: StreamSummary): Omit<StreamSummary, "version"> {
  return fields;
}

describe("stream format v2: committed test vectors", () => {
  let file: VectorFile;
  before(async () => {
    if (process.env.SEALSHARE_WRITE_VECTORS === "1") {
      await writeFile(VECTORS_PATH, `${JSON.stringify(await generate(), null, 2)}\n`);
    }
    file = JSON.parse(await readFile(VECTORS_PATH, "utf8")) as VectorFile;
  });

  it("holds one vector per case, with the fixed key, file id and nonce prefix", () => {
    expect(file.format).to.equal("sealshare-stream-v2");
    expect(file.vectors.map((v) => v.name)).to.deep.equal(CASES.map((c) => c.name));
    expect([file.key, file.fileId, file.noncePrefix]).to.deep.equal([toHex(KEY), toHex(FILE_ID), toHex(NONCE_PREFIX)]);
  });

  it("commits the key with commitment v2 for a fixed slot", () => {
    expect(file.commitment).to.deep.equal({ tag: "sealshare/dek-commitment/v2", ...COMMITMENT_SLOT });
  });

  it("reproduces every vector's ciphertext, hashes, sizes and key commitment exactly", async () => {
    expect(await generate()).to.deep.equal(file);
  });

  it("decrypts every vector's ciphertext back to its plaintext and summary", async () => {
    for (const v of file.vectors) {
      const { plaintext, result } = decryptStream(fromHex(v.ciphertext, (v.ciphertext.length - 2) / 2), KEY);
      expect(toHex(await collect(plaintext)), v.name).to.equal(v.plaintext);
      const { merkleRoot, size, plaintextSize, chunkCount, chunkSize } = v;
      expect(v).to.not.have.property("ciphertextSha256");
      expect(await result, v.name).to.deep.equal({ version: 2, merkleRoot, size, plaintextSize, chunkCount, chunkSize });
    }
  });

  it("agrees with an independent encoder and decoder written from the spec with createCipheriv and hkdfSync", () => {
    for (const v of file.vectors) {
      const plaintext = Buffer.from(v.plaintext.slice(2), "hex");
      const ciphertext = Buffer.from(v.ciphertext.slice(2), "hex");
      expect(ciphertext[7], v.name).to.equal(2);
      expect(toHex(referenceEncrypt(plaintext, KEY, FILE_ID, NONCE_PREFIX, v.chunkSize)), v.name).to.equal(v.ciphertext);
      expect(toHex(referenceDecrypt(ciphertext, KEY)), v.name).to.equal(v.plaintext);
    }
  });

  it("lists chunk digests that hash to the committed Merkle root under RFC 9162, the first one over the header and segment 0", async () => {
    for (const v of file.vectors) {
      const ciphertext = Buffer.from(v.ciphertext.slice(2), "hex");
      const leaves = v.chunkDigests.map((d) => fromHex(d, 32));
      expect(leaves).to.have.length(v.chunkCount);
      expect(hex(leaves[0]!), v.name).to.equal(hex(sha256(ciphertext.subarray(0, 35 + Math.min(v.chunkSize + 16, ciphertext.length - 35)))));
      expect(hex(rfc9162Root(leaves)), v.name).to.equal(v.merkleRoot);
      const { leaves: fromStream } = await chunkDigestsOf(fromHex(v.ciphertext, (v.ciphertext.length - 2) / 2));
      expect(fromStream.map(toHex), v.name).to.deep.equal(v.chunkDigests);
    }
  });

  it("StreamRootHasher (keyless, fed one byte or a whole stream at a time) reproduces every root", () => {
    for (const v of file.vectors) {
      const ciphertext = Buffer.from(v.ciphertext.slice(2), "hex");
      const byByte = new StreamRootHasher(nodeSha256);
      for (let i = 0; i < ciphertext.length; i++) byByte.update(ciphertext.subarray(i, i + 1));
      expect([byByte.digest(), new StreamRootHasher(nodeSha256).update(ciphertext).digest()], v.name).to.deep.equal([v.merkleRoot, v.merkleRoot]);
    }
  });

  it("commits to the header: the same segments under another header have another root", async () => {
    const v = file.vectors.find((x) => x.name === "five chunks, last partial")!;
    const ciphertext = Buffer.from(v.ciphertext.slice(2), "hex");
    const other = Buffer.from(ciphertext);
    other[12]! ^= 0x01; // a fileId bit: not the stream's header, same segments
    const { leaves } = await chunkDigestsOf(other);
    expect(referenceMerkleRoot(other)).to.not.equal(v.merkleRoot);
    expect(hex(rfc9162Root(leaves))).to.equal(referenceMerkleRoot(other));
    expect(leaves.slice(1).map(toHex)).to.deep.equal(v.chunkDigests.slice(1));
  });
});

describe("stream format v1: the frozen vectors still decrypt and verify", () => {
  let file: VectorFile;
  before(async () => {
    file = JSON.parse(await readFile(V1_VECTORS_PATH, "utf8")) as VectorFile;
  });

  it("holds the eight v1 cases with the same fixed inputs", () => {
    expect(file.format).to.equal("sealshare-stream-v1");
    expect(file.vectors.map((v) => v.name)).to.deep.equal(CASES.map((c) => c.name));
    expect([file.key, file.fileId, file.noncePrefix]).to.deep.equal([toHex(KEY), toHex(FILE_ID), toHex(NONCE_PREFIX)]);
  });

  it("decrypts every v1 ciphertext to its plaintext, with the whole-stream SHA-256 in the summary", async () => {
    for (const v of file.vectors) {
      const { plaintext, result } = decryptStream(fromHex(v.ciphertext, (v.ciphertext.length - 2) / 2), KEY);
      expect(toHex(await collect(plaintext)), v.name).to.equal(v.plaintext);
      const { ciphertextSha256, merkleRoot, size, plaintextSize, chunkCount, chunkSize } = v;
      expect(await result, v.name).to.deep.equal({ version: 1, merkleRoot, ciphertextSha256, size, plaintextSize, chunkCount, chunkSize });
      expect(hex(sha256(Buffer.from(v.ciphertext.slice(2), "hex"))), v.name).to.equal(ciphertextSha256);
    }
  });

  it("agrees with the reference: v1 bytes, and v1 leaves that are plain segment digests", async () => {
    for (const v of file.vectors) {
      const plaintext = Buffer.from(v.plaintext.slice(2), "hex");
      const ciphertext = Buffer.from(v.ciphertext.slice(2), "hex");
      expect(toHex(referenceEncrypt(plaintext, KEY, FILE_ID, NONCE_PREFIX, v.chunkSize, 1)), v.name).to.equal(v.ciphertext);
      expect(splitSegments(ciphertext).map((segment) => hex(sha256(segment))), v.name).to.deep.equal(v.chunkDigests);
      const { leaves } = await chunkDigestsOf(ciphertext);
      expect(leaves.map(toHex), v.name).to.deep.equal(v.chunkDigests);
      expect(hex(rfc9162Root(leaves)), v.name).to.equal(v.merkleRoot);
    }
  });
});
