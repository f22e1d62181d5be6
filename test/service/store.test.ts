/**
 * The Store contract, run as ONE shared suite (`describeStore`) against both implementations:
 * SQLite (node:sqlite) and PostgreSQL (pg; skipped with a printed reason only when no server
 * answers at 127.0.0.1:5432). Each PostgreSQL run gets its own database, dropped afterwards.
 * Then what only one of them has: the SQLite v1 → v2 upgrade, PostgreSQL leadership.
 */
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import pg from "pg";
import { hexlify, id, randomBytes } from "ethers";
import { FatalError } from "../../service/internal/errors.js";
import { createKeyBox } from "../../service/keys/at-rest.js";
import { MIGRATIONS, PG_MIGRATIONS } from "../../service/store/migrations.js";
import { openPostgresStore } from "../../service/store/postgres.js";
import { openSqliteStore } from "../../service/store/sqlite.js";
import type { ChainTx, LedgerEvent, LoggedEvent, Store, StoreBinding } from "../../service/store/store.js";
import { buildBatch } from "../../service/receipts/merkle.js";
import { createTestDatabase, pgOrSkip, type TestDatabase } from "../helpers/pg.js";

const LEDGER = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const BINDING: StoreBinding = { chainId: "31337", ledger: LEDGER, startBlock: 5 };
const A = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const B = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const hash = (n: number) => id(`block ${n}`);

interface Harness {
  open(binding?: StoreBinding): Promise<Store>;
  versions(): Promise<number[]>;
  expectedVersions: number[];
  cleanup(): Promise<void>;
}

let logIndex = 0;
function at(blockNumber: number, event: LedgerEvent): LoggedEvent {
  return { blockNumber, blockHash: hash(blockNumber), logIndex: logIndex++, txIndex: 0, txHash: id(`tx ${logIndex}`), event };
}
const requested = (b: number, requestId: string, o: { requester?: string; consentId?: string; datasetId?: string; keyId?: number } = {}) =>
  at(b, {
    name: "AccessRequested",
    requestId,
    datasetId: o.datasetId ?? "1",
    requester: o.requester ?? A,
    consentId: o.consentId ?? id(`consent ${requestId}`),
    version: 1,
    kind: 2,
    keyId: o.keyId ?? 1,
  });
const granted = (b: number, requestId: string, kind = 2, o: { requester?: string; datasetId?: string; keyId?: number } = {}) =>
  at(b, { name: "AccessGranted", requestId, datasetId: o.datasetId ?? "1", requester: o.requester ?? A, kind, expiresAt: 9_999_999_999, version: 1, keyId: o.keyId ?? 1 });

