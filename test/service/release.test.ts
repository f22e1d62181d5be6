/**
 * Release and receipts against a real `hardhat node`, receipts in batch mode: envelopes signed
 * exactly as the SDK signs them, leaves exactly as the contract computes them, batches sealed by
 * size and by age whose proofs verify on chain, the grant re-checked at the FINALIZED block (a
 * revocation not yet final already holds a release back), the transaction submitter's fee bumps
 * and rebroadcasts, and a crash in the middle of a batch seal (nothing lost, nothing sealed twice).
 */
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getAddress, hexlify, id, randomBytes, Wallet, type TypedDataDomain } from "ethers";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { custodianDomain } from "../../sdk/eip712.js";
import { envelopeHash, signEnvelope, verifyEnvelope } from "../../sdk/envelope.js";
import { GrantKind } from "../../sdk/vocabulary.js";
import { createLogger } from "../../service/internal/logger.js";
import { LEAF_ENCODING, receiptLeaf } from "../../service/receipts/merkle.js";
import { createEnvelopeSigner } from "../../service/release/signing.js";
import { createTxSubmitter } from "../../service/receipts/tx.js";
import { openSqliteStore } from "../../service/store/sqlite.js";
import type { ReceiptProof } from "../../service/store/store.js";
import { createWorld, eventually, type Dataset, type RunningCustodian, type World } from "../../devkit/world.js";

