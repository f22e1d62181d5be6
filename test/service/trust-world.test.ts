/**
 * Issue 11 ("close the trust holes"), the custodian's parts, against a real `hardhat node` and
 * the custodian in-process (devkit/world.ts):
 *  - a wrapped key copied from another dataset is refused (v2 commitment binding), even when the
 *    copier registered the same public commitment;
 *  - deposit signatures are single use;
 *  - a stored key that does not match the on-chain commitment is replaced by a deposit that does,
 *    and the release held for it goes out;
 *  - releases are dated with the chain: never before their grant's block, even when block time
 *    runs ahead of the wall clock, so `audit verify --custodian-proofs` finds nothing wrong;
 *  - a reorg at confirmation depth 0 that gives a released request id to another requester: the
 *    new requester gets a fresh envelope wrapped to its own key, never the first one's.
 */
import { expect } from "chai";
import { getAddress, getBytes, hexlify, id, keccak256, randomBytes, ZeroHash, type Wallet } from "ethers";
import { fetchReceiptProofs } from "../../sdk/audit/proofs.js";
import { readTimeline } from "../../sdk/audit/timeline.js";
import { verifyLedger } from "../../sdk/audit/verify.js";
import { wrapKey } from "../../sdk/crypto/ecies.js";
import { CustodianError } from "../../sdk/custodian-client.js";
import { custodianDomain, KEY_DEPOSIT_TYPES } from "../../sdk/eip712.js";
import type { Envelope } from "../../sdk/envelope.js";
import { Category } from "../../sdk/vocabulary.js";
import { createKeyBox } from "../../service/keys/at-rest.js";
import { createWorld, DEVICE, eventually, FORMAL_ONLY, type RunningCustodian, type World } from "../../devkit/world.js";

const nowSec = () => Math.floor(Date.now() / 1000);

