/**
 * Storage URIs are chosen by whoever registered a version, so HttpBlobStore treats them as
 * untrusted (issue 11, item 10): credentials go only to the configured origin(s), other origins
 * are read only when the user allowed them (and then without credentials), redirects follow the
 * same rules, and every read with a registered size stops at that size with BlobSizeError.
 * Real HTTP servers on 127.0.0.1 record what they were sent.
 */
import { expect } from "chai";
import { createHash, randomBytes } from "node:crypto";
import { access, readdir } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { BlobOriginError, BlobSizeError, fetchVerified, HttpBlobStore } from "../../sdk/blob/index.js";
import type { Hex } from "../../sdk/stream/index.js";
import { collect, tempDir } from "./helpers/streams.js";

const sha256Hex = (bytes: Uint8Array): Hex => `0x${createHash("sha256").update(bytes).digest("hex")}`;
const exists = (path: string) => access(path).then(() => true, () => false);
const SECRET = { authorization: "Bearer provider-store-token", "x-api-key": "k-123" };

interface Recording {
  url: string;
  origin: string;
  seen: { path: string; headers: IncomingHttpHeaders }[];
  /** What the next GETs answer (default: 200 with `body`). */
  answer: (path: string) => { status: number; headers?: Record<string, string>; body?: Buffer; chunked?: boolean };
  close(): Promise<void>;
}

async function recordingServer(body: Buffer): Promise<Recording> {
  const rec = {
    seen: [] as Recording["seen"],
    answer: (() => ({ status: 200, body })) as Recording["answer"],
  };
  const server: Server = createServer((req, res) => {
    rec.seen.push({ path: req.url ?? "", headers: req.headers });
    const a = rec.answer(req.url ?? "");
    const out = a.body ?? Buffer.alloc(0);
    res.writeHead(a.status, { ...(a.chunked ? {} : { "content-length": String(out.length) }), ...a.headers });
    if (req.method === "HEAD") res.end();
    else res.end(out);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return Object.assign(rec, {
    url: `${origin}/`,
    origin,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error, "expected a rejection").to.be.instanceOf(Error);
  return error as Error;
}

describe("HttpBlobStore: provider-chosen URLs and registered sizes", () => {
  const blob = randomBytes(50_000);
  const sha = sha256Hex(blob);
  const path = `/sha256/${sha.slice(2)}`;
  let own: Recording; // the configured store (gets credentials)
  let foreign: Recording; // an origin a member's storageURI names
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    own = await recordingServer(blob);
    foreign = await recordingServer(blob);
  });
  afterEach(async () => {
    await own.close();
    await foreign.close();
    await cleanup();
  });

  it("sends its credential headers to the configured origin", async () => {
    const store = new HttpBlobStore({ baseUrl: own.url, headers: SECRET });
    expect((await collect(store.get(`blob://sha256/${sha.slice(2)}`))).equals(blob)).to.equal(true);
    expect(own.seen[0]!.headers.authorization).to.equal(SECRET.authorization);
    expect(own.seen[0]!.headers["x-api-key"]).to.equal(SECRET["x-api-key"]);
  });

  it("refuses an absolute storage URI on another origin before sending anything (get, has, readAt, download, fetchVerified)", async () => {
    const store = new HttpBlobStore({ baseUrl: own.url, headers: SECRET });
    const uri = `${foreign.origin}${path}`;
    expect(await rejection(collect(store.get(uri)))).to.be.instanceOf(BlobOriginError);
    expect(await rejection(store.has(uri))).to.be.instanceOf(BlobOriginError);
    expect(await rejection(Promise.resolve().then(() => store.readAt(uri, 0, 10)))).to.be.instanceOf(BlobOriginError);
    expect(await rejection(Promise.resolve().then(() => store.download(uri, sha, join(dir, "d.blob"))))).to.be.instanceOf(BlobOriginError);
    const err = await rejection(fetchVerified(store, uri, sha, { dir }));
    expect(err).to.be.instanceOf(BlobOriginError);
    expect(err.message).to.not.include("provider-store-token");
    expect(foreign.seen, "the foreign origin was contacted").to.have.length(0);
    expect(await readdir(dir)).to.deep.equal([]);
  });

  it("reads an explicitly allowed origin, without the credentials", async () => {
    const store = new HttpBlobStore({ baseUrl: own.url, headers: SECRET, allowOrigins: [foreign.origin] });
    const uri = `${foreign.origin}${path}`;
    expect((await collect(store.get(uri))).equals(blob)).to.equal(true);
    const dl = await store.download(uri, sha, join(dir, "d.blob"), { expectedSize: blob.length });
    expect(dl.size).to.equal(blob.length);
    expect(foreign.seen).to.have.length(2);
    for (const s of foreign.seen) {
      expect(s.headers.authorization).to.equal(undefined);
      expect(s.headers["x-api-key"]).to.equal(undefined);
    }
  });

  it("follows a redirect only to an allowed origin, and never with the credentials", async () => {
    own.answer = () => ({ status: 302, headers: { location: `${foreign.origin}${path}` } });
    const strict = new HttpBlobStore({ baseUrl: own.url, headers: SECRET });
    const uri = `blob://sha256/${sha.slice(2)}`;
    expect(await rejection(collect(strict.get(uri)))).to.be.instanceOf(BlobOriginError);
    expect(await rejection(strict.download(uri, sha, join(dir, "d.blob"), { retries: 0 }))).to.be.instanceOf(BlobOriginError);
    expect(foreign.seen).to.have.length(0);

    const lenient = new HttpBlobStore({ baseUrl: own.url, headers: SECRET, allowOrigins: [foreign.origin] });
    expect((await collect(lenient.get(uri))).equals(blob)).to.equal(true);
    await lenient.download(uri, sha, join(dir, "d.blob"));
    expect(foreign.seen).to.have.length(2);
    for (const s of foreign.seen) expect([s.headers.authorization, s.headers["x-api-key"]]).to.deep.equal([undefined, undefined]);
    expect(own.seen.every((s) => s.headers.authorization === SECRET.authorization)).to.equal(true);
  });

  it("stops a read at the registered size: a server that sends more is cut off with BlobSizeError and nothing is kept", async () => {
    const store = new HttpBlobStore({ baseUrl: own.url });
    const uri = `blob://sha256/${sha.slice(2)}`;
    const registered = blob.length - 1000;
    // An honest Content-Length that is too big: refused before the body is read.
    expect(await rejection(collect(store.get(uri, { maxBytes: registered })))).to.be.instanceOf(BlobSizeError);
    // No Content-Length (chunked): cut off once the registered size is passed.
    own.answer = () => ({ status: 200, body: Buffer.concat([blob, randomBytes(1 << 20)]), chunked: true });
    expect(await rejection(collect(store.get(uri, { maxBytes: blob.length })))).to.be.instanceOf(BlobSizeError);
    const err = await rejection(fetchVerified(store, uri, sha, { dir, expectedSize: blob.length }));
    expect(err).to.be.instanceOf(BlobSizeError);
    expect(await readdir(dir)).to.deep.equal([]);
    const dl = await rejection(store.download(uri, sha, join(dir, "d.blob"), { expectedSize: blob.length, retries: 0 }));
    expect(dl).to.be.instanceOf(BlobSizeError);
    expect(await exists(join(dir, "d.blob"))).to.equal(false);
    // The exact size passes.
    own.answer = () => ({ status: 200, body: blob, chunked: true });
    const ok = await fetchVerified(store, uri, sha, { dir, expectedSize: blob.length });
    expect(ok.size).to.equal(blob.length);
    await ok.remove();
  });
});
