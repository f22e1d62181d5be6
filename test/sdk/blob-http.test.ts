/**
 * Blobs over HTTP against real local servers: resumable, verified downloads (sdk/blob/http.ts)
 * against a server that can cut connections, stall, ignore Range or lie; the read-only
 * HttpBlobStore; and the static blob server (sdk/blob/serve.ts) over a LocalBlobStore, end to end
 * with stream decryption and range decryption.
 */
import { expect } from "chai";
import { createHash, randomBytes } from "node:crypto";
import { access, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  BlobHttpError,
  BlobIntegrityError,
  BlobNotFoundError,
  BlobSizeError,
  BlobUriError,
  fetchVerified,
  LocalBlobStore,
} from "../../sdk/blob/index.js";
import { downloadVerified, type DownloadProgress } from "../../sdk/blob/download.js";
import { HttpBlobStore } from "../../sdk/blob/http.js";
import { parseContentRange, redactUrl } from "../../sdk/blob/http-range.js";
import { parseRange, startBlobServer, type RunningBlobServer } from "../../sdk/blob/serve.js";
import { chunkDigestsOf, decryptFile, decryptRange, encryptStream, generateDataKey, merkleProofSource, type Hex } from "../../sdk/stream/index.js";
import { startFlakyServer, type FlakyServer } from "./helpers/flaky-server.js";
import { collect, tempDir } from "./helpers/streams.js";

const sha256Hex = (bytes: Uint8Array): Hex => `0x${createHash("sha256").update(bytes).digest("hex")}`;
const exists = (path: string) => access(path).then(() => true, () => false);
const FAST = { retryDelayMs: 1 } as const;

async function rejection(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error, "expected a rejection").to.be.instanceOf(Error);
  return error as Error;
}