describe("trust holes: the custodian against a real chain", function () {
  this.timeout(120_000);
  let world: World;
  let svc: RunningCustodian;
  let custodianKey: string;

  before(async function () {
    world = await createWorld();
    svc = await world.startCustodian({ receipts: { mode: "batch", batchMaxAgeMs: 200, batchSize: 100 } });
    custodianKey = (await svc.client.info()).encryptionKey;
  });
  after(async function () {
    await svc?.stop();
    await world?.close();
  });

  const domain = () => custodianDomain(BigInt(world.deployment.chainId), world.deployment.ledger);

  /** A signed POST /v1/keys body, as the SDK would make it. */
  async function depositBody(signer: Wallet, datasetId: bigint, wrappedKey: string, issuedAt = nowSec()) {
    const signature = await signer.signTypedData(domain(), KEY_DEPOSIT_TYPES, { datasetId, version: 1, wrappedKeyHash: keccak256(wrappedKey), issuedAt });
    return { datasetId: datasetId.toString(), version: 1, wrappedKey, issuedAt, signature };
  }
  async function post(body: unknown) {
    const res = await fetch(`${svc.url}/v1/keys`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  async function fetchSettled(who: Wallet, requestId: bigint): Promise<Envelope | CustodianError> {
    return eventually(async () => {
      try {
        const r = await svc.client.fetchEnvelope(who, requestId);
        return r.status === "ready" ? r.envelope : undefined;
      } catch (err) {
        if (err instanceof CustodianError && err.code !== "unknown-request") return err;
        return undefined;
      }
    }, `request ${requestId} settled`);
  }

  describe("deposits", function () {
    it("refuses a wrapped key copied from another dataset, even under the same public commitment (422)", async function () {
      const victim = await world.registerDataset();
      const { bank, lender } = world.accounts;
      const wrappedKey = hexlify(wrapKey(getBytes(custodianKey), victim.dek));
      expect((await post(await depositBody(bank, victim.datasetId, wrappedKey))).status).to.equal(201);

      // The copier (a member) registers a dataset of its own with the victim's public commitment
      // and Merkle root, then deposits the victim's wrapped key (seen in the deposit body) for it.
      const { merkleRoot, keyCommitment: commitment } = await world.ledger.datasetVersion(victim.datasetId, 1);
      const copyId = await world.ledger.nextDatasetId();
      await (
        await world.as(lender).registerDataset(world.accounts.ana.address, Category.Deposit, FORMAL_ONLY, ZeroHash, {
          datasetId: copyId,
          version: 1,
          merkleRoot,
          keyCommitment: commitment,
          size: 1234n,
          formatId: id("sealshare-stream-v1/ndjson"),
          storageURI: "blob://copy",
        })
      ).wait();
      const copied = await post(await depositBody(lender, copyId, wrappedKey));
      expect([copied.status, copied.body.code]).to.deep.equal([422, "key-commitment-mismatch"]);
      expect(await svc.store.datasetKey(copyId.toString(), 1)).to.equal(undefined);
    });

    it("accepts a deposit signature once: a replay is refused (401 bad-signature, replayed)", async function () {
      const ds = await world.registerDataset();
      const body = await depositBody(world.accounts.bank, ds.datasetId, hexlify(wrapKey(getBytes(custodianKey), ds.dek)));
      expect((await post(body)).status).to.equal(201);
      const again = await post(body);
      expect([again.status, again.body.code, again.body.reason]).to.deep.equal([401, "bad-signature", "replayed"]);
      // A freshly signed repeat of the same key is still the idempotent 200.
      expect((await svc.client.depositKey(world.accounts.bank, { datasetId: ds.datasetId, version: 1, dek: ds.dek, custodianKey })).status).to.equal("already-stored");
    });

    it("replaces a stored key that does not match the commitment with one that does, and releases the grant held for it", async function () {
      const ds = await world.registerDataset();
      // A stale key (e.g. deposited before a reorg replaced the version, or by an older build).
      const box = createKeyBox(world.secrets.masterKey);
      const stale = new Uint8Array(randomBytes(32));
      await svc.store.putDatasetKey({
        datasetId: ds.datasetId.toString(),
        version: 1,
        sealed: box.seal(stale, ds.datasetId, 1),
        keyCommitment: ZeroHash,
        merkleRoot: ds.merkleRoot,
        depositedBy: world.accounts.bank.address,
        depositedAt: nowSec(),
      });
      const { requestId } = await world.grantedRequest(ds);
      // Held, not refused: the grantee did nothing wrong.
      const held = await eventually(async () => {
        const [row] = await svc.store.releases(requestId.toString());
        return row?.reason === "key-commitment-mismatch" ? row : undefined;
      }, "the release held for the key mismatch");
      expect(held.status).to.equal("pending");
      expect((await svc.client.fetchEnvelope(world.accounts.insurer, requestId)).status).to.equal("pending");

      const replaced = await svc.client.depositKey(world.accounts.bank, { datasetId: ds.datasetId, version: 1, dek: ds.dek, custodianKey });
      expect(replaced).to.include({ created: true, status: "stored" });
      const envelope = await fetchSettled(world.accounts.insurer, requestId);
      expect(envelope).to.not.be.instanceOf(CustodianError);
      const dek = svc.client.openEnvelope(envelope as Envelope, world.deviceKeys.insurer.privateKey, world.accounts.custodian.address);
      expect(hexlify(dek)).to.equal(hexlify(ds.dek));
      // A different key that does not match is still refused, and the right one stays.
      const wrong = await svc.client
        .depositKey(world.accounts.bank, { datasetId: ds.datasetId, version: 1, dek: new Uint8Array(randomBytes(32)), custodianKey })
        .catch((e: unknown) => e as CustodianError);
      expect((wrong as CustodianError).code).to.equal("key-commitment-mismatch");
    });
  });

  describe("release dates", function () {
    it("never dates a release before its grant's block, when block time runs ahead of the wall clock; audit verify finds no violation", async function () {
      const ds = await world.registerDataset();
      await svc.client.depositKey(world.accounts.bank, { datasetId: ds.datasetId, version: 1, dek: ds.dek, custodianKey });
      // Block time two hours ahead of the wall clock (what Hardhat drifts into over a long run).
      await world.provider.send("evm_increaseTime", [7200]);
      await world.provider.send("evm_mine", []);
      const { requestId } = await world.grantedRequest(ds);
      await fetchSettled(world.accounts.insurer, requestId);

      const granted = await world.ledger.queryFilter(world.ledger.filters.AccessGranted(requestId), world.deployment.deployBlock);
      const grantTime = (await world.provider.getBlock(granted.at(-1)!.blockNumber))!.timestamp;
      expect(grantTime).to.be.greaterThan(nowSec() + 3600);
      const [row] = await svc.store.releases(requestId.toString());
      expect(row!.releasedAt).to.be.at.least(grantTime);

      // Every release so far sealed in a batch that is final, then the CLI's audit path.
      await eventually(async () => {
        await world.provider.send("evm_mine", []);
        const open = (await svc.store.unbatchedReleases(1000)).length + (await svc.store.openBatches()).length;
        return open === 0 ? true : undefined;
      }, "every receipt batch sealed", 60_000, 200);
      const timeline = await readTimeline({ provider: world.provider, ledger: world.deployment.ledger, fromBlock: world.deployment.deployBlock, withTimestamps: true });
      const ids = timeline.filter((e) => e.event === "AccessRequested").map((e) => BigInt(e.args.requestId as bigint));
      const proofs = await fetchReceiptProofs(svc.url, ids);
      expect(proofs.length).to.be.greaterThan(0);
      const report = await verifyLedger({ ledger: world.ledger, provider: world.provider, fromBlock: world.deployment.deployBlock, timeline, proofs });
      expect(report.violations, JSON.stringify(report.violations)).to.deep.equal([]);
      expect(report.checked.releases).to.be.greaterThan(0);
    });
  });

  describe("reorgs at confirmation depth 0", function () {
    it("gives the request id's new requester a fresh envelope wrapped to its own key, never the orphaned grant's", async function () {
      const ds = await world.registerDataset();
      await svc.client.depositKey(world.accounts.bank, { datasetId: ds.datasetId, version: 1, dek: ds.dek, custodianKey });
      const { insurer, lender } = world.accounts;
      const forInsurer = await world.consent(ds.datasetId, insurer);
      const forLender = await world.consent(ds.datasetId, lender);
      const snapshot = (await world.provider.send("evm_snapshot", [])) as string;

      // Branch A: the insurer's request, granted and released at once (depth 0 on the dev chain).
      const first = await world.request(forInsurer.terms, ds.datasetId, { requester: insurer, device: DEVICE.insurer });
      await world.approveByProvider(first);
      await world.approveBySupervisor(first);
      const insurerEnvelope = await fetchSettled(insurer, first);
      expect(insurerEnvelope).to.not.be.instanceOf(CustodianError);
      const tipA = await world.provider.getBlockNumber();

      // The same blocks replayed with another transaction order: the lender's request comes
      // first and takes the same request id.
      expect(await world.provider.send("evm_revert", [snapshot])).to.equal(true);
      const second = await world.request(forLender.terms, ds.datasetId, { requester: lender, device: DEVICE.lender });
      expect(second).to.equal(first);
      await world.approveByProvider(second);
      await world.approveBySupervisor(second);
      while ((await world.provider.getBlockNumber()) <= tipA + 1) await world.provider.send("evm_mine", []);

      const lenderEnvelope = await eventually(async () => {
        try {
          const r = await svc.client.fetchEnvelope(lender, second);
          return r.status === "ready" ? r.envelope : undefined;
        } catch {
          return undefined; // still the insurer's request in the custodian's view
        }
      }, "the lender's envelope");
      expect(lenderEnvelope.signature).to.not.equal((insurerEnvelope as Envelope).signature);
      const dek = svc.client.openEnvelope(lenderEnvelope, world.deviceKeys.lender.privateKey, world.accounts.custodian.address);
      expect(hexlify(dek)).to.equal(hexlify(ds.dek));
      // The insurer's request is gone with its branch.
      const insurerNow = await svc.client.fetchEnvelope(insurer, first).catch((e: unknown) => e as CustodianError);
      expect((insurerNow as CustodianError).code).to.equal("not-requester");
      // One release row, the lender's grant's; the insurer's envelope is archived, never receipted.
      const rows = await svc.store.releases(second.toString());
      expect(rows).to.have.length(1);
      expect(getAddress(rows[0]!.envelope!.custodian)).to.equal(world.accounts.custodian.address);
      const granted = await world.ledger.queryFilter(world.ledger.filters.AccessGranted(second), world.deployment.deployBlock);
      expect(rows[0]!.grantHash).to.equal(granted.at(-1)!.blockHash.toLowerCase());
    });
  });
});
