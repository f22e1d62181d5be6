/**
 * The client's side of issue 11 ("close the trust holes"), on a real `hardhat node` with the
 * custodian as its own process, plus small stub services on 127.0.0.1 that play a malicious or
 * confused custodian:
 *
 * - commitment v2: registrations and publications commit the key to the slot the ledger assigns;
 *   a registration that loses the race for its id is re-committed and resent, a bounded number
 *   of times;
 * - key publication carries a proof of possession (SDK and `keys publish`);
 * - deposits wrap the key only to a custodian the chain vouches for (role + live published key);
 * - fetchKey refuses an envelope that is not the grant the chain holds (dataset, version, key, kind);
 * - decryptDataset verifies before anything reaches the output path;
 * - consents naming a dataset are its subject's only (sign, give, relay, request, CLI);
 * - `access status` says Expired once the grant ran out, even when the idle chain's latest block
 *   is older than the expiry.
 */
import { expect } from "chai";
import express from "express";
import { randomBytes } from "node:crypto";
import { readdir, readFile, writeFile } from "node:fs/promises";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { hexlify, Wallet, ZeroHash } from "ethers";
import {
  advanceRequest,
  approveRequest,
  decryptDataset,
  depositKey,
  encryptDataset,
  fetchKey,
  getRequestStatus,
  giveConsent,
  publishEncryptionKey,
  registerDataset,
  registerMember,
  relayConsent,
  requestAccess,
  signConsent,
  SLOT_ATTEMPTS,
  type SealshareContext,
} from "../../sdk/actions/index.js";
import { LocalBlobStore } from "../../sdk/blob/index.js";
import { CustodianClient } from "../../sdk/custodian-client.js";
import { generateEncryptionKeyPair, type EncryptionKeyPair } from "../../sdk/crypto/ecies.js";
import { CONSENT_TYPES, custodianDomain, ledgerDomain } from "../../sdk/eip712.js";
import { signEnvelope, type Envelope } from "../../sdk/envelope.js";
import { rejects } from "./helpers/rejects.js";
import type { Sealshare } from "../../sdk/contracts.js";
import { keyCommitment } from "../../sdk/stream/index.js";
import { verifyLedger } from "../../sdk/audit/verify.js";
import type { TimelineEntry } from "../../sdk/audit/timeline.js";
import { explain, startCliWorld, type CliWorld, type Role } from "../cli/helpers.js";

const POLICY = { requireProvider: true, supervisorQuorum: 0, maxTemporary: 3600, maxFormal: 7 * 86_400 };

/** A stand-in "custodian" on 127.0.0.1 that records every request it gets. */
interface Stub {
  url: string;
  requests: { method: string; path: string }[];
  close(): Promise<void>;
}