export function describeStore(name: string, factory: () => Promise<Harness | undefined>): void {
  describe(`Store contract: ${name}`, function () {
    this.timeout(30_000);
    let h: Harness;
    let store: Store;

    before(async function () {
      const made = await factory.call(this);
      if (!made) return this.skip();
      h = made;
    });
    after(async () => h?.cleanup());
    beforeEach(async () => {
      store = await h.open();
    });
    afterEach(async () => store?.close());

    /** Ingests `events` as one range ending at `to`, final up to `finalized`. */
    const ingest = (s: Store, to: number, events: LoggedEvent[], finalized = to) =>
      s.ingest({ events, cursor: { blockNumber: to, blockHash: hash(to) }, finalized, chainTime: 1_000 + to });

    it("records its migrations once and reopens without re-running them", async function () {
      expect(await store.cursor()).to.deep.include({ blockNumber: 4 });
      await store.close();
      store = await h.open();
      expect(await h.versions()).to.deep.equal(h.expectedVersions);
      expect((await store.syncState()).finalized).to.be.at.least(4);
    });

    it("refuses a database that belongs to another deployment", async function () {
      let caught: unknown;
      try {
        await (await h.open({ ...BINDING, chainId: "1" })).close();
      } catch (err) {
        caught = err;
      }
      expect(caught).to.be.instanceOf(FatalError);
      expect((caught as Error).message).to.match(/belongs to ledger/);
    });

    it("accepts a signed-request digest once, until it expires", async function () {
      const d = hexlify(randomBytes(32));
      expect(await store.consumeSignature(d, 1_000, 900)).to.equal(true);
      expect(await store.consumeSignature(d, 1_000, 950)).to.equal(false);
      expect(await store.consumeSignature(d, 2_000, 1_001)).to.equal(true);
    });

    it("refuses concurrent uses of one digest but one, and remembers uses across a restart", async function () {
      const d = hexlify(randomBytes(32));
      const answers = await Promise.all(Array.from({ length: 8 }, () => store.consumeSignature(d, 5_000, 4_000)));
      expect(answers.filter(Boolean)).to.have.length(1);
      const e = hexlify(randomBytes(32));
      expect(await store.consumeSignature(e, 5_000, 4_000)).to.equal(true);
      await store.close(); // a clean stop writes what is buffered
      store = await h.open();
      expect(await store.consumeSignature(d, 5_000, 4_001)).to.equal(false);
      expect(await store.consumeSignature(e, 5_000, 4_001)).to.equal(false);
      expect(await store.consumeSignature(e, 6_000, 5_001)).to.equal(true); // expired: usable again
    });

    it("ingests facts idempotently: a replayed range changes nothing", async function () {
      const events = [requested(100, "r1"), granted(100, "r1")];
      const first = await ingest(store, 100, events);
      expect(first).to.deep.include({ applied: 2, duplicates: 0, grants: 1 });
      const state = await store.request("r1");
      const again = await ingest(store, 100, events);
      expect(again).to.deep.include({ applied: 0, duplicates: 2, grants: 0, finalizedGrants: 0 });
      expect(await store.request("r1")).to.deep.equal(state);
      expect(state).to.deep.include({ requestId: "r1", kind: 2, version: 1, voidReason: null, grantBlock: 100, requester: A });
      const st = await store.syncState();
      expect(st.tip).to.deep.equal({ blockNumber: 100, blockHash: hash(100).toLowerCase() });
      expect(st.checkpoint).to.match(/^000000000100:000000:\d{6}$/);
    });

    it("derives every void reason from facts, and only for requests made before the voiding event", async function () {
      const consent = id("shared consent");
      await ingest(store, 110, [
        requested(101, "v1"),
        granted(101, "v1"),
        requested(101, "v2", { consentId: consent }),
        granted(101, "v2"),
        requested(101, "v3", { requester: B }),
        granted(101, "v3", 2, { requester: B }),
        requested(101, "v4", { datasetId: "7" }),
        granted(101, "v4", 2, { datasetId: "7" }),
        requested(101, "v5", { keyId: 9 }),
        granted(101, "v5", 2, { keyId: 9 }),
        at(105, { name: "GrantRevoked", requestId: "v1" }),
        at(105, { name: "ConsentRevoked", consentId: consent }),
        at(105, { name: "MemberSuspended", member: B }),
        at(105, { name: "DatasetRetired", datasetId: "7" }),
        at(105, { name: "EncryptionKeyPublished", owner: A, keyId: 10, previousKeyId: 9 }),
        // B is reinstated (not tracked) and asks again: the later request is untouched.
        requested(108, "v6", { requester: B }),
        granted(108, "v6", 2, { requester: B }),
      ]);
      const reasons = await Promise.all(["v1", "v2", "v3", "v4", "v5", "v6"].map(async (r) => (await store.request(r))?.voidReason));
      expect(reasons).to.deep.equal(["Revoked", "ConsentRevoked", "RequesterSuspended", "DatasetRetired", "DeviceKeyChanged", null]);
      expect((await store.requestsWhere({ requester: B }, 10)).map((r) => r.requestId).sort()).to.deep.equal(["v3", "v6"]);
    });

    it("creates a release only once its grant's block is final, once", async function () {
      await ingest(store, 120, [requested(118, "f1"), granted(118, "f1"), requested(120, "f2"), granted(120, "f2")], 118);
      expect((await store.releases("f1")).map((r) => r.status)).to.deep.equal(["pending"]);
      expect(await store.releases("f2")).to.deep.equal([]);
      expect((await store.dueReleases(9_999_999_999, 1000)).filter((j) => j.requestId.startsWith("f"))).to.have.length(1);
      const r = await store.finalize(120, 2_000);
      expect(r.finalizedGrants).to.equal(1);
      expect((await store.releases("f2")).map((x) => [x.status, x.grantBlock])).to.deep.equal([["pending", 120]]);
      expect((await store.finalize(120, 2_000)).finalizedGrants).to.equal(0);
    });

    it("rewinds: drops orphaned facts and releases, archives released ones and reports them", async function () {
      await ingest(store, 130, [requested(125, "w1"), granted(125, "w1"), requested(128, "w2"), granted(128, "w2"), requested(130, "w3"), granted(130, "w3")]);
      expect((await store.dueReleases(9_999_999_999, 1000)).filter((j) => j.requestId.startsWith("w")).map((j) => j.requestId)).to.deep.equal(["w1", "w2", "w3"]);
      const env = { requestId: "w2", datasetId: "1", version: 1, kind: 2, expiresAt: 1, keyId: 1, wrappedKey: "0x00", custodian: A, signature: "0x" };
      expect(await store.saveEnvelopes([{ requestId: "w2", kind: 2, envelope: env, envelopeHash: id("e"), releasedAt: 5, leaf: id("l"), receiptMode: "single" }])).to.deep.equal([true]);
      const result = await store.rewind({ blockNumber: 126, blockHash: hash(126) });
      expect(result.removed).to.equal(4);
      expect(result.releasedOrphans).to.deep.equal([{ requestId: "w2", kind: 2 }]);
      expect(await store.request("w3")).to.equal(undefined);
      expect(await store.releases("w3")).to.deep.equal([]);
      // The orphaned grant's envelope is neither served nor receipted any more.
      expect(await store.releases("w2")).to.deep.equal([]);
      expect((await store.openReceipts()).map((r) => r.requestId)).to.not.include("w2");
      expect((await store.request("w1"))?.kind).to.equal(2);
      const st = await store.syncState();
      expect([st.tip.blockNumber, st.finalized]).to.deep.equal([126, 126]);
    });

    it("persists exactly one envelope per (request, kind); a deposit wakes releases waiting for its key", async function () {
      await ingest(store, 140, [requested(140, "e1"), granted(140, "e1")]);
      await store.settleReleases([{ requestId: "e1", kind: 2, status: "waiting-key", reason: "key-not-deposited", nextAttemptAt: 0 }]);
      expect((await store.releases("e1"))[0]!.status).to.equal("waiting-key");
      const box = createKeyBox(randomBytes(32));
      const put = await store.putDatasetKey({
        datasetId: "1",
        version: 1,
        sealed: box.seal(randomBytes(32), 1n, 1),
        keyCommitment: id("k"),
        merkleRoot: null,
        depositedBy: A,
        depositedAt: 1,
      });
      expect(put).to.deep.equal({ created: true, woken: 1 });
      expect((await store.datasetKey("1", 1))?.sealed).to.be.instanceOf(Uint8Array);
      const env = { requestId: "e1", datasetId: "1", version: 1, kind: 2, expiresAt: 1, keyId: 1, wrappedKey: "0x00", custodian: A, signature: "0x" };
      const rec = { requestId: "e1", kind: 2, envelope: env, envelopeHash: id("e1"), releasedAt: 5, leaf: id("l1"), receiptMode: "single" as const };
      expect(await store.saveEnvelopes([rec, { ...rec, envelopeHash: id("other") }])).to.deep.equal([true, false]);
      const [row] = await store.releases("e1");
      expect(row).to.deep.include({ status: "released", envelopeHash: id("e1").toLowerCase(), receiptState: "unsent", receiptMode: "single" });
      expect(row!.envelope).to.deep.equal(env);
      await store.settleReleases([{ requestId: "e1", kind: 2, status: "refused", reason: "Revoked" }]); // a released row is never closed
      expect((await store.releases("e1"))[0]!.status).to.equal("released");
    });

    it("a share deposited while the worker was looking is seen when it settles: the release does not wait forever", async function () {
      const datasetId = "77"; // no key nor share of it anywhere else in this suite
      await ingest(store, 141, [requested(141, "s1", { datasetId }), granted(141, "s1", 2, { datasetId })]);
      // The deposit lands first (nothing is waiting yet, so it wakes nothing) ...
      const put = await store.putShare({ datasetId, version: 1, setId: 1, index: 0, sealed: randomBytes(61), proof: [id("p")], sharesRoot: id("root"), depositedBy: A, depositedAt: 1 });
      expect(put).to.deep.equal({ created: true, shredded: false, woken: 0 });
      // ... then the worker, which looked before it, settles "waiting for the share".
      await store.settleReleases([{ requestId: "s1", kind: 2, status: "waiting-key", reason: "share-not-deposited", nextAttemptAt: 0 }]);
      expect((await store.releases("s1"))[0]!.status).to.equal("pending");
    });

    it("forms receipt batches, serves their proofs, and confirms them when the seal is final", async function () {
      await ingest(store, 150, [requested(150, "901"), granted(150, "901"), requested(150, "902"), granted(150, "902")]);
      const members = ["901", "902"].map((r, i) => ({ requestId: r, kind: 2, envelopeHash: id(`env ${r}`), releasedAt: 1000 + i }));
      const tree = buildBatch(members);
      await store.saveEnvelopes(
        members.map((m, i) => ({
          ...m,
          envelope: { requestId: m.requestId, datasetId: "1", version: 1, kind: 2, expiresAt: 1, keyId: 1, wrappedKey: "0x", custodian: A, signature: "0x" },
          leaf: tree.leaves[i]!,
          receiptMode: "batch" as const,
        })),
      );
      expect((await store.unbatchedReleases(10)).map((u) => u.requestId)).to.deep.equal(["901", "902"]);
      const batchId = `0x${"ab".repeat(16)}`;
      await store.createBatch({ batchId, root: tree.root, members: members.map((m, i) => ({ requestId: m.requestId, kind: 2, proof: tree.proofs[i]! })) });
      expect(await store.unbatchedReleases(10)).to.deep.equal([]);
      let caught: unknown;
      try {
        await store.createBatch({ batchId: `0x${"cd".repeat(16)}`, root: tree.root, members: [{ requestId: "901", kind: 2, proof: [] }] });
      } catch (err) {
        caught = err;
      }
      expect(String(caught)).to.match(/no longer waiting/); // a release joins exactly one batch
      expect((await store.openBatches()).map((b) => [b.batchId, b.state])).to.deep.equal([[batchId, "formed"]]);
      await store.markBatchSent(batchId);

      const [p1] = await store.receiptProofs("901");
      expect(p1).to.deep.include({ mode: "batch", status: "submitted", batchId, root: tree.root, leaf: tree.leaves[0], sealTx: null });
      expect(p1!.proof).to.deep.equal(tree.proofs[0]);

      // The seal is seen in block 152 (not final), then final.
      const seal = at(152, { name: "ReceiptBatchSealed", batchId, root: tree.root, count: 2 });
      await ingest(store, 152, [seal], 151);
      expect((await store.openBatches()).map((b) => b.state)).to.deep.equal(["sent"]);
      const fin = await store.finalize(152, 3_000);
      expect(fin.confirmedReceipts).to.equal(2);
      expect(await store.openBatches()).to.deep.equal([]);
      const [c1] = await store.receiptProofs("901");
      expect(c1).to.deep.include({ status: "confirmed", sealTx: seal.txHash, sealBlock: 152 });
      expect((await store.releases("902"))[0]!.receiptState).to.equal("confirmed");
    });

    it("stores custodian transactions once per key and tracks their progress", async function () {
      const tx: ChainTx = {
        key: "seal:0x01",
        nonce: 7,
        hashes: [id("h1")],
        raw: "0x02",
        to: LEDGER,
        data: "0x",
        gasLimit: "60000",
        maxFeePerGas: "10",
        maxPriorityFeePerGas: "1",
        state: "sent",
        minedTx: null,
        minedBlock: null,
        sentAtMs: 1,
        sentBlock: 1,
        bumps: 0,
        resends: 0,
      };
      expect(await store.putTx(tx)).to.deep.equal(tx);
      expect(await store.putTx({ ...tx, nonce: 8, hashes: [id("h2")] })).to.deep.equal(tx);
      await store.updateTx(tx.key, { hashes: [id("h1"), id("h2")], bumps: 1, maxFeePerGas: "12" });
      expect((await store.openTxs()).map((t) => [t.nonce, t.hashes.length, t.bumps, t.maxFeePerGas])).to.deep.equal([[7, 2, 1, "12"]]);
      await store.updateTx(tx.key, { state: "done", minedTx: id("h2"), minedBlock: 3 });
      expect(await store.openTxs()).to.deep.equal([]);
      expect(await store.tx(tx.key)).to.deep.include({ state: "done", minedBlock: 3 });
      // A reorg below its block (deeper than the confirmation depth) opens it again for the submitter.
      await store.rewind({ blockNumber: 2, blockHash: null });
      expect((await store.openTxs()).map((t) => [t.key, t.state, t.minedTx, t.minedBlock])).to.deep.equal([[tx.key, "sent", null, null]]);
      // A shallower one leaves a transaction mined below it alone.
      await store.updateTx(tx.key, { state: "done", minedTx: id("h2"), minedBlock: 3 });
      await store.rewind({ blockNumber: 3, blockHash: null });
      expect(await store.openTxs()).to.deep.equal([]);
    });

    it("re-wraps every data key in one transaction (all or nothing)", async function () {
      const oldBox = createKeyBox(randomBytes(32));
      const dek = randomBytes(32);
      for (const v of [1, 2, 3]) {
        await store.putDatasetKey({ datasetId: "9", version: v, sealed: oldBox.seal(dek, 9n, v), keyCommitment: id("k"), merkleRoot: null, depositedBy: A, depositedAt: 1 });
      }
      const before = (await store.datasetKey("9", 2))!.sealed;
      let n = 0;
      let caught: unknown;
      try {
        await store.rewrapDatasetKeys((k) => {
          if (k.datasetId === "9" && ++n === 2) throw new Error("disk full");
          return new Uint8Array([1, 2, 3]);
        });
      } catch (err) {
        caught = err;
      }
      expect(String(caught)).to.contain("disk full");
      expect(hexlify((await store.datasetKey("9", 1))!.sealed)).to.not.equal("0x010203"); // rolled back
      const newBox = createKeyBox(randomBytes(32));
      const count = await store.rewrapDatasetKeys((k) =>
        k.datasetId === "9" ? newBox.seal(oldBox.open(k.sealed, BigInt(k.datasetId), k.version), BigInt(k.datasetId), k.version) : k.sealed,
      );
      expect(count).to.be.at.least(3);
      const after = (await store.datasetKey("9", 2))!.sealed;
      expect(hexlify(after)).to.not.equal(hexlify(before));
      expect(hexlify(newBox.open(after, 9n, 2))).to.equal(hexlify(dek));
    });

    it("binds a release row to its grant's log: a reorg that re-mines the request id for another requester gets a fresh row", async function () {
      // Block 160 on branch A: request r8 by A, granted (confirmation depth 0: final at once).
      const branch = (hashOf: string, requester: string, first: number) => {
        const ev = (logIndex: number, event: LedgerEvent): LoggedEvent => ({ blockNumber: 160, blockHash: hashOf, logIndex, txIndex: 0, txHash: id(`${hashOf}/${logIndex}`), event });
        return [
          ev(first, { name: "AccessRequested", requestId: "r8", datasetId: "1", requester, consentId: id(`c/${requester}`), version: 1, kind: 2, keyId: 1 }),
          ev(first + 1, { name: "AccessGranted", requestId: "r8", datasetId: "1", requester, kind: 2, expiresAt: 9_999_999_999, version: 1, keyId: 1 }),
        ];
      };
      const hashA = id("block 160 / branch A");
      const hashB = id("block 160 / branch B");
      await store.ingest({ events: branch(hashA, A, 0), cursor: { blockNumber: 160, blockHash: hashA }, finalized: 160, chainTime: 1_160 });
      const [job] = (await store.dueReleases(9_999_999_999, 1000)).filter((j) => j.requestId === "r8");
      expect(job).to.deep.include({ requester: A, grantHash: hashA.toLowerCase(), grantLogIndex: 1 });
      const env = { requestId: "r8", datasetId: "1", version: 1, kind: 2, expiresAt: 9_999_999_999, keyId: 1, wrappedKey: "0x0a", custodian: A, signature: "0x" };
      const rec = { requestId: "r8", kind: 2, envelope: env, envelopeHash: id("env A"), releasedAt: 5, leaf: id("leaf A"), receiptMode: "single" as const };
      expect(await store.saveEnvelopes([{ ...rec, grantHash: job!.grantHash, grantLogIndex: job!.grantLogIndex }])).to.deep.equal([true]);

      // The block is replayed with another transaction order: the same request id now belongs to B.
      const rewound = await store.rewind({ blockNumber: 159, blockHash: hash(159) });
      expect(rewound.releasedOrphans).to.deep.equal([{ requestId: "r8", kind: 2 }]);
      await store.ingest({ events: branch(hashB, B, 3), cursor: { blockNumber: 160, blockHash: hashB }, finalized: 160, chainTime: 1_160 });

      const view = await store.requestView("r8");
      expect(view.state).to.deep.include({ requester: B, grantHash: hashB.toLowerCase(), grantLogIndex: 4 });
      // A fresh row for B's grant, with no envelope: A's envelope is gone from what is served.
      expect(view.releases.map((r) => [r.status, r.envelope, r.grantHash, r.grantLogIndex, r.receiptState])).to.deep.equal([
        ["pending", null, hashB.toLowerCase(), 4, "none"],
      ]);
      // An envelope made for A's grant (a worker round in flight during the reorg) is not saved onto B's row.
      expect(await store.saveEnvelopes([{ ...rec, grantHash: hashA, grantLogIndex: 1 }])).to.deep.equal([false]);
      expect((await store.releases("r8"))[0]!.envelope).to.equal(null);
      expect((await store.openReceipts()).map((r) => r.requestId)).to.not.include("r8");
      // B's own envelope is.
      expect(await store.saveEnvelopes([{ ...rec, envelopeHash: id("env B"), grantHash: hashB, grantLogIndex: 4 }])).to.deep.equal([true]);
      expect((await store.releases("r8"))[0]).to.deep.include({ status: "released", envelopeHash: id("env B").toLowerCase() });
    });

    it("replaces a stored key that a deposit shows stale, and wakes releases held or refused for the mismatch", async function () {
      await ingest(store, 170, [requested(170, "k1", { datasetId: "7" }), granted(170, "k1", 2, { datasetId: "7" }), requested(170, "k2", { datasetId: "7" }), granted(170, "k2", 2, { datasetId: "7" })]);
      const box = createKeyBox(randomBytes(32));
      const key = (dek: Uint8Array) => ({ datasetId: "7", version: 1, sealed: box.seal(dek, 7n, 1), keyCommitment: id("k"), merkleRoot: id("root"), depositedBy: A, depositedAt: 1 });
      const stale = key(randomBytes(32));
      expect((await store.putDatasetKey(stale)).created).to.equal(true);
      await store.settleReleases([{ requestId: "k1", kind: 2, status: "pending", reason: "key-commitment-mismatch", nextAttemptAt: 9_999_999_999 }]);
      await store.settleReleases([{ requestId: "k2", kind: 2, status: "refused", reason: "key-commitment-mismatch" }]); // what an older build did
      const right = key(randomBytes(32));
      // Only over the key it was compared with.
      expect(await store.replaceDatasetKey(right, right.sealed)).to.deep.equal({ replaced: false, woken: 0 });
      expect(await store.replaceDatasetKey(right, stale.sealed)).to.deep.equal({ replaced: true, woken: 2 });
      expect(Buffer.from((await store.datasetKey("7", 1))!.sealed).equals(Buffer.from(right.sealed))).to.equal(true);
      expect((await store.datasetKey("7", 1))!.merkleRoot).to.equal(id("root").toLowerCase());
      const due = (await store.dueReleases(0, 1000)).map((j) => j.requestId).filter((r) => r.startsWith("k"));
      expect(due.sort()).to.deep.equal(["k1", "k2"]);
    });

    it("dissolves a receipt batch formed (not sent) with an orphaned release: the orphan's leaf is never sealed", async function () {
      const hashA = id("block 180 / branch A");
      const ev = (logIndex: number, event: LedgerEvent): LoggedEvent => ({ blockNumber: 180, blockHash: hashA, logIndex, txIndex: 0, txHash: id(`b180/${logIndex}`), event });
      await ingest(store, 179, [requested(179, "8801"), granted(179, "8801")]);
      await store.ingest({
        events: [
          ev(0, { name: "AccessRequested", requestId: "8802", datasetId: "1", requester: A, consentId: id("c/8802"), version: 1, kind: 2, keyId: 1 }),
          ev(1, { name: "AccessGranted", requestId: "8802", datasetId: "1", requester: A, kind: 2, expiresAt: 9_999_999_999, version: 1, keyId: 1 }),
        ],
        cursor: { blockNumber: 180, blockHash: hashA },
        finalized: 180,
        chainTime: 1_180,
      });
      const members = ["8801", "8802"].map((r, i) => ({ requestId: r, kind: 2, envelopeHash: id(`env ${r}`), releasedAt: 2000 + i }));
      const tree = buildBatch(members);
      await store.saveEnvelopes(
        members.map((m, i) => ({
          ...m,
          envelope: { requestId: m.requestId, datasetId: "1", version: 1, kind: 2, expiresAt: 1, keyId: 1, wrappedKey: "0x", custodian: A, signature: "0x" },
          leaf: tree.leaves[i]!,
          receiptMode: "batch" as const,
        })),
      );
      const batchId = `0x${"ef".repeat(16)}`;
      await store.createBatch({ batchId, root: tree.root, members: members.map((m, i) => ({ requestId: m.requestId, kind: 2, proof: tree.proofs[i]! })) });
      await store.rewind({ blockNumber: 179, blockHash: hash(179) });
      expect((await store.openBatches()).map((x) => x.batchId)).to.not.include(batchId);
      expect(await store.releases("8802")).to.deep.equal([]);
      expect((await store.unbatchedReleases(10)).map((u) => u.requestId)).to.deep.equal(["8801"]);
      expect((await store.releases("8801"))[0]).to.deep.include({ receiptState: "unsent", batchId: null });
    });
  });
}