describe("release and batched receipts (real chain)", function () {
  this.timeout(60_000);

  let world: World;
  let svc: RunningCustodian;
  let domain: TypedDataDomain;
  let custodianKey: string;
  let tmp: string;

  const BATCH = { mode: "batch" as const, batchSize: 3, batchMaxAgeMs: 60_000 };
  const TIMED = { mode: "batch" as const, batchSize: 100, batchMaxAgeMs: 1500 };

  async function restart(opts: Parameters<World["startCustodian"]>[0]) {
    await svc.stop();
    svc = await world.startCustodian(opts);
  }

  before(async function () {
    world = await createWorld();
    tmp = mkdtempSync(join(tmpdir(), "sealshare-release-"));
    svc = await world.startCustodian({ receipts: BATCH, tx: { bumpAfterMs: 1000, bumpAfterBlocks: 1000 } });
    domain = custodianDomain(BigInt(world.deployment.chainId), world.deployment.ledger);
    custodianKey = (await svc.client.info()).encryptionKey;
  });

  after(async function () {
    await svc?.stop();
    await world?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  async function depositedDataset(): Promise<Dataset> {
    const ds = await world.registerDataset();
    await svc.client.depositKey(world.accounts.bank, { datasetId: ds.datasetId, version: ds.version, dek: ds.dek, custodianKey });
    return ds;
  }

  async function confirmedReceipt(requestId: bigint, kind = GrantKind.Formal, timeoutMs = 20_000): Promise<ReceiptProof> {
    return eventually(async () => {
      const p = await svc.custodian.receipts.proofForRelease(requestId.toString(), kind);
      return p?.status === "confirmed" ? p : undefined;
    }, `receipt of ${requestId} confirmed`, timeoutMs);
  }

  it("signs envelopes byte-identically to the SDK and computes leaves as the contract does", async function () {
    const wallet = new Wallet(world.chain.accounts[2]!);
    const signer = await createEnvelopeSigner(wallet, domain);
    const e = { requestId: "123456789", datasetId: "42", version: 3, kind: 2, expiresAt: 1_900_000_000, keyId: 7, wrappedKey: hexlify(randomBytes(129)) };
    const fast = await signer.sign(e);
    expect(fast.envelope).to.deep.equal(await signEnvelope(wallet, domain, e));
    expect(fast.envelopeHash).to.equal(envelopeHash(domain, e));
    verifyEnvelope(domain, fast.envelope, wallet.address, 0);
    const m = { requestId: e.requestId, kind: 2, envelopeHash: fast.envelopeHash, releasedAt: 1_800_000_123 };
    const onChain = await world.ledger.receiptLeaf(BigInt(m.requestId), m.kind, m.envelopeHash, m.releasedAt);
    expect(receiptLeaf(m)).to.equal(onChain);
    expect(StandardMerkleTree.of([[m.requestId, m.kind, m.envelopeHash, m.releasedAt]], [...LEAF_ENCODING]).root).to.equal(onChain);
  });

  it("seals a full batch (size trigger) under a UUID v4 id; every proof verifies on chain", async function () {
    const ids: bigint[] = [];
    for (let i = 0; i < 3; i++) ids.push((await world.grantedRequest(await depositedDataset())).requestId);
    const proofs = await Promise.all(ids.map((r) => confirmedReceipt(r)));
    const batchIds = new Set(proofs.map((p) => p.batchId));
    expect(batchIds.size).to.equal(1);
    const [batchId] = [...batchIds] as string[];
    expect(batchId).to.match(/^0x[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}$/); // UUID v4 as bytes16
    const sealed = await world.ledger.queryFilter(world.ledger.filters.ReceiptBatchSealed(batchId), world.deployment.deployBlock);
    expect(sealed).to.have.length(1);
    expect(sealed[0]!.args.count).to.equal(3n);
    expect(sealed[0]!.args.root).to.equal(proofs[0]!.root);
    expect(await world.ledger.receiptBatchRoot(batchId!)).to.equal(proofs[0]!.root);
    for (const p of proofs) {
      expect(p.sealTx).to.equal(sealed[0]!.transactionHash);
      expect(await world.ledger.verifyReceipt(batchId!, p.leaf!, p.proof!)).to.equal(true);
      expect(StandardMerkleTree.verify(p.root!, [...LEAF_ENCODING], [p.requestId, p.kind, p.envelopeHash, p.releasedAt], p.proof!)).to.equal(true);
      // The leaf binds the envelope the requester received.
      const env = await svc.client.fetchEnvelope(world.accounts.insurer, BigInt(p.requestId));
      expect(env.status).to.equal("ready");
      if (env.status === "ready") expect(envelopeHash(domain, env.envelope)).to.equal(p.envelopeHash);
    }
    // The same proof over HTTP, for auditors (public route).
    const res = await fetch(`${svc.url}/v1/receipts/${ids[0]}`);
    expect(res.status).to.equal(200);
    const body = (await res.json()) as { requestId: string; receipts: ReceiptProof[] };
    expect(body.receipts).to.deep.equal([proofs[0]]);
    expect((await fetch(`${svc.url}/v1/receipts/987654321`)).status).to.equal(404);
    // No one-by-one receipts in batch mode.
    for (const r of ids) expect(await world.keyReleasedLogs(r)).to.deep.equal([]);
  });

  it("seals a partial batch once the oldest release has waited long enough (time trigger)", async function () {
    await restart({ receipts: TIMED });
    const { requestId } = await world.grantedRequest(await depositedDataset());
    const p = await confirmedReceipt(requestId);
    const [sealed] = await world.ledger.queryFilter(world.ledger.filters.ReceiptBatchSealed(p.batchId!), world.deployment.deployBlock);
    expect(sealed!.args.count).to.equal(1n);
    expect(await world.ledger.verifyReceipt(p.batchId!, p.leaf!, p.proof!)).to.equal(true);
  });

  it("a crash during a batch seal neither loses nor double-seals", async function () {
    const ids = [(await world.grantedRequest(await depositedDataset())).requestId];
    await eventually(async () => ((await svc.store.releases(ids[0]!.toString()))[0]?.status === "released" ? true : undefined), "released");
    // Blocks stop: the seal is sent but stays in the pool…
    await world.provider.send("evm_setAutomine", [false]);
    try {
      const batchId = await eventually(async () => {
        const [p] = await svc.store.receiptProofs(ids[0]!.toString());
        return p?.batchId && (await svc.store.tx(`seal:${p.batchId}`)) ? p.batchId : undefined;
      }, "the seal to be sent");
      // …and the custodian dies (its store keeps what was committed; nothing is cleaned up).
      await svc.stop();
      svc = await world.startCustodian({ receipts: TIMED, tx: { bumpAfterMs: 500, bumpAfterBlocks: 1000 } });
      // After the restart the unmined seal is replaced (same nonce, higher fees), not re-formed.
      await eventually(async () => ((await svc.store.tx(`seal:${batchId}`))!.bumps > 0 ? true : undefined), "a fee bump");
      expect(await svc.store.openBatches()).to.have.length(1);
      await world.provider.send("evm_mine", []);
      await world.provider.send("evm_setAutomine", [true]);
      await world.provider.send("evm_mine", []);
      const proofs = await Promise.all(ids.map((r) => confirmedReceipt(r)));
      expect(new Set(proofs.map((p) => p.batchId))).to.deep.equal(new Set([batchId]));
      const sealed = await world.ledger.queryFilter(world.ledger.filters.ReceiptBatchSealed(batchId), world.deployment.deployBlock);
      expect(sealed).to.have.length(1);
      for (const p of proofs) expect(await world.ledger.verifyReceipt(batchId, p.leaf!, p.proof!)).to.equal(true);
    } finally {
      await world.provider.send("evm_setAutomine", [true]);
    }
  });

  it("a batch already sealed on chain (crash after broadcast) is not sealed again", async function () {
    const { requestId } = await world.grantedRequest(await depositedDataset());
    const first = await confirmedReceipt(requestId);
    await svc.stop();
    // Forget that the seal was sent, as if the process died between broadcast and bookkeeping.
    const { DatabaseSync } = await import("node:sqlite");
    const db = new DatabaseSync(world.dbPath);
    db.prepare("UPDATE receipt_batches SET state = 'formed', seal_tx = NULL, seal_block = NULL WHERE batch_id = ?").run(first.batchId);
    db.prepare("UPDATE releases SET receipt_state = 'batched' WHERE batch_id = ?").run(first.batchId);
    db.prepare("DELETE FROM chain_txs WHERE tx_key = ?").run(`seal:${first.batchId}`);
    db.close();
    svc = await world.startCustodian({ receipts: TIMED });
    await world.provider.send("evm_mine", []);
    await eventually(async () => ((await svc.store.openBatches()).some((b) => b.batchId === first.batchId && b.state === "sent") ? true : undefined), "batch marked sent");
    await world.provider.send("evm_mine", []);
    await world.grantedRequest(await depositedDataset()); // more blocks, more finality
    const sealed = await world.ledger.queryFilter(world.ledger.filters.ReceiptBatchSealed(first.batchId!), world.deployment.deployBlock);
    expect(sealed).to.have.length(1);
    expect(await svc.store.tx(`seal:${first.batchId}`)).to.equal(undefined); // no second transaction was even sent
  });

  describe("at a confirmation depth of 2", function () {
    before(async function () {
      await svc.stop();
      svc = await world.startCustodian({ receipts: TIMED, confirmations: 2, db: join(tmp, "deep.db") });
    });

    it("releases nothing from a block until it is final", async function () {
      const ds = await depositedDataset();
      const { requestId } = await world.grantedRequest(ds);
      await new Promise((r) => setTimeout(r, 500));
      const state = await svc.store.request(requestId.toString());
      expect(state?.kind).to.equal(GrantKind.Formal); // seen…
      expect(await svc.store.releases(requestId.toString())).to.deep.equal([]); // …not due
      await world.provider.send("evm_mine", []);
      await world.provider.send("evm_mine", []);
      await eventually(async () => ((await svc.store.releases(requestId.toString()))[0]?.status === "released" ? true : undefined), "released once final");
    });

    it("holds a release back when a revocation is seen before it is final, then refuses it with the chain's reason", async function () {
      const ds = await depositedDataset();
      const { requestId } = await world.grantedRequest(ds); // grant at G
      await (await world.as(world.accounts.sup).revokeGrant(requestId, 9)).wait(); // revoked at G+1
      await world.provider.send("evm_mine", []); // head G+2: the grant is final, the revocation not yet
      await eventually(async () => ((await svc.store.releases(requestId.toString())).length === 1 ? true : undefined), "release row");
      await new Promise((r) => setTimeout(r, 400));
      const held = (await svc.store.releases(requestId.toString()))[0]!;
      expect(held.status).to.equal("pending");
      expect(held.reason).to.equal("voided:Revoked");
      // At the finalized block the chain still says valid; the stored void is what holds it.
      const { finalized } = await svc.store.syncState();
      expect((await world.ledger.isGrantValid(requestId, { blockTag: finalized })).valid).to.equal(true);
      await world.provider.send("evm_mine", []); // the revocation is final now
      const rows = await eventually(async () => {
        const r = await svc.store.releases(requestId.toString());
        return r[0]?.status === "refused" ? r : undefined;
      }, "refused");
      expect(rows.map((r) => [r.status, r.reason, r.envelope])).to.deep.equal([["refused", "Revoked", null]]);
    });
  });

  describe("while the store lags the chain (restart, backfill in small ranges)", function () {
    it("holds back a grant revoked in a block the follower has not ingested yet, then refuses it", async function () {
      await svc.stop();
      svc = await world.startCustodian({ receipts: TIMED, confirmations: 2, db: join(tmp, "deep.db") });
      const ds = await depositedDataset();
      await svc.stop(); // what follows happens while the custodian is down
      const { requestId } = await world.grantedRequest(ds); // grant at G
      const receipt = await (await world.as(world.accounts.sup).revokeGrant(requestId, 9)).wait(); // revoked at G+1
      const grantBlock = receipt!.blockNumber - 1;
      for (let i = 0; i < 4; i++) await world.provider.send("evm_mine", []); // G+1 is final on chain too

      // Restarted without its loops: the test steps ingestion one block per range and stops it
      // right after G, so the store's finalized block is G and the revocation is not ingested.
      svc = await world.startCustodian({
        receipts: TIMED,
        confirmations: 2,
        db: join(tmp, "deep.db"),
        loops: false,
        maxBlockRange: 1,
        sync: { concurrency: 1, keepHeaders: 0 },
      });
      for (let guard = 0; (await svc.store.syncState()).tip.blockNumber < grantBlock; guard++) {
        expect(guard, "the follower does not reach the grant's block").to.be.lessThan(50);
        await svc.custodian.follower.step();
      }
      const state = await svc.store.syncState();
      expect([state.tip.blockNumber, state.finalized]).to.deep.equal([grantBlock, grantBlock]);
      expect((await world.ledger.isGrantValid(requestId, { blockTag: state.finalized })).valid).to.equal(true);
      expect((await svc.store.releases(requestId.toString())).map((r) => r.status)).to.deep.equal(["pending"]); // due now

      await svc.custodian.worker.round();
      const held = (await svc.store.releases(requestId.toString()))[0]!;
      expect([held.status, held.reason, held.envelope]).to.deep.equal(["pending", "voided-at-head:Revoked", null]);

      // Once ingestion catches up, the final revocation refuses it with the chain's reason.
      for (let guard = 0; (await svc.custodian.follower.step()).kind !== "caught-up"; guard++) {
        expect(guard, "the follower does not catch up").to.be.lessThan(50);
      }
      await svc.store.settleReleases([{ requestId: requestId.toString(), kind: held.kind, status: "pending", reason: "retry now", nextAttemptAt: 0 }]); // skip the 1 s wait
      await svc.custodian.worker.round();
      const rows = await svc.store.releases(requestId.toString());
      expect(rows.map((r) => [r.status, r.reason, r.envelope])).to.deep.equal([["refused", "Revoked", null]]);
      expect(await world.keyReleasedLogs(requestId)).to.deep.equal([]);
    });
  });

  describe("transaction submitter", function () {
    it("replaces a transaction not mined in time with +12.5% fees, and rebroadcasts one dropped from the pool", async function () {
      await svc.stop();
      const store = await openSqliteStore(join(tmp, "tx.db"), { chainId: world.deployment.chainId, ledger: getAddress(world.deployment.ledger), startBlock: 0 });
      const signer = new Wallet(world.chain.accounts[9]!, world.provider);
      let now = Date.now();
      const submitter = createTxSubmitter({
        provider: world.provider,
        signer,
        chainId: 31337n,
        store,
        log: createLogger({ level: "silent" }),
        bumpAfterMs: 10_000,
        bumpAfterBlocks: 1000,
        now: () => now,
      });
      const hooks = { done: async () => false, final: async () => true };
      await world.provider.send("evm_setAutomine", [false]);
      try {
        const sent = await submitter.send({ key: "test:1", to: world.accounts.mallory.address, data: id("hello").slice(0, 10) });
        expect(await submitter.send({ key: "test:1", to: signer.address, data: "0x" })).to.deep.equal(sent); // idempotent by key
        expect((await submitter.tick(hooks)).bumped).to.equal(0);
        now += 10_001;
        expect((await submitter.tick(hooks)).bumped).to.equal(1);
        const bumped = (await store.tx("test:1"))!;
        expect(bumped.nonce).to.equal(sent.nonce);
        expect(bumped.hashes).to.have.length(2);
        expect(BigInt(bumped.maxFeePerGas)).to.be.at.least((BigInt(sent.maxFeePerGas) * 1125n) / 1000n);
        expect(BigInt(bumped.maxPriorityFeePerGas)).to.be.at.least((BigInt(sent.maxPriorityFeePerGas) * 1125n) / 1000n);

        expect(await world.provider.send("hardhat_dropTransaction", [bumped.hashes[1]])).to.equal(true);
        expect(await world.provider.getTransaction(bumped.hashes[1]!)).to.equal(null);
        expect((await submitter.tick(hooks)).rebroadcast).to.equal(1);
        expect(await world.provider.getTransaction(bumped.hashes[1]!)).to.not.equal(null);
        await world.provider.send("evm_mine", []);
        const r = await submitter.tick(hooks);
        expect([r.mined, r.closed]).to.deep.equal([1, 1]);
        const done = (await store.tx("test:1"))!;
        expect(done).to.deep.include({ state: "done", minedTx: bumped.hashes[1] });
        expect(await world.provider.getTransactionCount(signer.address, "latest")).to.equal(sent.nonce + 1);
      } finally {
        await world.provider.send("evm_setAutomine", [true]);
        await store.close();
      }
    });
  });
});
