/**
 * Ciphertexts over the global fetch (sdk/blob/web-fetch.ts), as browsers read them: against a
 * server on 127.0.0.1 that sends the registered bytes, too many (announced or endless), too few
 * or a flipped bit; the origin rule for storage URIs; and sizeCap as a Node pipeline stage
 * (sdk/blob/size-cap.ts, platform-neutral since the dapp's twin of it was removed).
 */
import { expect } from "chai";
import { createHash } from "node:crypto";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { randomBytes } from "ethers";
import { BlobIntegrityError, BlobNotFoundError, BlobOriginError, BlobSizeError } from "../../sdk/blob/errors.js";
import { checkAnnouncedSize, sizeCap } from "../../sdk/blob/size-cap.js";
import { fetchVerifiedWeb, locateBlob, type WebBlobOrigins } from "../../sdk/blob/web-fetch.js";
import type { Hex } from "../../sdk/stream/hex.js";
import { StreamRootHasher } from "../../sdk/stream/root-hasher.js";
import { nodeSha256 } from "../../sdk/blob/content-hash.js";
import { referenceEncrypt, referenceMerkleRoot } from "./helpers/reference.js";
import { sendEndless } from "./helpers/endless-body.js";

describe("ciphertexts over fetch, checked against the chain's facts (sdk/blob/web-fetch.ts)", function () {
  const body = Buffer.from(randomBytes(200_000));
  // A blob named by its SHA-256 (`blob://sha256/…`, version-1 streams and other bytes).
  const expected = { scheme: "sha256" as const, digest: `0x${createHash("sha256").update(body).digest("hex")}` as Hex, size: body.length };
  // A version-2 stream, named and checked by its Merkle root (computed by the reference encoder's layout).
  const stream = referenceEncrypt(new Uint8Array(randomBytes(150_000)), new Uint8Array(32).fill(7), new Uint8Array(16).fill(1), new Uint8Array(8).fill(2), 65_536);
  const streamExpected = { scheme: "merkle" as const, digest: new StreamRootHasher(nodeSha256).update(stream).digest(), size: stream.length };
  let origin: string;
  let close: () => Promise<void>;
  const behaviours: Record<string, (res: ServerResponse) => void> = {};
  let endless: ReturnType<typeof sendEndless> | undefined;
  let origins: WebBlobOrigins;

  before(async function () {
    const server = createServer((req, res) => {
      const behave = behaviours[req.url ?? ""];
      if (behave) behave(res);
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    origins = { blobUrl: `${origin}/blobs/sha256/{sha256}` };
    close = () => new Promise((r) => (server.closeAllConnections(), server.close(() => r())));
    behaviours["/exact"] = (res) => res.writeHead(200, { "content-length": body.length }).end(body);
    behaviours["/short"] = (res) => res.writeHead(200).end(body.subarray(0, 1000));
    behaviours["/flipped"] = (res) => res.writeHead(200).end(Buffer.concat([body.subarray(0, 10), Buffer.from([body[10]! ^ 1]), body.subarray(11)]));
    behaviours["/stream"] = (res) => res.writeHead(200).end(stream);
    behaviours["/stream-flipped"] = (res) => res.writeHead(200).end(Buffer.concat([stream.subarray(0, 100_000), Buffer.from([stream[100_000]! ^ 1]), stream.subarray(100_001)]));
    behaviours["/announces-more"] = (res) => {
      res.writeHead(200, { "content-length": body.length + 1 });
      res.write(body);
    };
    // The registered bytes, then more without end (chunked, no length): only the reader can stop it.
    behaviours["/endless"] = (res) => (endless = sendEndless(res, body));
  });
  after(async function () {
    await close();
  });

  const at = (path: string) => ({ url: `${origin}${path}`, credentials: "same-origin" as const });
  const refusal = async (path: string): Promise<Error> => {
    try {
      await fetchVerifiedWeb(at(path), expected, origins);
    } catch (e) {
      return e as Error;
    }
    throw new Error(`${path} was accepted`);
  };

  it("hands over exactly the registered bytes, reporting progress against the registered size", async function () {
    const seen: number[] = [];
    const blob = await fetchVerifiedWeb(at("/exact"), expected, origins, { onProgress: (done, total) => (expect(total).to.equal(body.length), seen.push(done)) });
    expect(Buffer.from(await blob.arrayBuffer()).equals(body)).to.equal(true);
    expect(seen.at(-1)).to.equal(body.length);
  });

  it("checks a version-2 stream by its Merkle root, not a SHA-256 of the whole (BlobIntegrityError naming the root)", async function () {
    expect(streamExpected.digest).to.equal(referenceMerkleRoot(stream));
    const blob = await fetchVerifiedWeb(at("/stream"), streamExpected, origins);
    expect(Buffer.from(await blob.arrayBuffer()).equals(stream)).to.equal(true);
    const flipped = await fetchVerifiedWeb(at("/stream-flipped"), streamExpected, origins).then(
      () => expect.fail("a flipped bit was accepted"),
      (e: unknown) => e as BlobIntegrityError,
    );
    expect(flipped).to.be.instanceOf(BlobIntegrityError);
    expect([flipped.scheme, flipped.expected]).to.deep.equal(["merkle", streamExpected.digest]);
    expect(flipped.actual).to.match(/^0x[0-9a-f]{64}$/).and.not.equal(streamExpected.digest);
    // Bytes that are not a stream at all have no root: refused, naming none.
    const notStream = (await fetchVerifiedWeb(at("/exact"), { ...streamExpected, size: body.length }, origins).catch((e: unknown) => e)) as BlobIntegrityError;
    expect([notStream.name, notStream.actual]).to.deep.equal(["BlobIntegrityError", undefined]);
  });

  it("stops a blob that streams past its registered size at the first byte too many (BlobSizeError)", async function () {
    const e = (await refusal("/endless")) as BlobSizeError;
    expect(e).to.be.instanceOf(BlobSizeError);
    expect([e.uri, e.expectedSize]).to.deep.equal([`${origin}/endless`, body.length]);
    expect(e.actualSize).to.be.greaterThan(body.length);
    await new Promise((r) => setTimeout(r, 200));
    // The server could write only what fitted in socket buffers before the reader hung up.
    expect(endless!.sent()).to.be.lessThan(body.length + 16 * 1024 * 1024);
  });

  it("refuses a blob whose Content-Length exceeds the registered size before reading it", async function () {
    const e = (await refusal("/announces-more")) as BlobSizeError;
    expect(e).to.be.instanceOf(BlobSizeError);
    expect([e.expectedSize, e.actualSize]).to.deep.equal([body.length, body.length + 1]);
  });

  it("refuses a short blob and a flipped bit (BlobIntegrityError), and names an absent one (BlobNotFoundError)", async function () {
    const short = (await refusal("/short")) as BlobIntegrityError;
    expect(short).to.be.instanceOf(BlobIntegrityError);
    expect([short.scheme, short.expected]).to.deep.equal(["sha256", expected.digest]);
    expect(short.actual).to.equal(`0x${createHash("sha256").update(body.subarray(0, 1000)).digest("hex")}`);
    expect(await refusal("/flipped")).to.be.instanceOf(BlobIntegrityError);
    expect(await refusal("/absent")).to.be.instanceOf(BlobNotFoundError);
  });

  it("locates content-addressed URIs by what they name, and http(s) URIs only on the configured or allowed origins", function () {
    const hex = "ab".repeat(32);
    const reg = (digest: string) => ({ scheme: "merkle" as const, digest: digest as Hex });
    expect(locateBlob(`blob://sha256/${hex}`, { scheme: "sha256", digest: `0x${hex.toUpperCase()}` }, origins)).to.deep.equal({ url: `${origin}/blobs/sha256/${hex}`, credentials: "same-origin" });
    const bySchemes = { blobUrl: `${origin}/blobs/{scheme}/{sha256}` };
    expect(locateBlob(`blob://merkle/${hex}`, reg(`0x${"cd".repeat(32)}`), bySchemes)).to.deep.equal({ url: `${origin}/blobs/merkle/${hex}`, credentials: "same-origin" });
    expect(locateBlob("", reg(`0x${"cd".repeat(32)}`), bySchemes)).to.deep.equal({ url: `${origin}/blobs/merkle/${"cd".repeat(32)}`, credentials: "same-origin" });
    expect(locateBlob(`${origin}/elsewhere/x.sealed`, reg(`0x${hex}`), origins)).to.deep.equal({ url: `${origin}/elsewhere/x.sealed`, credentials: "same-origin" });
    expect(() => locateBlob("https://storage.elsewhere.example/ana.sealed?sig=secret", reg(`0x${hex}`), origins)).to.throw(BlobOriginError, /https:\/\/storage\.elsewhere\.example\/ana\.sealed\?…: origin https:\/\/storage\.elsewhere\.example is not an allowed blob origin/);
    // Same host, another port: another origin.
    expect(() => locateBlob(`${origin.replace(/:\d+$/, ":1")}/x`, reg(`0x${hex}`), origins)).to.throw(BlobOriginError);
    // An origin the user allowed: read, but without the user's credentials.
    expect(locateBlob("https://storage.elsewhere.example/ana.sealed", reg(`0x${hex}`), { ...origins, allowOrigins: ["https://storage.elsewhere.example"] })).to.deep.equal({
      url: "https://storage.elsewhere.example/ana.sealed",
      credentials: "omit",
    });
  });

  it("sizeCap is a Node pipeline stage too: it passes the registered size and stops one byte more", async function () {
    const pieces = [new Uint8Array(10), new Uint8Array(10)];
    const out: Uint8Array[] = [];
    await pipeline(Readable.from(pieces), sizeCap(20, "blob://x"), async (source) => {
      for await (const p of source) out.push(p as Uint8Array);
    });
    expect(out.reduce((n, p) => n + p.byteLength, 0)).to.equal(20);
    const err = await pipeline(Readable.from(pieces), sizeCap(19, "blob://x"), async (source) => {
      for await (const _ of source);
    }).then(
      () => undefined,
      (e: unknown) => e as BlobSizeError,
    );
    expect(err).to.be.instanceOf(BlobSizeError);
    expect([err!.uri, err!.expectedSize, err!.actualSize]).to.deep.equal(["blob://x", 19, 20]);
    expect(() => checkAnnouncedSize("21", 20, "blob://x")).to.throw(BlobSizeError, "blob blob://x has at least 21 bytes, expected 20");
    expect(() => checkAnnouncedSize("20", 20, "blob://x")).to.not.throw();
    expect(() => checkAnnouncedSize(null, 20, "blob://x")).to.not.throw();
  });
});