// ── the two implementations ───────────────────────────────────────────────────────────

describeStore("SQLite (node:sqlite)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sealshare-store-"));
  const path = join(dir, "custodian.db");
  return {
    open: (b = BINDING) => openSqliteStore(path, b),
    async versions() {
      const db = new DatabaseSync(path);
      try {
        return db.prepare("SELECT version FROM schema_migrations ORDER BY version").all().map((r) => Number(r.version));
      } finally {
        db.close();
      }
    },
    expectedVersions: MIGRATIONS.map((m) => m.version),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

describeStore("PostgreSQL (pg)", async function (this: Mocha.Context) {
  if (!(await pgOrSkip(this, "the PostgreSQL store suite"))) return undefined;
  const db: TestDatabase = await createTestDatabase();
  return {
    open: (b = BINDING) => openPostgresStore(db.url, b, { max: 4 }),
    async versions() {
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      try {
        return (await c.query("SELECT version FROM schema_migrations ORDER BY version")).rows.map((r: { version: number }) => Number(r.version));
      } finally {
        await c.end();
      }
    },
    expectedVersions: PG_MIGRATIONS.map((m) => m.version),
    cleanup: () => db.drop(),
  };
});

// ── what only one of them has ─────────────────────────────────────────────────────────

describe("SQLite store: upgrade from the first cut's schema (v1 → current)", function () {
  it("keeps deposited keys and envelopes, drops derived state to re-ingest it", async function () {
    const dir = mkdtempSync(join(tmpdir(), "sealshare-upgrade-"));
    try {
      const path = join(dir, "old.db");
      const db = new DatabaseSync(path);
      db.exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT");
      db.exec(MIGRATIONS[0]!.sql);
      db.prepare("INSERT INTO schema_migrations VALUES (1, 'initial', 'then')").run();
      db.prepare("INSERT INTO meta VALUES ('chainId', '31337'), ('ledger', ?)").run(LEDGER.toLowerCase());
      db.prepare("INSERT INTO cursor (id, block_number, block_hash) VALUES (1, 50, '0xabc')").run();
      db.prepare("INSERT INTO requests (request_id, dataset_id, requester, key_id, kind, version, expires_at) VALUES ('7', '3', ?, 1, 2, 1, 99)").run(A);
      db.prepare("INSERT INTO dataset_keys VALUES ('3', 1, ?, '0xc', '0xk', ?, 1)").run(new Uint8Array([1, 2, 3]), A);
      db.prepare(
        "INSERT INTO releases (request_id, kind, status, envelope, envelope_hash, receipt_state, receipt_tx, created_at, updated_at) VALUES ('7', 2, 'released', '{\"requestId\":\"7\"}', '0xe', 'confirmed', '0xt', 1, 2)",
      ).run();
      db.prepare("INSERT INTO releases (request_id, kind, status, created_at, updated_at) VALUES ('8', 2, 'pending', 1, 2)").run();
      db.close();

      const store = await openSqliteStore(path, BINDING);
      try {
        expect(await store.cursor()).to.deep.equal({ blockNumber: 4, blockHash: null }); // re-ingest from the deployment block
        expect((await store.datasetKey("3", 1))?.sealed).to.deep.equal(new Uint8Array([1, 2, 3]));
        const [r] = await store.releases("7");
        expect(r).to.deep.include({ status: "released", envelopeHash: "0xe", receiptState: "confirmed", receiptMode: "single" });
        expect(await store.releases("8")).to.deep.equal([]); // recreated when its grant is final again
      } finally {
        await store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("PostgreSQL store: leadership among replicas", function () {
  this.timeout(30_000);
  let db: TestDatabase | undefined;
  before(async function () {
    if (!(await pgOrSkip(this, "PostgreSQL leadership"))) return;
    db = await createTestDatabase();
  });
  after(async () => db?.drop());

  it("exactly one store leads; when it lets go (or its connection dies) another takes over", async function () {
    const [s1, s2] = [await openPostgresStore(db!.url, BINDING, { max: 2 }), await openPostgresStore(db!.url, BINDING, { max: 2 })];
    try {
      const l1 = s1.leadership();
      const l2 = s2.leadership();
      expect(await l1.acquire()).to.equal(true);
      expect(await l2.acquire()).to.equal(false);
      expect(await l1.acquire()).to.equal(true); // re-checking keeps it
      expect([l1.isLeader, l2.isLeader]).to.deep.equal([true, false]);

      // Kill the leader's lock connection from the server side, as a crash would.
      const admin = new pg.Client({ connectionString: db!.url });
      await admin.connect();
      await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'sealshare-custodian-leader' AND pid <> pg_backend_pid() AND datname = current_database() AND pid IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted)");
      await admin.end();
      let took = false;
      for (let i = 0; i < 50 && !took; i++) {
        took = await l2.acquire();
        if (!took) await new Promise((r) => setTimeout(r, 100));
      }
      expect(took).to.equal(true);
      expect(await l1.acquire()).to.equal(false); // the old leader sees it lost and does not lead
      await l2.release();
      expect(await l1.acquire()).to.equal(true);
    } finally {
      await s1.close();
      await s2.close();
    }
  });
});
