import { expect } from "chai";
import { network } from "hardhat";
import { AbiCoder, ZeroHash, id, keccak256 } from "ethers";
import {
  CUSTODIAN_ROLE,
  GrantKind,
  ReceiptTree,
  batchId,
  deploySealshare,
  receiptLeafOf,
  type ReceiptRelease,
  type World,
} from "./fixture.js";

const { networkHelpers } = await network.create();
const load = () => networkHelpers.loadFixture(deploySealshare);

/** `n` releases with distinct request ids and envelope hashes, at consecutive seconds. */
function releases(n: number, from = 1n, at = 1_760_000_000): ReceiptRelease[] {
  return Array.from({ length: n }, (_, i) => ({
    requestId: from + BigInt(i),
    kind: i % 3 === 0 ? GrantKind.Temporary : GrantKind.Formal,
    envelopeHash: id(`envelope ${from + BigInt(i)}`),
    releasedAt: at + i,
  }));
}

async function seal(w: World, items: ReceiptRelease[]) {
  const tree = new ReceiptTree(items.map(receiptLeafOf));
  const batch = batchId();
  await w.ledger.connect(w.custodian).sealReceiptBatch(batch, tree.root, items.length);
  return { tree, batch };
}

describe("Key-release receipts", function () {
  describe("one by one (recordRelease)", function () {
    it("the custodian records the release of a granted request", async function () {
      const w = await load();
      const { requestId } = await w.share();
      const envelopeHash = id("envelope");
      await expect(w.ledger.connect(w.custodian).recordRelease(requestId, GrantKind.Formal, envelopeHash))
        .to.emit(w.ledger, "KeyReleased")
        .withArgs(requestId, w.datasetId, w.insurer.address, GrantKind.Formal, envelopeHash);
    });

    it("the custodian records a release under a temporary grant", async function () {
      const w = await load();
      const { terms } = await w.consent();
      const requestId = await w.request(terms);
      await w.ledger.connect(w.bank).approveAsProvider(requestId);
      await expect(w.ledger.connect(w.custodian).recordRelease(requestId, GrantKind.Temporary, id("temp envelope")))
        .to.emit(w.ledger, "KeyReleased")
        .withArgs(requestId, w.datasetId, w.insurer.address, GrantKind.Temporary, id("temp envelope"));
    });

    it("records a release made before the grant was revoked", async function () {
      const w = await load();
      const { requestId } = await w.share();
      await w.ledger.connect(w.bank).revokeGrant(requestId, 1);
      await expect(w.ledger.connect(w.custodian).recordRelease(requestId, GrantKind.Formal, id("e")))
        .to.emit(w.ledger, "KeyReleased")
        .withArgs(requestId, w.datasetId, w.insurer.address, GrantKind.Formal, id("e"));
    });

    it("reverts when anyone but the custodian records a release", async function () {
      const w = await load();
      const { requestId } = await w.share();
      for (const who of [w.insurer, w.bank, w.sup1, w.admin]) {
        await expect(w.ledger.connect(who).recordRelease(requestId, GrantKind.Formal, id("e")))
          .to.be.revertedWithCustomError(w.ledger, "AccessControlUnauthorizedAccount")
          .withArgs(who.address, CUSTODIAN_ROLE);
      }
    });

    it("reverts when the request was never granted (ReceiptsNotGranted)", async function () {
      const w = await load();
      await expect(w.ledger.connect(w.custodian).recordRelease(99, GrantKind.Formal, id("e")))
        .to.be.revertedWithCustomError(w.ledger, "ReceiptsNotGranted")
        .withArgs(99);
      const { terms } = await w.consent();
      const pendingId = await w.request(terms);
      await expect(w.ledger.connect(w.custodian).recordRelease(pendingId, GrantKind.Formal, id("e")))
        .to.be.revertedWithCustomError(w.ledger, "ReceiptsNotGranted")
        .withArgs(pendingId);
      await w.ledger.connect(w.bank).rejectRequest(pendingId, 1);
      await expect(w.ledger.connect(w.custodian).recordRelease(pendingId, GrantKind.Formal, id("e")))
        .to.be.revertedWithCustomError(w.ledger, "ReceiptsNotGranted")
        .withArgs(pendingId);
    });

    it("records a release while the ledger is paused: a receipt is a fact, not a new permission", async function () {
      const w = await load();
      const { requestId } = await w.share();
      await w.ledger.connect(w.admin).pause();
      await expect(w.ledger.connect(w.custodian).recordRelease(requestId, GrantKind.Formal, id("e")))
        .to.emit(w.ledger, "KeyReleased")
        .withArgs(requestId, w.datasetId, w.insurer.address, GrantKind.Formal, id("e"));
    });

    it("still reverts for a request never granted while the ledger is paused (ReceiptsNotGranted)", async function () {
      const w = await load();
      await w.ledger.connect(w.admin).pause();
      await expect(w.ledger.connect(w.custodian).recordRelease(42, GrantKind.Formal, id("e")))
        .to.be.revertedWithCustomError(w.ledger, "ReceiptsNotGranted")
        .withArgs(42);
    });
  });

  describe("batches (sealReceiptBatch + verifyReceipt)", function () {
    it("the test's tree reproduces @openzeppelin/merkle-tree's README vector (StandardMerkleTree layout)", function () {
      const coder = AbiCoder.defaultAbiCoder();
      const values: [string, bigint][] = [
        ["0x1111111111111111111111111111111111111111", 5_000_000_000_000_000_000n],
        ["0x2222222222222222222222222222222222222222", 2_500_000_000_000_000_000n],
      ];
      const leaves = values.map((v) => keccak256(keccak256(coder.encode(["address", "uint256"], v))));
      expect(new ReceiptTree(leaves).tree).to.deep.equal([
        "0xd4dee0beab2d53f2cc83e567171bd2820e49898130a22622b10ead383e90bd77",
        "0xeb02c421cfa48976e66dfb29120745909ea3a0f843456c263cf8f1253483e283",
        "0xb92c48e9d7abe27fd8dfd6b5dfdbfb1c9a463f80c712b66f3a5180a090cccafc",
      ]);
    });

    it("the leaf is the StandardMerkleTree leaf of (requestId, kind, envelopeHash, releasedAt)", async function () {
      const w = await load();
      for (const r of releases(5)) {
        expect(await w.ledger.receiptLeaf(r.requestId, r.kind, r.envelopeHash, r.releasedAt)).to.equal(receiptLeafOf(r));
      }
    });

    it("the custodian seals a batch, and every release in it verifies with its proof", async function () {
      const w = await load();
      const items = releases(7);
      const tree = new ReceiptTree(items.map(receiptLeafOf));
      const batch = batchId();
      await expect(w.ledger.connect(w.custodian).sealReceiptBatch(batch, tree.root, items.length))
        .to.emit(w.ledger, "ReceiptBatchSealed")
        .withArgs(batch, tree.root, items.length);
      expect(await w.ledger.receiptBatchRoot(batch)).to.equal(tree.root);
      for (const r of items) {
        const leaf = await w.ledger.receiptLeaf(r.requestId, r.kind, r.envelopeHash, r.releasedAt);
        expect(await w.ledger.verifyReceipt(batch, leaf, tree.proof(leaf))).to.equal(true);
      }
    });

    it("verifies real releases of granted requests in a batch of 100", async function () {
      const w = await load();
      const a = await w.share();
      const b = await w.share();
      const now = await w.time.latest();
      const real: ReceiptRelease[] = [
        { requestId: a.requestId, kind: GrantKind.Formal, envelopeHash: id("envelope a"), releasedAt: now },
        { requestId: b.requestId, kind: GrantKind.Formal, envelopeHash: id("envelope b"), releasedAt: now + 1 },
      ];
      const items = [...real, ...releases(98, 100n)];
      const { tree, batch } = await seal(w, items);
      for (const r of [...real, items[57]!, items[99]!]) {
        const leaf = receiptLeafOf(r);
        expect(await w.ledger.verifyReceipt(batch, leaf, tree.proof(leaf))).to.equal(true);
      }
    });

    it("verifies a batch of one with an empty proof", async function () {
      const w = await load();
      const [only] = releases(1);
      const { tree, batch } = await seal(w, [only!]);
      expect(tree.root).to.equal(receiptLeafOf(only!));
      expect(await w.ledger.verifyReceipt(batch, receiptLeafOf(only!), [])).to.equal(true);
    });

    it("does not verify a release that is not in the batch", async function () {
      const w = await load();
      const items = releases(8);
      const { tree, batch } = await seal(w, items);
      const stranger = receiptLeafOf({ ...items[3]!, envelopeHash: id("forged envelope") });
      expect(await w.ledger.verifyReceipt(batch, stranger, tree.proof(receiptLeafOf(items[3]!)))).to.equal(false);
      // Another release's proof does not prove this one.
      expect(await w.ledger.verifyReceipt(batch, receiptLeafOf(items[3]!), tree.proof(receiptLeafOf(items[4]!)))).to.equal(false);
    });

    it("does not verify against a batch that was never sealed", async function () {
      const w = await load();
      const items = releases(4);
      const tree = new ReceiptTree(items.map(receiptLeafOf));
      const leaf = receiptLeafOf(items[0]!);
      expect(await w.ledger.receiptBatchRoot(batchId())).to.equal(ZeroHash);
      expect(await w.ledger.verifyReceipt(batchId(), leaf, tree.proof(leaf))).to.equal(false);
    });

    it("reverts when the batch id was already sealed (ReceiptsBatchExists)", async function () {
      const w = await load();
      const { batch } = await seal(w, releases(3));
      const other = new ReceiptTree(releases(3, 50n).map(receiptLeafOf));
      await expect(w.ledger.connect(w.custodian).sealReceiptBatch(batch, other.root, 3))
        .to.be.revertedWithCustomError(w.ledger, "ReceiptsBatchExists")
        .withArgs(batch);
    });

    it("reverts when the batch has no root or no releases (ReceiptsEmptyBatch)", async function () {
      const w = await load();
      const tree = new ReceiptTree(releases(2).map(receiptLeafOf));
      await expect(w.ledger.connect(w.custodian).sealReceiptBatch(batchId(), ZeroHash, 2))
        .to.be.revertedWithCustomError(w.ledger, "ReceiptsEmptyBatch")
        .withArgs();
      await expect(w.ledger.connect(w.custodian).sealReceiptBatch(batchId(), tree.root, 0))
        .to.be.revertedWithCustomError(w.ledger, "ReceiptsEmptyBatch")
        .withArgs();
    });

    it("reverts when anyone but the custodian seals a batch", async function () {
      const w = await load();
      const tree = new ReceiptTree(releases(2).map(receiptLeafOf));
      await expect(w.ledger.connect(w.sup1).sealReceiptBatch(batchId(), tree.root, 2))
        .to.be.revertedWithCustomError(w.ledger, "AccessControlUnauthorizedAccount")
        .withArgs(w.sup1.address, CUSTODIAN_ROLE);
    });

    it("seals a batch while the ledger is paused, and its releases verify", async function () {
      const w = await load();
      const items = releases(2);
      const tree = new ReceiptTree(items.map(receiptLeafOf));
      const batch = batchId();
      await w.ledger.connect(w.admin).pause();
      await expect(w.ledger.connect(w.custodian).sealReceiptBatch(batch, tree.root, 2))
        .to.emit(w.ledger, "ReceiptBatchSealed")
        .withArgs(batch, tree.root, 2);
      const leaf = receiptLeafOf(items[1]!);
      expect(await w.ledger.verifyReceipt(batch, leaf, tree.proof(leaf))).to.equal(true);
    });
  });
});