async function startStub(routes: (app: express.Express) => void): Promise<Stub> {
  const app = express();
  const requests: Stub["requests"] = [];
  app.use((req, _res, next) => {
    requests.push({ method: req.method, path: req.path });
    next();
  });
  app.use(express.json());
  routes(app);
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("client trust checks (issue 11)", function () {
  this.timeout(300_000);
  let w: CliWorld;
  let store: LocalBlobStore;
  let custodian: CustodianClient;
  let device: EncryptionKeyPair;
  let datasetId: bigint; // bank's dataset about ana
  let dek: Uint8Array;
  let requestId: bigint; // insurer's formal grant on it
  const as = (r: Role): SealshareContext => ({ ledger: w.ledger, signer: new Wallet(w.keys[r], w.provider), fromBlock: w.deployment.deployBlock });
  const stubs: Stub[] = [];
  const stub = async (routes: (app: express.Express) => void) => {
    const s = await startStub(routes);
    stubs.push(s);
    return s;
  };
  const clientOf = (url: string) => new CustodianClient(url, { chainId: w.deployment.chainId, ledger: w.deployment.ledger });
  const binding = (id: bigint, version: number, merkleRoot: string) => ({ chainId: BigInt(w.deployment.chainId), ledger: w.deployment.ledger, datasetId: id, version, merkleRoot });

  before(async () => {
    w = await startCliWorld({ custodian: true });
    store = new LocalBlobStore(w.blobDir);
    custodian = clientOf(w.custodian!.url);
    for (const m of ["bank", "insurer", "lender", "mallory"] as const) await registerMember(as("supervisor"), { member: w.addr[m], kycRef: `KYC-${m}`, metadataURI: "" });
    device = generateEncryptionKeyPair();
    await publishEncryptionKey(as("insurer"), { device: "insurer/laptop-1", keyPair: device });
    await writeFile(join(w.dir, "ana.ndjson"), Array.from({ length: 200 }, (_, i) => JSON.stringify({ seq: i, balance: i * 10 })).join("\n") + "\n");
    const ds = await registerDataset(as("bank"), { subject: w.addr.ana, category: "deposit", policy: POLICY, source: { plaintext: join(w.dir, "ana.ndjson") }, blobStore: store });
    datasetId = ds.datasetId;
    dek = ds.dek;
  });

  afterEach(async () => {
    for (const s of stubs.splice(0)) await s.close();
  });

  after(async () => {
    await w?.stop();
  });

  describe("commitment v2 on registration and publication", () => {
    it("commits the key to the dataset id the ledger assigned and version 1 (not to the ciphertext hash)", async () => {
      const v = await w.ledger.datasetVersion(datasetId, 1);
      expect(v.keyCommitment).to.equal(keyCommitment(dek, binding(datasetId, 1, v.merkleRoot)));
    });

    it("re-commits and resends a registration that lost the race for its id, and gives up after SLOT_ATTEMPTS", async () => {
      // A ledger whose nextDatasetId() answers, then lets the lender register a dataset before
      // the bank's transaction is sent: the id read is stale by the time it arrives.
      const racing = (races: number): { ctx: SealshareContext; reads: () => number } => {
        let reads = 0;
        const ledger = new Proxy(w.ledger, {
          get(target, prop, receiver) {
            if (prop !== "nextDatasetId") return Reflect.get(target, prop, receiver);
            return async () => {
              const id = await target.nextDatasetId();
              reads++;
              if (reads <= races) {
                await registerDataset(as("lender"), { subject: w.addr.ana, category: "fund", policy: POLICY, source: { plaintext: join(w.dir, "ana.ndjson") }, blobStore: store });
              }
              return id;
            };
          },
        }) as Sealshare;
        return { ctx: { ...as("bank"), ledger }, reads: () => reads };
      };
      const once = racing(1);
      const r = await registerDataset(once.ctx, { subject: w.addr.ana, category: "deposit", policy: POLICY, source: { plaintext: join(w.dir, "ana.ndjson") }, blobStore: store });
      expect(once.reads()).to.equal(2);
      expect((await w.ledger.dataset(r.datasetId)).provider).to.equal(w.addr.bank);
      expect((await w.ledger.datasetVersion(r.datasetId, 1)).keyCommitment).to.equal(keyCommitment(r.dek, binding(r.datasetId, 1, r.merkleRoot)));
      expect(r.keyCommitment).to.equal(keyCommitment(r.dek, binding(r.datasetId, 1, r.merkleRoot)));

      const always = racing(Number.MAX_SAFE_INTEGER);
      await rejects(registerDataset(always.ctx, { subject: w.addr.ana, category: "deposit", policy: POLICY, source: { plaintext: join(w.dir, "ana.ndjson") }, blobStore: store }), "DatasetsVersionSlotMismatch");
      expect(always.reads()).to.equal(SLOT_ATTEMPTS);
    });
  });

  describe("key publication with proof of possession", () => {
    it("publishes through the SDK and the CLI (`keys generate` + `keys publish`)", async () => {
      const r = await publishEncryptionKey(as("lender"), { device: "lender/desk", keyPair: generateEncryptionKeyPair() });
      expect(r.keyId).to.be.greaterThan(0);
      const gen = await w.cli(["keys", "generate", "--device", "lender/phone", "-o", "lender-phone.json"], { as: "lender" });
      expect(gen.code, explain(gen)).to.equal(0);
      const pub = await w.cli(["keys", "publish", "--device-key", "lender-phone.json"], { as: "lender" });
      expect(pub.code, explain(pub)).to.equal(0);
      const key = await w.ledger.encryptionKey(pub.json.keyId);
      expect([key.owner, key.live, hexlify(key.publicKey)]).to.deep.equal([w.addr.lender, true, gen.json.publicKey]);
    });
  });

  describe("deposits: the custodian's key is checked on chain, not taken from its HTTP answer", () => {
    it("refuses a service that offers a key the custodian never published, and sends it nothing", async () => {
      const real = await custodian.info();
      const foreign = generateEncryptionKeyPair();
      const s = await stub((app) => {
        app.get("/v1/custodian", (_req, res) => res.json({ ...real, encryptionKey: hexlify(foreign.publicKey) }));
        app.post("/v1/keys", (_req, res) => res.status(201).json({}));
      });
      const err = await rejects(depositKey(as("bank"), { custodian: clientOf(s.url), datasetId, version: 1, dek }), "CUSTODIAN_KEY_NOT_ON_CHAIN");
      expect(err.hint).to.be.a("string");
      expect(s.requests.filter((r) => r.method === "POST"), "the stub received a deposit").to.deep.equal([]);
    });

    it("refuses a service that names an account without the custodian role (even with that account's own published key), and sends it nothing", async () => {
      const malloryKey = generateEncryptionKeyPair();
      await publishEncryptionKey(as("mallory"), { device: "sealshare-custodian", keyPair: malloryKey });
      const real = await custodian.info();
      const s = await stub((app) => {
        app.get("/v1/custodian", (_req, res) => res.json({ ...real, address: w.addr.mallory, encryptionKey: hexlify(malloryKey.publicKey) }));
        app.post("/v1/keys", (_req, res) => res.status(201).json({}));
      });
      await rejects(depositKey(as("bank"), { custodian: clientOf(s.url), datasetId, version: 1, dek }), "CUSTODIAN_NOT_AUTHORIZED");
      expect(s.requests.filter((r) => r.method === "POST")).to.deep.equal([]);
    });

    it("deposits with the real custodian, whose key is its live published one", async () => {
      const d = await depositKey(as("bank"), { custodian, datasetId, version: 1, dek });
      expect(d.custodian).to.equal(w.addr.custodian);
      expect(d.datasetId).to.equal(datasetId.toString());
    });
  });

  describe("fetchKey: the envelope must be the grant the chain holds", () => {
    let real: Envelope;
    before(async () => {
      const signed = await signConsent(as("ana"), { requester: w.addr.insurer, datasetId, purpose: "underwriting" });
      const r = await requestAccess(as("insurer"), { datasetId, purpose: "underwriting", kind: "formal", duration: "7d", device: "insurer/laptop-1", consent: signed.terms, signature: signed.signature });
      requestId = r.requestId;
      const approved = await approveRequest(as("bank"), { requestId, as: "provider" });
      if (!approved.granted) await advanceRequest(as("bank"), { requestId });
      const got = await fetchKey(as("insurer"), { custodian, requestId, devicePrivateKey: device.privateKey, waitMs: 60_000, minKind: 2 });
      expect(hexlify(got.dek)).to.equal(hexlify(dek)); // the v2 commitment checks out for the real key
      real = got.envelope;
    });

    /** A service that answers as the real custodian, but serves `envelope` (signed with the custodian's key). */
    async function serving(change: Partial<Envelope>): Promise<CustodianClient> {
      const info = await custodian.info();
      const domain = custodianDomain(BigInt(w.deployment.chainId), w.deployment.ledger);
      const { custodian: _c, signature: _s, ...fields } = real;
      const forged = await signEnvelope(new Wallet(w.keys.custodian), domain, { ...fields, ...change });
      const s = await stub((app) => {
        app.get("/v1/custodian", (_req, res) => res.json(info));
        app.get("/v1/envelopes/:id", (_req, res) => res.json(forged));
      });
      return clientOf(s.url);
    }

    for (const [name, change, code] of [
      ["another dataset", { datasetId: "999" }, "ENVELOPE_WRONG_DATASET"],
      ["another version", { version: 2 }, "ENVELOPE_WRONG_VERSION"],
      ["another device key", { keyId: 424242 }, "ENVELOPE_WRONG_KEY"],
      ["another grant kind", { kind: 1 }, "ENVELOPE_WRONG_KIND"],
      ["another request", { requestId: "999" }, "ENVELOPE_MISMATCH"],
    ] as const) {
      it(`refuses a custodian-signed envelope for ${name} (${code})`, async () => {
        const client = await serving(change as Partial<Envelope>);
        await rejects(fetchKey(as("insurer"), { custodian: client, requestId, devicePrivateKey: device.privateKey }), code);
      });
    }

    it("accepts the same envelope unchanged through the same stub (the checks are what refuse)", async () => {
      const client = await serving({});
      const got = await fetchKey(as("insurer"), { custodian: client, requestId, devicePrivateKey: device.privateKey });
      expect(hexlify(got.dek)).to.equal(hexlify(dek));
    });
  });

  describe("decryptDataset verifies before anything reaches the output path", () => {
    it("a version whose ciphertext does not match its registered Merkle root leaves the output path untouched", async () => {
      // The bank registers a ciphertext with the right size but a wrong Merkle root (and a
      // commitment made for that root, so the key check passes): the Merkle root is the content
      // commitment (format v2), so the copy is refused before decryption.
      const sealed = await encryptDataset({ input: join(w.dir, "ana.ndjson"), output: join(w.dir, "bad.sealed"), blobStore: store });
      const wrongRoot = hexlify(randomBytes(32));
      const id = await w.ledger.nextDatasetId();
      const formatId = ZeroHash;
      const tx = await w.ledger.connect(new Wallet(w.keys.bank, w.provider)).registerDataset(w.addr.ana, 0, POLICY, ZeroHash, {
        datasetId: id,
        version: 1,
        merkleRoot: wrongRoot,
        keyCommitment: keyCommitment(sealed.dek, binding(id, 1, wrongRoot)),
        size: sealed.size,
        formatId,
        storageURI: sealed.uri!,
      });
      await tx.wait();
      const outDir = join(w.dir, "out");
      await (await import("node:fs/promises")).mkdir(outDir);
      const output = join(outDir, "ana.ndjson");
      await writeFile(output, "the previous, good copy\n");
      await rejects(decryptDataset(as("insurer"), { datasetId: id, version: 1, dek: sealed.dek, blobStore: store, output, workDir: outDir }), "HASH_MISMATCH");
      expect(await readFile(output, "utf8")).to.equal("the previous, good copy\n");
      expect(await readdir(outDir)).to.deep.equal(["ana.ndjson"]); // no plaintext left behind either
    });
  });

  describe("consents for a dataset are its subject's", () => {
    it("signConsent, giveConsent, relayConsent and requestAccess refuse a consent to someone else's dataset before anything is sent", async () => {
      await rejects(signConsent(as("mallory"), { requester: w.addr.mallory, datasetId, purpose: "underwriting" }), "NOT_DATASET_SUBJECT");
      await rejects(giveConsent(as("mallory"), { requester: w.addr.mallory, datasetId, purpose: "underwriting" }), "NOT_DATASET_SUBJECT");
      // Terms signed outside the SDK: the relayer (and the requester) still refuse them.
      const block = await w.provider.getBlock("latest");
      const terms = {
        subject: w.addr.mallory,
        requester: w.addr.mallory,
        datasetId,
        category: 0,
        purpose: 1,
        maxKind: 2,
        expiresAt: BigInt(block!.timestamp + 86_400),
        receiptHash: ZeroHash,
        nonce: hexlify(randomBytes(32)),
        deadline: BigInt(block!.timestamp + 3600),
      };
      const signature = await new Wallet(w.keys.mallory).signTypedData(await ledgerDomain(w.ledger), CONSENT_TYPES, terms);
      const before = await w.provider.getBlockNumber();
      await rejects(relayConsent(as("insurer"), { terms, signature }), "NOT_DATASET_SUBJECT");
      await rejects(giveConsent(as("mallory"), { terms }), "NOT_DATASET_SUBJECT");
      await rejects(
        requestAccess(as("mallory"), { datasetId, purpose: 1, kind: "formal", duration: "1d", device: "insurer/laptop-1", consent: terms, signature }),
        "NOT_DATASET_SUBJECT",
      );
      expect(await w.provider.getBlockNumber(), "a transaction was sent").to.equal(before);
    });

    it("`consent sign --dataset` as someone else than the subject fails with NOT_DATASET_SUBJECT", async () => {
      const r = await w.cli(["consent", "sign", "--dataset", String(datasetId), "--requester", w.addr.mallory, "--purpose", "underwriting", "-o", "mallory-consent.json"], { as: "mallory" });
      expect(r.code, explain(r)).to.not.equal(0);
      expect(r.json?.error?.code, explain(r)).to.equal("NOT_DATASET_SUBJECT");
    });
  });
});

describe("audit verify: consent by someone other than the dataset's subject", () => {
  const entry = (event: string, args: Record<string, unknown>, n: number): TimelineEntry => ({ blockNumber: n, logIndex: 0, txHash: `0x${n.toString(16).padStart(64, "0")}`, event, args, summary: event, timestamp: 1_700_000_000 + n });
  const ana = "0x00000000000000000000000000000000000000a1";
  const mallory = "0x00000000000000000000000000000000000000b2";
  const policy = { requireProvider: false, supervisorQuorum: 0n, maxTemporary: 0n, maxFormal: 86_400n };
  const history = (consentSubject: string): TimelineEntry[] => [
    entry("DatasetRegistered", { datasetId: 1n, provider: "0x00000000000000000000000000000000000000c3", subject: ana, category: 0n, policy, sourceRef: ZeroHash }, 1),
    // As an older deployment recorded it: the ledger did not check the subject then.
    entry("ConsentGiven", { consentId: `0x${"ee".repeat(32)}`, subject: consentSubject, requester: mallory, datasetId: 1n, category: 0n, purpose: 1n, maxKind: 2n, expiresAt: 1_800_000_000n, receiptHash: ZeroHash, relayer: consentSubject }, 2),
    // A category-wide consent (dataset 0) by anyone is not this rule's business.
    entry("ConsentGiven", { consentId: `0x${"dd".repeat(32)}`, subject: mallory, requester: mallory, datasetId: 0n, category: 0n, purpose: 1n, maxKind: 2n, expiresAt: 1_800_000_000n, receiptHash: ZeroHash, relayer: mallory }, 3),
  ];
  const verify = (timeline: TimelineEntry[]) => verifyLedger({ ledger: {} as Sealshare, provider: {} as never, fromBlock: 0, timeline });

  it("flags it as CONSENT_NOT_DATASET_SUBJECT, naming the transaction", async () => {
    const report = await verify(history(mallory));
    expect(report.ok).to.equal(false);
    expect(report.violations.map((v) => [v.check, v.code, v.txHash, v.datasetId])).to.deep.equal([["consent", "CONSENT_NOT_DATASET_SUBJECT", history(mallory)[1]!.txHash, "1"]]);
  });

  it("passes the subject's own consent", async () => {
    const report = await verify(history(ana));
    expect(report.violations).to.deep.equal([]);
  });
});

describe("audit verify: the category floor covers temporary grants", () => {
  const entry = (event: string, args: Record<string, unknown>, n: number): TimelineEntry => ({ blockNumber: n, logIndex: 0, txHash: `0x${n.toString(16).padStart(64, "0")}`, event, args, summary: event, timestamp: 1_700_000_000 + n });
  const ana = "0x00000000000000000000000000000000000000a1";
  const insurer = "0x00000000000000000000000000000000000000b2";
  const bank = "0x00000000000000000000000000000000000000c3";
  const cid = `0x${"ee".repeat(32)}`;
  /** Policy: provider approval, no supervisor quorum, 1 h temporary grants; the category's floor varies. */
  const history = (minimum: Record<string, bigint | boolean>, temporaryFor: number): TimelineEntry[] => [
    entry("CategoryMinimumChanged", { category: 0n, oldMinimum: {}, newMinimum: minimum }, 1),
    entry("DatasetRegistered", { datasetId: 1n, provider: bank, subject: ana, category: 0n, policy: { requireProvider: true, supervisorQuorum: 0n, maxTemporary: 3600n, maxFormal: 86_400n }, sourceRef: ZeroHash }, 2),
    entry("ConsentGiven", { consentId: cid, subject: ana, requester: insurer, datasetId: 1n, category: 0n, purpose: 1n, maxKind: 2n, expiresAt: 1_800_000_000n, receiptHash: ZeroHash, relayer: ana }, 3),
    entry("AccessRequested", { requestId: 1n, datasetId: 1n, requester: insurer, consentId: cid }, 4),
    entry("AccessApproved", { requestId: 1n, approver: bank, asSupervisor: false }, 5),
    entry("AccessGranted", { requestId: 1n, datasetId: 1n, requester: insurer, kind: 1n, expiresAt: BigInt(1_700_000_006 + temporaryFor), version: 1n, keyId: 1n }, 6),
  ];
  const codes = async (timeline: TimelineEntry[]) => (await verifyLedger({ ledger: {} as Sealshare, provider: {} as never, fromBlock: 0, timeline })).violations.map((v) => v.code);
  const floor = (temporary: bigint, extra: Record<string, bigint> = {}) => ({ requireProvider: false, supervisorQuorum: 1n, temporary, temporaryQuorum: 0n, maxTemporary: 0n, ...extra });

  it("a temporary grant without the category's quorum (AfterQuorum, the default) is GRANT_WITHOUT_QUORUM", async () => {
    expect(await codes(history(floor(0n), 600))).to.deep.equal(["GRANT_WITHOUT_QUORUM"]);
  });

  it("under Early it needs only the early quorum (0 here)", async () => {
    expect(await codes(history(floor(1n), 600))).to.deep.equal([]);
  });

  it("under Forbidden any temporary grant is GRANT_TEMPORARY_FORBIDDEN", async () => {
    expect(await codes(history(floor(2n, { supervisorQuorum: 0n }), 600))).to.deep.equal(["GRANT_TEMPORARY_FORBIDDEN"]);
  });

  it("a temporary grant longer than the category's cap is GRANT_BEYOND_POLICY_MAX", async () => {
    expect(await codes(history(floor(1n, { maxTemporary: 300n }), 600))).to.deep.equal(["GRANT_BEYOND_POLICY_MAX"]);
  });

  it("…and says the durations in words", async () => {
    const { violations } = await verifyLedger({ ledger: {} as Sealshare, provider: {} as never, fromBlock: 0, timeline: history(floor(1n, { maxTemporary: 300n }), 600) });
    expect(violations.map((v) => v.message.replace(/^.*: expires/, "expires"))).to.deep.equal(["expires 10 minutes after it was granted; the policy allows 5 minutes"]);
  });
});

describe("access status after expiry on an idle chain", function () {
  this.timeout(180_000);
  let w: CliWorld;
  const as = (r: Role): SealshareContext => ({ ledger: w.ledger, signer: new Wallet(w.keys[r], w.provider), fromBlock: w.deployment.deployBlock });

  before(async () => {
    w = await startCliWorld(); // no custodian: nothing mines a block while the test waits
  });
  after(async () => {
    await w?.stop();
  });

  it("says Expired once the grant ran out by the wall clock, although the latest block is older than the expiry", async () => {
    for (const m of ["bank", "insurer"] as const) await registerMember(as("supervisor"), { member: w.addr[m], kycRef: m, metadataURI: "" });
    await publishEncryptionKey(as("insurer"), { device: "insurer/laptop-1", keyPair: generateEncryptionKeyPair() });
    const plain = join(w.dir, "p.ndjson");
    await writeFile(plain, '{"a":1}\n');
    const ds = await registerDataset(as("bank"), { subject: w.addr.ana, category: "deposit", policy: POLICY, source: { plaintext: plain }, blobStore: new LocalBlobStore(w.blobDir) });
    const signed = await signConsent(as("ana"), { requester: w.addr.insurer, datasetId: ds.datasetId, purpose: "underwriting" });
    const r = await requestAccess(as("insurer"), { datasetId: ds.datasetId, purpose: "underwriting", kind: "formal", duration: 2, device: "insurer/laptop-1", consent: signed.terms, signature: signed.signature });
    const approved = await approveRequest(as("bank"), { requestId: r.requestId, as: "provider" });
    if (!approved.granted) await advanceRequest(as("bank"), { requestId: r.requestId });
    const g = await w.ledger.isGrantValid(r.requestId);
    // Wait past the expiry by the wall clock, mining nothing.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(g.expiresAt) * 1000 - Date.now()) + 1500));
    const latest = await w.provider.getBlock("latest");
    expect(latest!.timestamp, "the chain stayed idle").to.be.lessThan(Number(g.expiresAt));
    // The hole: the ledger's own view call still calls the grant valid.
    expect((await w.ledger.isGrantValid(r.requestId)).valid, "isGrantValid judged by the stale block time").to.equal(true);
    const s = await getRequestStatus(as("insurer"), { requestId: r.requestId });
    expect([s.grant.valid, s.grant.reason]).to.deep.equal([false, "Expired"]);
    const cli = await w.cli(["access", "status", String(r.requestId)]);
    expect(cli.code, explain(cli)).to.equal(0);
    expect([cli.json.grant.valid, cli.json.grant.reason], explain(cli)).to.deep.equal([false, "Expired"]);
  });
});