describe("blobs over HTTP", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(() => cleanup());

  describe("downloadVerified: resumable and verified", () => {
    const blob = randomBytes(3 * 1024 * 1024 + 123);
    const sha = sha256Hex(blob);
    let server: FlakyServer;
    beforeEach(async () => (server = await startFlakyServer(blob)));
    afterEach(() => server.close());

    it("downloads the blob, reports progress up to its size, and leaves no .part file", async () => {
      const dest = join(dir, "blob");
      const progress: DownloadProgress[] = [];
      const result = await downloadVerified(server.url, sha, dest, { onProgress: (p) => progress.push(p) });
      expect((await readFile(dest)).equals(blob)).to.equal(true);
      expect(result).to.deep.equal({ path: dest, scheme: "sha256", digest: sha, size: blob.length, resumedFrom: 0, requests: 1 });
      expect(progress.at(-1)).to.deep.equal({ bytes: blob.length, total: blob.length });
      expect(progress.map((p) => p.bytes)).to.deep.equal([...progress.map((p) => p.bytes)].sort((a, b) => a - b));
      expect(await exists(`${dest}.part`)).to.equal(false);
      expect(server.requests).to.deep.equal([{ range: undefined, status: 200 }]);
    });

    it("resumes with a Range request after the server cuts the connection midway", async () => {
      const dest = join(dir, "blob");
      server.plan.push({ cutAfter: 1_000_000 });
      const result = await downloadVerified(server.url, sha, dest, FAST);
      expect((await readFile(dest)).equals(blob)).to.equal(true);
      expect(result.requests).to.equal(2);
      // Every byte received before the cut is kept (download.ts: written as it arrives).
      expect(server.requests).to.deep.equal([
        { range: undefined, status: 200 },
        { range: "bytes=1000000-", status: 206 },
      ]);
    });

    it("keeps the .part file when a call fails, and the next call resumes from it", async () => {
      const dest = join(dir, "blob");
      server.plan.push({ cutAfter: 2_000_000 });
      const error = await rejection(downloadVerified(server.url, sha, dest, { retries: 0 }));
      expect(error).to.be.instanceOf(BlobHttpError);
      expect((error as BlobHttpError).retryable).to.equal(true);
      expect(await exists(dest)).to.equal(false);
      expect((await readFile(`${dest}.part`)).equals(blob.subarray(0, 2_000_000))).to.equal(true);

      const result = await downloadVerified(server.url, sha, dest);
      expect(result.resumedFrom).to.equal(2_000_000);
      expect(server.requests.at(-1)).to.deep.equal({ range: "bytes=2000000-", status: 206 });
      expect((await readFile(dest)).equals(blob)).to.equal(true);
      expect(await exists(`${dest}.part`)).to.equal(false);
    });

    it("starts over from byte 0 when the server ignores Range", async () => {
      const dest = join(dir, "blob");
      server.plan.push({ cutAfter: 500_000 }, { ignoreRange: true });
      await downloadVerified(server.url, sha, dest, FAST);
      expect((await readFile(dest)).equals(blob)).to.equal(true); // not 500 000 bytes too long
      expect(server.requests.map((r) => [r.range, r.status])).to.deep.equal([
        [undefined, 200],
        ["bytes=500000-", 200],
      ]);
    });

    it("resumes after a stalled transfer, once nothing arrived for the idle timeout", async () => {
      const dest = join(dir, "blob");
      server.plan.push({ stallAfter: 300_000 });
      const result = await downloadVerified(server.url, sha, dest, { ...FAST, idleTimeoutMs: 1000 });
      expect((await readFile(dest)).equals(blob)).to.equal(true);
      expect(result.requests).to.equal(2);
      expect(server.requests[1]!.range).to.equal("bytes=300000-");
    });

    it("retries a 503 and gives up on a 404 at once", async () => {
      server.plan.push({ status: 503 });
      await downloadVerified(server.url, sha, join(dir, "a"), FAST);
      expect(server.requests.map((r) => r.status)).to.deep.equal([503, 200]);

      server.plan.push({ status: 404 });
      const error = await rejection(downloadVerified(server.url, sha, join(dir, "b"), FAST));
      expect(error).to.be.instanceOf(BlobNotFoundError);
      expect(server.requests).to.have.length(3);
    });

    it("fails after the allowed retries, keeping what it received", async () => {
      const dest = join(dir, "blob");
      server.plan.push({ cutAfter: 400_000 }, { cutAfter: 400_000 }, { cutAfter: 400_000 });
      const error = await rejection(downloadVerified(server.url, sha, dest, { ...FAST, retries: 2 }));
      expect(error).to.be.instanceOf(BlobHttpError);
      expect(server.requests.map((r) => r.range)).to.deep.equal([undefined, "bytes=400000-", "bytes=800000-"]);
      expect((await readFile(`${dest}.part`)).equals(blob.subarray(0, 1_200_000))).to.equal(true);
    });

    it("uses a .part file that is already complete without downloading again", async () => {
      const dest = join(dir, "blob");
      await writeFile(`${dest}.part`, blob);
      const result = await downloadVerified(server.url, sha, dest);
      expect(result.resumedFrom).to.equal(blob.length);
      expect(server.requests).to.deep.equal([{ range: `bytes=${blob.length}-`, status: 416 }]);
      expect((await readFile(dest)).equals(blob)).to.equal(true);
    });

    it("rejects a tampered blob with BlobIntegrityError and leaves no file behind", async () => {
      const dest = join(dir, "blob");
      const tampered = Buffer.from(blob);
      tampered[1_234_567]! ^= 0x01;
      server.blob = tampered;
      const error = await rejection(downloadVerified(server.url, sha, dest));
      expect(error).to.be.instanceOf(BlobIntegrityError);
      expect((error as BlobIntegrityError).expected).to.equal(sha);
      expect((error as BlobIntegrityError).actual).to.equal(sha256Hex(tampered));
      expect(await exists(dest)).to.equal(false);
      expect(await exists(`${dest}.part`)).to.equal(false);
    });

    it("rejects a blob that is tampered only in the resumed part", async () => {
      const dest = join(dir, "blob");
      const tampered = Buffer.from(blob);
      tampered[2_000_000]! ^= 0x01;
      // The first answer is the genuine blob, cut; the resumption gets the rest of a tampered copy.
      server.plan.push({ cutAfter: 1_000_000, thenServe: tampered });
      expect(await rejection(downloadVerified(server.url, sha, dest, FAST))).to.be.instanceOf(BlobIntegrityError);
      expect(server.requests.map((r) => r.range)).to.deep.equal([undefined, "bytes=1000000-"]);
      expect(await exists(dest)).to.equal(false);
      expect(await exists(`${dest}.part`)).to.equal(false);
    });

    it("starts once from scratch when a stale .part from an earlier call is wrong", async () => {
      const dest = join(dir, "blob");
      await writeFile(`${dest}.part`, randomBytes(1000)); // not a prefix of the blob
      const result = await downloadVerified(server.url, sha, dest);
      expect((await readFile(dest)).equals(blob)).to.equal(true);
      expect(server.requests.map((r) => r.range)).to.deep.equal(["bytes=1000-", undefined]);
      expect(result.resumedFrom).to.equal(1000);
    });

    it("refuses a blob larger than the registered size without reading it all", async () => {
      const dest = join(dir, "blob");
      const error = await rejection(downloadVerified(server.url, sha, dest, { expectedSize: blob.length - 1 }));
      expect(error).to.be.instanceOf(BlobSizeError);
      expect(await exists(dest)).to.equal(false);
      expect(await exists(`${dest}.part`)).to.equal(false);
    });

    it("keeps query strings (pre-signed credentials) out of error messages", async () => {
      server.plan.push({ status: 403 });
      const error = await rejection(downloadVerified(`${server.url}?X-Amz-Signature=s3cr3t`, sha, join(dir, "blob")));
      expect(error).to.be.instanceOf(BlobHttpError);
      expect(error.message).to.not.include("s3cr3t");
      expect(error.message).to.include("/sha256/blob?…");
      expect(redactUrl("https://user:pw@host.example/a/b?sig=1")).to.equal("https://host.example/a/b?…");
    });
  });

  describe("HttpBlobStore", () => {
    const blob = randomBytes(100_000);
    const sha = sha256Hex(blob);
    let server: RunningBlobServer;
    let store: HttpBlobStore;
    let uri: string;
    beforeEach(async () => {
      const local = new LocalBlobStore(join(dir, "store"));
      ({ uri } = await local.put([blob]));
      server = await startBlobServer({ store: local });
      store = new HttpBlobStore({ baseUrl: server.url });
    });
    afterEach(() => server.close());

    it("resolves blob:// URIs against its base URL and passes http(s) URLs through", () => {
      expect(store.url(uri)).to.equal(`${server.url}sha256/${sha.slice(2)}`);
      expect(store.url("https://blobs.example/x/sha256/ab")).to.equal("https://blobs.example/x/sha256/ab");
      expect(() => store.url("ftp://blobs.example/x")).to.throw(BlobUriError);
      expect(() => new HttpBlobStore().url(uri)).to.throw(/no baseUrl/);
    });

    it("streams a blob by blob:// URI and by https-style URL, and fetchVerified checks it", async () => {
      expect((await collect(store.get(uri))).equals(blob)).to.equal(true);
      const verified = await fetchVerified(store, store.url(uri), sha, { dir });
      try {
        expect((await readFile(verified.path)).equals(blob)).to.equal(true);
      } finally {
        await verified.remove();
      }
      const wrong = await rejection(fetchVerified(store, uri, sha256Hex(Buffer.from("other")), { dir }));
      expect(wrong).to.be.instanceOf(BlobIntegrityError);
    });

    it("answers has() with HEAD, and a missing blob errors with BlobNotFoundError", async () => {
      const missing = `blob://sha256/${"ab".repeat(32)}`;
      expect(await store.has(uri)).to.equal(true);
      expect(await store.has(missing)).to.equal(false);
      expect(await rejection(collect(store.get(missing)))).to.be.instanceOf(BlobNotFoundError);
    });

    it("reads byte ranges, and is read-only", async () => {
      expect(Buffer.from(await store.readAt(uri, 99_990, 10)).equals(blob.subarray(99_990))).to.equal(true);
      expect(Buffer.from(await store.readAt(uri, 0, 1)).equals(blob.subarray(0, 1))).to.equal(true);
      expect(await rejection(store.put())).to.match(/read-only/);
    });
  });

  describe("the blob server (sdk/blob/serve.ts)", () => {
    const blob = randomBytes(10_000);
    const hex = sha256Hex(blob).slice(2);
    let server: RunningBlobServer;
    let url: string;
    beforeEach(async () => {
      const local = new LocalBlobStore(join(dir, "store"));
      await local.put([blob]);
      server = await startBlobServer({ store: local, corsOrigin: "https://dapp.example" });
      url = `${server.url}sha256/${hex}`;
    });
    afterEach(() => server.close());

    it("serves a blob whole, as immutable content with its hash as a strong ETag", async () => {
      const res = await fetch(url);
      expect(res.status).to.equal(200);
      expect(Buffer.from(await res.arrayBuffer()).equals(blob)).to.equal(true);
      expect(res.headers.get("etag")).to.equal(`"${hex}"`);
      expect(res.headers.get("accept-ranges")).to.equal("bytes");
      expect(res.headers.get("cache-control")).to.include("immutable");
      expect(res.headers.get("content-length")).to.equal(String(blob.length));
      expect((await fetch(url, { headers: { "if-none-match": `"${hex}"` } })).status).to.equal(304);
      const head = await fetch(url, { method: "HEAD" });
      expect([head.status, head.headers.get("content-length"), (await head.arrayBuffer()).byteLength]).to.deep.equal([200, "10000", 0]);
    });

    for (const [range, status, contentRange, from, to] of [
      ["bytes=10-19", 206, "bytes 10-19/10000", 10, 20],
      ["bytes=9990-", 206, "bytes 9990-9999/10000", 9990, 10_000],
      ["bytes=9990-20000", 206, "bytes 9990-9999/10000", 9990, 10_000],
      ["bytes=-5", 206, "bytes 9995-9999/10000", 9995, 10_000],
      ["bytes=0-0", 206, "bytes 0-0/10000", 0, 1],
      ["bytes=10000-", 416, "bytes */10000", 0, 0],
      ["bytes=0-1,5-6", 200, null, 0, 10_000],
      ["bytes=20-10", 200, null, 0, 10_000],
      ["items=0-1", 200, null, 0, 10_000],
    ] as const) {
      it(`answers Range "${range}" with ${status}`, async () => {
        const res = await fetch(url, { headers: { range } });
        expect(res.status).to.equal(status);
        expect(res.headers.get("content-range")).to.equal(contentRange);
        const body = Buffer.from(await res.arrayBuffer());
        if (status !== 416) expect(body.equals(blob.subarray(from, to))).to.equal(true);
      });
    }

    it("parses ranges like RFC 9110, including on an empty blob", () => {
      expect(parseRange("bytes=-0", 10)).to.equal("unsatisfiable");
      expect(parseRange("bytes=0-", 0)).to.equal("unsatisfiable");
      expect(parseRange("bytes=-3", 0)).to.equal("unsatisfiable");
      expect(parseRange("bytes=-30", 10)).to.deep.equal({ start: 0, end: 9 });
      expect(parseRange(undefined, 10)).to.equal(undefined);
      expect(parseContentRange("bytes 0-9/10")).to.deep.equal({ start: 0, end: 9, total: 10 });
      expect(parseContentRange("bytes */10")).to.deep.equal({ start: undefined, end: undefined, total: 10 });
      expect(parseContentRange("bytes 9-0/10")).to.equal(undefined);
    });

    it("serves nothing but /sha256/<64 lowercase hex> with GET and HEAD", async () => {
      for (const path of [`sha256/${hex.toUpperCase()}`, `sha256/${hex}/x`, `sha256/../tmp/${hex}`, `tmp`, `sha256/${"0".repeat(64)}`, ""]) {
        expect((await fetch(`${server.url}${path}`)).status, path).to.equal(404);
      }
      expect((await fetch(url, { method: "POST", body: "x" })).status).to.equal(405);
    });

    it("with a credential, serves only requests carrying exactly it (401 otherwise; a preflight needs none)", async () => {
      const guarded = await startBlobServer({ store: join(dir, "store"), corsOrigin: "https://dapp.example", authorization: "Bearer right" });
      try {
        const at = `${guarded.url}sha256/${hex}`;
        for (const authorization of [undefined, "Bearer wrong", "Bearer righ", "bearer right"]) {
          const res = await fetch(at, { headers: authorization ? { authorization } : {} });
          expect(res.status, String(authorization)).to.equal(401);
          expect(await res.text()).to.not.include("right");
        }
        const ok = await fetch(at, { headers: { authorization: "Bearer right", range: "bytes=0-3" } });
        expect(ok.status).to.equal(206);
        expect(Buffer.from(await ok.arrayBuffer()).equals(blob.subarray(0, 4))).to.equal(true);
        const preflight = await fetch(at, { method: "OPTIONS", headers: { origin: "https://dapp.example", "access-control-request-headers": "authorization, range" } });
        expect(preflight.status).to.equal(204);
        expect(preflight.headers.get("access-control-allow-headers")).to.include("authorization");
      } finally {
        await guarded.close();
      }
    });

    it("lets the configured origin read ranges from a browser (CORS)", async () => {
      const preflight = await fetch(url, { method: "OPTIONS", headers: { origin: "https://dapp.example", "access-control-request-headers": "range" } });
      expect(preflight.status).to.equal(204);
      expect(preflight.headers.get("access-control-allow-origin")).to.equal("https://dapp.example");
      expect(preflight.headers.get("access-control-allow-headers")).to.include("range");
      const res = await fetch(url, { headers: { range: "bytes=0-3" } });
      expect(res.headers.get("access-control-expose-headers")).to.include("content-range");
    });

    it("end to end: a provider stores and serves a ciphertext; a requester resumes a download, decrypts it, and decrypts a range over HTTP", async () => {
      const key = generateDataKey();
      const plaintext = randomBytes(5 * 65_536 + 77);
      const enc = encryptStream(plaintext, key, { chunkSize: 65_536 });
      const local = new LocalBlobStore(join(dir, "provider"));
      const put = await local.put(enc.ciphertext);
      const summary = await enc.result; // registered on chain: size, Merkle root (also the blob's name)
      expect(put.uri).to.equal(`blob://merkle/${summary.merkleRoot.slice(2)}`);
      const provider = await startBlobServer({ store: local });
      try {
        const store = new HttpBlobStore({ baseUrl: provider.url });
        const dest = join(dir, "statement.sealed");
        const ciphertext = await collect(local.get(put.uri));
        await writeFile(`${dest}.part`, ciphertext.subarray(0, 100_000)); // an earlier, interrupted download
        const got = await store.download(put.uri, summary.merkleRoot, dest, { expectedSize: summary.size });
        expect([got.scheme, got.digest]).to.deep.equal(["merkle", summary.merkleRoot]);
        expect(got.resumedFrom).to.equal(100_000);
        await decryptFile(dest, join(dir, "statement"), key);
        expect((await readFile(join(dir, "statement"))).equals(plaintext)).to.equal(true);

        const { leaves } = await chunkDigestsOf(ciphertext); // whoever holds the ciphertext serves proofs
        const range = await decryptRange({
          readAt: store.rangeReader(put.uri),
          key,
          size: summary.size,
          merkleRoot: summary.merkleRoot,
          proof: merkleProofSource(leaves),
          start: 200_000,
          end: 200_500,
        });
        expect(Buffer.from(range).equals(plaintext.subarray(200_000, 200_500))).to.equal(true);
      } finally {
        await provider.close();
      }
    });
  });
});
