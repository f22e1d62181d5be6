/**
 * The browser-safe fetch-and-decrypt (sdk/actions/fetch-and-decrypt-blob.ts, with
 * fetchCiphertext), on a real local chain with the custodian as its own process, and a blob
 * server on 127.0.0.1 that can be made to misbehave for one ciphertext. What it hands over is the
 * provider's exact bytes; each check refuses by its own code, handing over nothing:
 * BLOB_TOO_LARGE, HASH_MISMATCH (also for a copy whose Merkle root is not the chain's: format v2
 * checks the root as it downloads, before any decryption), KEY_COMMITMENT_MISMATCH,
 * CUSTODIAN_NOT_AUTHORIZED, BLOB_ORIGIN_NOT_ALLOWED.
 */
import { expect } from "chai";
import express from "express";
import { randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { hexlify, Wallet } from "ethers";
import {
  approveRequest,
  depositKey,
  encryptDataset,
  fetchAndDecryptBlob,
  fetchCiphertext,
  publishEncryptionKey,
  registerDataset,
  registerEncryptedDataset,
  registerMember,
  requestAccess,
  signConsent,
  type SealshareContext,
} from "../../sdk/actions/index.js";
import { LocalBlobStore } from "../../sdk/blob/index.js";
import { formatIdOf } from "../../sdk/convert/records.js";
import { CustodianClient } from "../../sdk/custodian-client.js";
import { generateEncryptionKeyPair, wrapKey, type EncryptionKeyPair } from "../../sdk/crypto/ecies.js";
import { custodianDomain } from "../../sdk/eip712.js";
import { signEnvelope } from "../../sdk/envelope.js";
import { sendEndless } from "./helpers/endless-body.js";
import { rejects } from "./helpers/rejects.js";
import { startCliWorld, type CliWorld, type Role } from "../cli/helpers.js";

const POLICY = { requireProvider: true, supervisorQuorum: 0, maxTemporary: 3600, maxFormal: 7 * 86_400 };

describe("fetchAndDecryptBlob: the browser's fetch, check and decrypt of a grant", function () {
  this.timeout(300_000);
  let w: CliWorld;
  let store: LocalBlobStore;
  let custodian: CustodianClient;
  let device: EncryptionKeyPair;
  let records: Buffer;
  let blobServer: Server;
  let blobUrl: string;
  /** Ciphertexts (by hex SHA-256) the blob server answers with a handler of the test's instead of the store. */
  const misbehaving = new Map<string, (res: ServerResponse) => void>();
  const servers: Server[] = [];
  const as = (r: Role): SealshareContext => ({ ledger: w.ledger, signer: new Wallet(w.keys[r], w.provider), fromBlock: w.deployment.deployBlock });
  const clientOf = (url: string) => new CustodianClient(url, { chainId: w.deployment.chainId, ledger: w.deployment.ledger });

  /** A dataset of bank's about ana, its key with the custodian, and an insurer request granted on the bank's approval. */
  async function grantedRequest(datasetId: bigint): Promise<bigint> {
    const signed = await signConsent(as("ana"), { requester: w.addr.insurer, datasetId, purpose: "underwriting" });
    const r = await requestAccess(as("insurer"), { datasetId, purpose: "underwriting", kind: "formal", duration: "7d", device: "insurer/laptop-1", consent: signed.terms, signature: signed.signature });
    const approved = await approveRequest(as("bank"), { requestId: r.requestId, as: "provider" });
    expect(approved.granted?.kind).to.equal(2);
    return r.requestId;
  }

  const params = (requestId: bigint, over: { custodian?: CustodianClient } = {}) => ({
    custodian: over.custodian ?? custodian,
    requestId,
    devicePrivateKey: device.privateKey,
    blobs: { blobUrl },
    waitMs: 60_000,
  });

  let datasetId: bigint;
  let requestId: bigint;
  let sha: string;

  before(async () => {
    w = await startCliWorld({ custodian: true });
    store = new LocalBlobStore(w.blobDir);
    custodian = clientOf(w.custodian!.url);
    for (const m of ["bank", "insurer"] as const) await registerMember(as("supervisor"), { member: w.addr[m], kycRef: `KYC-${m}`, metadataURI: "" });
    device = generateEncryptionKeyPair();
    await publishEncryptionKey(as("insurer"), { device: "insurer/laptop-1", keyPair: device });
    const file = join(w.dir, "ana.ndjson");
    await writeFile(file, Array.from({ length: 3000 }, (_, i) => JSON.stringify({ seq: i, balance: i * 10, note: "x".repeat(40) })).join("\n") + "\n");
    records = await readFile(file);
    const ds = await registerDataset(as("bank"), { subject: w.addr.ana, category: "deposit", policy: POLICY, source: { plaintext: file }, blobStore: store });
    datasetId = ds.datasetId;
    sha = (await w.ledger.datasetVersion(datasetId, 1)).merkleRoot.slice(2); // the v2 blob's name
    await depositKey(as("bank"), { custodian, datasetId, version: 1, dek: ds.dek });
    requestId = await grantedRequest(datasetId);

    blobServer = createServer((req: IncomingMessage, res: ServerResponse) => {
      const [, scheme, hex] = /^\/(merkle|sha256)\/([0-9a-f]{64})$/.exec(req.url ?? "") ?? [];
      const odd = misbehaving.get(hex ?? "");
      if (odd) return odd(res);
      readFile(store.path(`blob://${scheme}/${hex}`)).then(
        (body) => res.writeHead(200, { "content-type": "application/octet-stream", "content-length": body.length }).end(body),
        () => res.writeHead(404).end(),
      );
    });
    await new Promise<void>((r) => blobServer.listen(0, "127.0.0.1", r));
    blobUrl = `http://127.0.0.1:${(blobServer.address() as AddressInfo).port}/{scheme}/{sha256}`;
  });

  afterEach(async () => {
    misbehaving.clear();
    for (const s of servers.splice(0)) await new Promise<void>((r) => (s.closeAllConnections(), s.close(() => r())));
  });

  after(async () => {
    if (blobServer) await new Promise<void>((r) => (blobServer.closeAllConnections(), blobServer.close(() => r())));
    await w?.stop();
  });

  /** A service that answers as `info` says and serves `envelope` for every request. */
  async function stubCustodian(info: unknown, envelope?: unknown): Promise<CustodianClient> {
    const app = express();
    app.get("/v1/custodian", (_req, res) => res.json(info));
    if (envelope) app.get("/v1/envelopes/:id", (_req, res) => res.json(envelope));
    const server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, "127.0.0.1", () => resolve(s));
    });
    servers.push(server);
    return clientOf(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  }

  it("hands over the provider's exact bytes, with the stored format and the chain's facts", async () => {
    const phases = new Set<string>();
    const out = await fetchAndDecryptBlob(as("insurer"), { ...params(requestId), onProgress: (phase) => phases.add(phase) });
    expect(Buffer.from(await out.plaintext.arrayBuffer()).equals(records)).to.equal(true);
    const v = await w.ledger.datasetVersion(datasetId, 1);
    expect([out.requestId, out.datasetId, out.version, out.kind, out.custodian, out.format]).to.deep.equal([requestId, datasetId, 1, 2, w.addr.custodian, "ndjson"]);
    expect([out.summary.version, out.summary.merkleRoot, out.summary.size, out.summary.plaintextSize]).to.deep.equal([2, v.merkleRoot, Number(v.size), records.length]);
    expect([...phases]).to.deep.equal(["key", "download", "decrypt"]);
  });

  it("stops a ciphertext that runs past its registered size (BLOB_TOO_LARGE), announced or not", async () => {
    const stored = await readFile(store.path(`blob://merkle/${sha}`));
    let endless: ReturnType<typeof sendEndless> | undefined;
    misbehaving.set(sha, (res) => (endless = sendEndless(res, stored))); // no length announced: only the reader can stop it
    const err = await rejects(fetchAndDecryptBlob(as("insurer"), params(requestId)), "BLOB_TOO_LARGE");
    expect(err.message).to.equal(`the ciphertext blob://merkle/${sha} is longer than the ${stored.length} bytes registered on chain for dataset #${datasetId} v1`);
    expect(endless!.sent(), "the reader hung up").to.be.lessThan(stored.length + 64 * 1024 * 1024);

    misbehaving.set(sha, (res) => res.writeHead(200, { "content-length": stored.length + 1 }).end(Buffer.concat([stored, Buffer.from([0])])));
    await rejects(fetchAndDecryptBlob(as("insurer"), params(requestId)), "BLOB_TOO_LARGE");
  });

  it("refuses a ciphertext of the registered size with one bit flipped (HASH_MISMATCH) and a short one", async () => {
    const stored = await readFile(store.path(`blob://merkle/${sha}`));
    const flipped = Buffer.from(stored);
    flipped[100]! ^= 1;
    misbehaving.set(sha, (res) => res.writeHead(200).end(flipped));
    const err = await rejects(fetchAndDecryptBlob(as("insurer"), params(requestId)), "HASH_MISMATCH");
    expect(err.message).to.match(new RegExp(`but the chain registered 0x${sha} for dataset #${datasetId} v1$`));
    misbehaving.set(sha, (res) => res.writeHead(200).end(stored.subarray(0, 1000)));
    await rejects(fetchAndDecryptBlob(as("insurer"), params(requestId)), "HASH_MISMATCH");
  });

  it("refuses a stored copy whose Merkle root is not the registered one, before decrypting it (HASH_MISMATCH)", async () => {
    // The right size, a wrong Merkle root on chain (and a commitment made for that root, so the key
    // checks pass and the custodian takes the deposit): the download's root check catches it.
    const sealed = await encryptDataset({ input: join(w.dir, "ana.ndjson"), output: join(w.dir, "bad-root.sealed"), blobStore: store });
    const wrongRoot = hexlify(randomBytes(32)) as `0x${string}`;
    const reg = await registerEncryptedDataset(as("bank"), {
      subject: w.addr.ana,
      category: "deposit",
      policy: POLICY,
      encrypted: { dek: sealed.dek, merkleRoot: wrongRoot, size: sealed.size, formatId: formatIdOf("ndjson"), storageURI: sealed.uri! },
    });
    await depositKey(as("bank"), { custodian, datasetId: reg.datasetId, version: 1, dek: sealed.dek });
    const id = await grantedRequest(reg.datasetId);
    const err = await rejects(fetchAndDecryptBlob(as("insurer"), params(id)), "HASH_MISMATCH");
    expect(err.message).to.equal(`the ciphertext's Merkle root is ${sealed.merkleRoot}, but the chain registered ${wrongRoot} for dataset #${reg.datasetId} v1`);
  });

  it("refuses a key that is not the version's committed key, though the custodian signed it (KEY_COMMITMENT_MISMATCH)", async () => {
    const answer = await custodian.fetchEnvelope(new Wallet(w.keys.insurer, w.provider), requestId);
    if (answer.status !== "ready") throw new Error("the real envelope is not released");
    const { custodian: _c, signature: _s, ...fields } = answer.envelope;
    const otherKey = new Uint8Array(randomBytes(32));
    const forged = await signEnvelope(new Wallet(w.keys.custodian), custodianDomain(BigInt(w.deployment.chainId), w.deployment.ledger), { ...fields, wrappedKey: hexlify(wrapKey(device.publicKey, otherKey)) });
    const client = await stubCustodian(await custodian.info(), forged);
    await rejects(fetchAndDecryptBlob(as("insurer"), params(requestId, { custodian: client })), "KEY_COMMITMENT_MISMATCH");
  });

  it("refuses a service whose account is not the ledger's custodian (CUSTODIAN_NOT_AUTHORIZED)", async () => {
    const client = await stubCustodian({ ...(await custodian.info()), address: w.addr.mallory });
    await rejects(fetchAndDecryptBlob(as("insurer"), params(requestId, { custodian: client })), "CUSTODIAN_NOT_AUTHORIZED");
  });

  it("requests nothing from an origin a storage URI names but the app is not configured for (BLOB_ORIGIN_NOT_ALLOWED)", async () => {
    let asked = 0;
    const elsewhere = createServer((_req, res) => (asked++, res.writeHead(200).end("x")));
    servers.push(elsewhere);
    await new Promise<void>((r) => elsewhere.listen(0, "127.0.0.1", r));
    const sealed = await encryptDataset({ input: join(w.dir, "ana.ndjson"), output: join(w.dir, "elsewhere.sealed") });
    const uri = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/ana.sealed`;
    const reg = await registerEncryptedDataset(as("bank"), {
      subject: w.addr.ana,
      category: "deposit",
      policy: POLICY,
      encrypted: { dek: sealed.dek, merkleRoot: sealed.merkleRoot, size: sealed.size, formatId: formatIdOf("ndjson"), storageURI: uri },
    });
    const err = await rejects(fetchCiphertext(as("insurer"), { datasetId: reg.datasetId, blobs: { blobUrl } }), "BLOB_ORIGIN_NOT_ALLOWED");
    expect(err.message).to.match(/is not an allowed blob origin/);
    expect(asked).to.equal(0);
  });
});
