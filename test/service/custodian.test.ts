/**
 * The key custodian over HTTP, against a real `hardhat node` (child process) and a real SQLite
 * file: deposit, release, fetch, refusals, revocation, expiry, restart. Scenario names follow
 * /work/shared/SCENARIOS.md.
 */
import { expect } from "chai";
import { DatabaseSync } from "node:sqlite";
import { getAddress, getBytes, hexlify, keccak256, randomBytes, Wallet, type TypedDataDomain } from "ethers";
import { custodianDomain, ENVELOPE_REQUEST_TYPES, KEY_DEPOSIT_TYPES } from "../../sdk/eip712.js";
import { envelopeHash, type Envelope } from "../../sdk/envelope.js";
import { wrapKey, keyPairFromPrivateKey } from "../../sdk/crypto/ecies.js";
import { verifyKeyCommitment } from "../../sdk/stream/commitment.js";
import { CustodianError, type FetchEnvelopeResult } from "../../sdk/custodian-client.js";
import { GrantKind } from "../../sdk/vocabulary.js";
import { createWorld, DEVICE, eventually, WITH_TEMPORARY, type Dataset, type RunningCustodian, type World } from "../../devkit/world.js";

const nowSec = () => Math.floor(Date.now() / 1000);

describe("key custodian service (HTTP, real chain)", function () {
  this.timeout(60_000);

  let world: World;
  let svc: RunningCustodian;
  let domain: TypedDataDomain;
  let custodianKey: string; // the custodian's published encryption key, 0x hex

  before(async function () {
    world = await createWorld();
    svc = await world.startCustodian();
    domain = custodianDomain(BigInt(world.deployment.chainId), world.deployment.ledger);
    custodianKey = (await svc.client.info()).encryptionKey;
  });

  after(async function () {
    await svc?.stop();
    await world?.close();
  });

  // ── helpers ───────────────────────────────────────────────────────────────────────────

  /** GET /v1/envelopes/:id with hand-made auth headers: the raw answer. */
  async function rawFetch(requestId: bigint | string, headers: Record<string, string>) {
    const res = await fetch(`${svc.url}/v1/envelopes/${requestId}`, { headers });
    return { status: res.status, type: res.headers.get("content-type") ?? "", body: (await res.json()) as Record<string, unknown> };
  }

  async function authHeaders(signer: Wallet, requestId: bigint, issuedAt = nowSec(), d: TypedDataDomain = domain) {
    const signature = await signer.signTypedData(d, ENVELOPE_REQUEST_TYPES, { requestId, issuedAt });
    return { "x-sealshare-issued-at": String(issuedAt), "x-sealshare-signature": signature };
  }

  /** Fetches as `signer` until the answer is not pending; returns the envelope or the error. */
  async function fetchUntilSettled(signer: Wallet, requestId: bigint): Promise<Envelope | CustodianError> {
    return eventually(async () => {
      try {
        const r = await svc.client.fetchEnvelope(signer, requestId);
        return r.status === "ready" ? r.envelope : undefined;
      } catch (err) {
        if (err instanceof CustodianError && err.code !== "unknown-request") return err;
        throw err;
      }
    }, `request ${requestId} to settle`);
  }

  async function fetchReady(signer: Wallet, requestId: bigint): Promise<Envelope> {
    const r = await fetchUntilSettled(signer, requestId);
    if (r instanceof CustodianError) throw new Error(`expected an envelope, got ${r.code}: ${r.message}`);
    return r;
  }

  async function fetchProblem(signer: Wallet, requestId: bigint, code: string): Promise<CustodianError> {
    return eventually(async () => {
      try {
        await svc.client.fetchEnvelope(signer, requestId);
        return undefined;
      } catch (err) {
        if (err instanceof CustodianError && err.code === code) return err;
        return undefined;
      }
    }, `problem ${code} for request ${requestId}`);
  }

  /** Fetches until the answer is `pending` (the request was seen) and returns it. */
  async function fetchPending(signer: Wallet, requestId: bigint): Promise<Extract<FetchEnvelopeResult, { status: "pending" }>> {
    return eventually(async () => {
      try {
        const r = await svc.client.fetchEnvelope(signer, requestId);
        return r.status === "pending" ? r : undefined;
      } catch (err) {
        if (err instanceof CustodianError && err.code === "unknown-request") return undefined;
        throw err;
      }
    }, `request ${requestId} to be pending`);
  }

  async function deposit(ds: Dataset, signer: Wallet = world.accounts.bank, dek: Uint8Array = ds.dek) {
    return svc.client.depositKey(signer, { datasetId: ds.datasetId, version: ds.version, dek, custodianKey });
  }

  async function depositError(ds: Dataset, signer: Wallet, dek: Uint8Array): Promise<CustodianError> {
    try {
      await deposit(ds, signer, dek);
    } catch (err) {
      if (err instanceof CustodianError) return err;
      throw err;
    }
    throw new Error("the deposit was accepted");
  }

  // ── identity ─────────────────────────────────────────────────────────────────────────

  it("publishes its encryption key on chain and serves its identity", async function () {
    const info = await svc.client.info();
    const { custodian } = world.accounts;
    expect(info.address).to.equal(custodian.address);
    expect(info.chainId).to.equal("31337");
    expect(getAddress(info.ledger)).to.equal(getAddress(world.deployment.ledger));
    expect(info.encryptionKey).to.equal(hexlify(keyPairFromPrivateKey(world.secrets.eciesKey).publicKey));
    const { owner, publicKey, live } = await world.ledger.encryptionKey(info.keyId);
    expect(owner).to.equal(custodian.address);
    expect(publicKey).to.equal(info.encryptionKey);
    expect(live).to.equal(true);

    const health = await (await fetch(`${svc.url}/healthz`)).json();
    expect(health.status).to.equal("ok");
  });

  // ── deposit ──────────────────────────────────────────────────────────────────────────

  describe("deposit", function () {
    it("accepts the provider's key (201), and the same key again idempotently (200)", async function () {
      const ds = await world.registerDataset();
      const first = await deposit(ds);
      expect(first).to.include({ created: true, status: "stored", version: 1, datasetId: ds.datasetId.toString() });
      const again = await deposit(ds);
      expect(again).to.include({ created: false, status: "already-stored" });
    });

    it("refuses a deposit signed by anyone but the dataset's current provider (403)", async function () {
      const ds = await world.registerDataset();
      const err = await depositError(ds, world.accounts.lender, ds.dek);
      expect(err.status).to.equal(403);
      expect(err.code).to.equal("not-provider");
    });

    it("refuses a key that does not match the version's on-chain commitment (422)", async function () {
      const ds = await world.registerDataset();
      const err = await depositError(ds, world.accounts.bank, new Uint8Array(randomBytes(32)));
      expect(err.status).to.equal(422);
      expect(err.code).to.equal("key-commitment-mismatch");
      expect(err.problem?.type).to.equal("urn:sealshare:problem:key-commitment-mismatch");
    });

    it("refuses a different key for a version that already has the right one (422), and keeps the stored key", async function () {
      const ds = await world.registerDataset();
      await deposit(ds);
      const err = await depositError(ds, world.accounts.bank, new Uint8Array(randomBytes(32)));
      // The commitment is checked first: a key that does not match it never replaces anything.
      expect(err.status).to.equal(422);
      expect(err.code).to.equal("key-commitment-mismatch");
      expect((await deposit(ds)).status).to.equal("already-stored");
    });

    it("refuses a stale issuedAt (401), an unknown dataset (404) and a malformed body (400, 413, 415)", async function () {
      const ds = await world.registerDataset();
      const { bank } = world.accounts;
      const wrappedKey = hexlify(wrapKey(getBytes(custodianKey), ds.dek));
      const body = async (datasetId: bigint, issuedAt: number) => ({
        datasetId: datasetId.toString(),
        version: 1,
        wrappedKey,
        issuedAt,
        signature: await bank.signTypedData(domain, KEY_DEPOSIT_TYPES, { datasetId, version: 1, wrappedKeyHash: keccak256(wrappedKey), issuedAt }),
      });
      const post = async (payload: unknown, contentType = "application/json") => {
        const res = await fetch(`${svc.url}/v1/keys`, {
          method: "POST",
          headers: { "content-type": contentType },
          body: typeof payload === "string" ? payload : JSON.stringify(payload),
        });
        return { status: res.status, type: res.headers.get("content-type") ?? "", body: (await res.json()) as Record<string, unknown> };
      };

      const stale = await post(await body(ds.datasetId, nowSec() - 301));
      expect([stale.status, stale.body.code]).to.deep.equal([401, "bad-signature"]);
      expect(stale.type).to.match(/^application\/problem\+json/);

      const unknown = await post(await body(9_999n, nowSec()));
      expect([unknown.status, unknown.body.code]).to.deep.equal([404, "unknown-dataset"]);

      const extra = await post({ ...(await body(ds.datasetId, nowSec())), dek: "0x00" });
      expect([extra.status, extra.body.code]).to.deep.equal([400, "invalid-request"]);

      const notJson = await post("{not json");
      expect([notJson.status, notJson.body.code]).to.deep.equal([400, "invalid-request"]);

      const huge = await post({ padding: "x".repeat(70_000) });
      expect([huge.status, huge.body.code]).to.deep.equal([413, "payload-too-large"]);

      const text = await post("hello", "text/plain");
      expect([text.status, text.body.code]).to.deep.equal([415, "unsupported-media-type"]);
    });
  });

  // ── release and fetch ─────────────────────────────────────────────────────────────────

  describe("release and fetch", function () {
    let ds: Dataset;
    let requestId: bigint;
    let envelope: Envelope;

    before(async function () {
      ds = await world.registerDataset();
      await deposit(ds);
    });

    it("answers 404 unknown-request for a request id it never saw", async function () {
      const r = await rawFetch(424_242n, await authHeaders(world.accounts.insurer, 424_242n));
      expect(r.status).to.equal(404);
      expect(r.body.code).to.equal("unknown-request");
      expect(r.type).to.match(/^application\/problem\+json/);
      expect(r.body).to.include.keys("type", "title", "status", "detail", "code");
    });

    it("answers 202 pending while the request is not granted", async function () {
      const { terms } = await world.consent(ds.datasetId);
      requestId = await world.request(terms, ds.datasetId);
      const pending = await fetchPending(world.accounts.insurer, requestId);
      expect(pending.reason).to.equal("not-granted");
      const raw = await rawFetch(requestId, await authHeaders(world.accounts.insurer, requestId, nowSec() + 61));
      expect(raw.status).to.equal(202);
      expect(raw.body.status).to.equal("pending");
    });

    it("releases the key once granted: the requester unwraps the original DEK with its device key", async function () {
      await world.approveByProvider(requestId);
      await world.approveBySupervisor(requestId);
      envelope = await fetchReady(world.accounts.insurer, requestId);
      expect(envelope).to.include({ requestId: requestId.toString(), datasetId: ds.datasetId.toString(), version: 1, kind: GrantKind.Formal });
      expect(envelope.custodian).to.equal(world.accounts.custodian.address);

      const dek = svc.client.openEnvelope(envelope, world.deviceKeys.insurer.privateKey, world.accounts.custodian.address);
      expect(hexlify(dek)).to.equal(hexlify(ds.dek));
      const { keyCommitment: onChainCommitment } = await world.ledger.datasetVersion(ds.datasetId, 1);
      const binding = { chainId: BigInt(world.deployment.chainId), ledger: world.deployment.ledger, datasetId: ds.datasetId, version: 1, merkleRoot: ds.merkleRoot };
      expect(verifyKeyCommitment(dek, binding, onChainCommitment)).to.equal(true);
      // Only the named device key opens it.
      expect(() => svc.client.openEnvelope(envelope, world.deviceKeys.lender.privateKey, world.accounts.custodian.address)).to.throw(/unwrap/);
    });

    it("records the release on chain: one KeyReleased carrying the envelope's hash", async function () {
      const logs = await eventually(async () => {
        const l = await world.keyReleasedLogs(requestId);
        return l.length > 0 ? l : undefined;
      }, "KeyReleased");
      expect(logs).to.have.length(1);
      expect(logs[0]).to.deep.include({
        kind: GrantKind.Formal,
        envelopeHash: envelopeHash(domain, envelope),
        requester: world.accounts.insurer.address,
        datasetId: ds.datasetId,
      });
    });

    it("refuses the envelope to any account but the requester (403)", async function () {
      for (const who of [world.accounts.lender, world.accounts.mallory]) {
        const r = await rawFetch(requestId, await authHeaders(who, requestId));
        expect([r.status, r.body.code]).to.deep.equal([403, "not-requester"]);
      }
    });

    it("refuses a replayed signature (401)", async function () {
      const headers = await authHeaders(world.accounts.insurer, requestId, nowSec() - 137);
      const first = await rawFetch(requestId, headers);
      expect(first.status).to.equal(200);
      expect(first.body.signature).to.equal(envelope.signature);
      const replay = await rawFetch(requestId, headers);
      expect([replay.status, replay.body.code]).to.deep.equal([401, "bad-signature"]);
    });

    it("refuses a request signed outside the ±300 s window (401)", async function () {
      for (const issuedAt of [nowSec() - 301, nowSec() + 301]) {
        const r = await rawFetch(requestId, await authHeaders(world.accounts.insurer, requestId, issuedAt));
        expect([r.status, r.body.code]).to.deep.equal([401, "bad-signature"]);
      }
    });

    it("refuses a request signed for another chain id or another ledger (403)", async function () {
      for (const other of [custodianDomain(1n, world.deployment.ledger), custodianDomain(31337n, world.accounts.mallory.address)]) {
        const r = await rawFetch(requestId, await authHeaders(world.accounts.insurer, requestId, nowSec(), other));
        // The signature recovers some other address, which is not the requester.
        expect([r.status, r.body.code]).to.deep.equal([403, "not-requester"]);
      }
    });

    it("refuses malformed fetches (400) and a garbled signature (401)", async function () {
      const bad = await rawFetch("not-a-number", await authHeaders(world.accounts.insurer, 1n));
      expect([bad.status, bad.body.code]).to.deep.equal([400, "invalid-request"]);
      const missing = await rawFetch(requestId, {});
      expect([missing.status, missing.body.code]).to.deep.equal([400, "invalid-request"]);
      const garbled = await rawFetch(requestId, { "x-sealshare-issued-at": String(nowSec()), "x-sealshare-signature": `0x${"ab".repeat(65)}` });
      expect([garbled.status, garbled.body.code]).to.deep.equal([401, "bad-signature"]);
    });

    it("stops delivery once the subject revokes consent (410 grant-revoked)", async function () {
      const other = await world.registerDataset();
      await deposit(other);
      const { requestId: id, consentId } = await world.grantedRequest(other);
      await fetchReady(world.accounts.insurer, id);
      await (await world.as(world.accounts.ana).revokeConsent(consentId)).wait();
      const err = await fetchProblem(world.accounts.insurer, id, "grant-revoked");
      expect(err.status).to.equal(410);
      expect(err.problem?.reason).to.equal("ConsentRevoked");
    });

    it("stops delivery after a grant revocation and after the requester's suspension (410)", async function () {
      const a = await world.registerDataset();
      await deposit(a);
      const { requestId: revoked } = await world.grantedRequest(a);
      await fetchReady(world.accounts.insurer, revoked);
      await (await world.as(world.accounts.sup).revokeGrant(revoked, 7)).wait();
      expect((await fetchProblem(world.accounts.insurer, revoked, "grant-revoked")).problem?.reason).to.equal("Revoked");

      // Lender gets a grant, then is suspended.
      const b = await world.registerDataset();
      await deposit(b);
      const { terms } = await world.consent(b.datasetId, world.accounts.lender);
      const lenderReq = await world.request(terms, b.datasetId, { requester: world.accounts.lender, device: DEVICE.lender });
      await world.approveByProvider(lenderReq);
      await world.approveBySupervisor(lenderReq);
      const env = await fetchReady(world.accounts.lender, lenderReq);
      expect(hexlify(svc.client.openEnvelope(env, world.deviceKeys.lender.privateKey, world.accounts.custodian.address))).to.equal(hexlify(b.dek));
      await (await world.as(world.accounts.sup).suspendMember(world.accounts.lender.address, 1)).wait();
      expect((await fetchProblem(world.accounts.lender, lenderReq, "grant-revoked")).problem?.reason).to.equal("RequesterSuspended");
    });
  });

  describe("grants and keys in either order", function () {
    it("a grant that arrives before the key waits, and is released when the key arrives", async function () {
      const ds = await world.registerDataset();
      const { requestId } = await world.grantedRequest(ds);
      const waiting = await eventually(async () => {
        const p = await fetchPending(world.accounts.insurer, requestId);
        return p.reason === "waiting-for-key" ? p : undefined;
      }, "waiting-for-key");
      expect(waiting.status).to.equal("pending");
      expect(await world.keyReleasedLogs(requestId)).to.have.length(0);

      await deposit(ds);
      const envelope = await fetchReady(world.accounts.insurer, requestId);
      const dek = svc.client.openEnvelope(envelope, world.deviceKeys.insurer.privateKey, world.accounts.custodian.address);
      expect(hexlify(dek)).to.equal(hexlify(ds.dek));
    });

    it("a waiting grant whose consent is revoked before the key arrives is never released", async function () {
      const ds = await world.registerDataset();
      const { requestId, consentId } = await world.grantedRequest(ds);
      await eventually(async () => ((await fetchPending(world.accounts.insurer, requestId)).reason === "waiting-for-key" ? true : undefined), "waiting");
      await (await world.as(world.accounts.ana).revokeConsent(consentId)).wait();
      await fetchProblem(world.accounts.insurer, requestId, "grant-revoked");
      await deposit(ds);
      // The woken release is re-checked on chain and refused.
      const rows = await eventually(async () => {
        const r = await svc.store.releases(requestId.toString());
        return r[0]?.status === "refused" ? r : undefined;
      }, "the release to be refused");
      expect(rows.map((r) => [r.status, r.reason])).to.deep.equal([["refused", "ConsentRevoked"]]);
      expect(await world.keyReleasedLogs(requestId)).to.have.length(0);
    });

    it("a temporary grant upgraded to formal gets a second envelope and receipt", async function () {
      const ds = await world.registerDataset(WITH_TEMPORARY);
      await deposit(ds);
      const { terms } = await world.consent(ds.datasetId);
      const requestId = await world.request(terms, ds.datasetId);
      await world.approveByProvider(requestId); // → temporary grant
      const temporary = await fetchReady(world.accounts.insurer, requestId);
      expect(temporary.kind).to.equal(GrantKind.Temporary);
      await eventually(async () => ((await world.keyReleasedLogs(requestId)).length === 1 ? true : undefined), "first receipt");

      await world.approveBySupervisor(requestId); // → formal grant
      const formal = await eventually(async () => {
        const e = await fetchReady(world.accounts.insurer, requestId);
        return e.kind === GrantKind.Formal ? e : undefined;
      }, "formal envelope");
      expect(formal.expiresAt).to.be.greaterThan(temporary.expiresAt);
      expect(formal.signature).to.not.equal(temporary.signature);
      const logs = await eventually(async () => {
        const l = await world.keyReleasedLogs(requestId);
        return l.length === 2 ? l : undefined;
      }, "second receipt");
      expect(logs.map((l) => [l.kind, l.envelopeHash])).to.deep.equal([
        [GrantKind.Temporary, envelopeHash(domain, temporary)],
        [GrantKind.Formal, envelopeHash(domain, formal)],
      ]);
    });
  });

  describe("expiry and restart", function () {
    let ds: Dataset;
    let released: bigint;
    let releasedEnvelope: Envelope;

    before(async function () {
      ds = await world.registerDataset();
      await deposit(ds);
      ({ requestId: released } = await world.grantedRequest(ds));
      releasedEnvelope = await fetchReady(world.accounts.insurer, released);
      await eventually(async () => ((await world.keyReleasedLogs(released)).length === 1 ? true : undefined), "receipt");
    });

    it("answers 410 grant-expired once the chain passes the grant's expiry", async function () {
      const { requestId } = await world.grantedRequest(ds, { duration: 120 });
      const envelope = await fetchReady(world.accounts.insurer, requestId);
      expect(envelope.expiresAt - (await world.chainNow())).to.be.within(1, 120);
      await world.provider.send("evm_increaseTime", [200]);
      await world.provider.send("evm_mine", []);
      const err = await fetchProblem(world.accounts.insurer, requestId, "grant-expired");
      expect(err.status).to.equal(410);
    });

    it("after a restart on the same database: no second envelope, no second receipt, same identity", async function () {
      const before = await svc.client.info();
      await svc.stop();
      // Simulate a crash right after the receipt was sent but before its tx hash was stored.
      const db = new DatabaseSync(world.dbPath);
      const changed = db
        .prepare("UPDATE releases SET receipt_state = 'unsent', receipt_tx = NULL WHERE request_id = ? AND kind = ?")
        .run(released.toString(), GrantKind.Formal).changes;
      db.close();
      expect(Number(changed)).to.equal(1);

      svc = await world.startCustodian();
      const after = await svc.client.info();
      expect(after).to.deep.equal({ ...before });

      // The reconciler finds the receipt on chain instead of sending it again.
      await eventually(async () => {
        const [row] = await svc.store.releases(released.toString());
        return row?.receiptState === "confirmed" ? row : undefined;
      }, "receipt reconciled");
      for (let i = 0; i < 3; i++) await svc.custodian.worker.round();
      expect(await world.keyReleasedLogs(released)).to.have.length(1);

      const again = await fetchReady(world.accounts.insurer, released);
      expect(again).to.deep.equal(releasedEnvelope);
      const rows = await svc.store.releases(released.toString());
      expect(rows).to.have.length(1);
    });
  });

  describe("logs", function () {
    it("logs carry no data key, private key, master key or signature", async function () {
      const text = world.logLines.join("");
      expect(text).to.contain('"msg":"key released"');
      expect(text).to.contain('"msg":"data key deposited"');
      expect(world.deks.length).to.be.greaterThan(10);
      const secrets = [
        ...world.deks.map((k) => hexlify(k).slice(2)),
        hexlify(world.secrets.eciesKey).slice(2),
        hexlify(world.secrets.masterKey).slice(2),
        ...world.chain.accounts.slice(0, 8).map((k) => k.slice(2)),
        hexlify(world.deviceKeys.insurer.privateKey).slice(2),
      ];
      for (const s of secrets) expect(text.toLowerCase()).to.not.contain(s.toLowerCase());
      // No signature (65 bytes) or wrapped key (≥ 97 bytes) in hex anywhere.
      expect(text).to.not.match(/[0-9a-fA-F]{130}/);
    });
  });
});
