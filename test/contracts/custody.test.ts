/**
 * Threshold custody beside the ledger (contracts/custody/SealshareCustody.sol, spec in
 * contracts/interfaces/ICustody.sol): every function, every revert by name with its arguments,
 * every event with its arguments, on the contract tests' ledger world (fixture.ts).
 *
 * Actors beyond the ledger world's: the world's custodian and three more CUSTODIAN_ROLE holders
 * (c2, c3, c4), each with a share key published under CUSTODIAN_DEVICE_ID; sup3, a supervisor
 * appointed later. Sets in `withSets`: A = 2-of-3 [custodian, c2, c3], B = 1-of-1 [c4].
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { network } from "hardhat";
import { ZeroHash, id, keccak256, toUtf8Bytes, type ContractTransactionResponse } from "ethers";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import SealshareModule from "../../ignition/modules/Sealshare.js";
import { connectCustody, deployCustody, type SealshareCustody } from "../../sdk/contracts.js";
import { readDeployment } from "../../sdk/deployment-file.js";
import { generateEncryptionKeyPair } from "../../sdk/crypto/ecies.js";
import { CUSTODIAN_DEVICE_ID, publishCustodianKey, registerCustodianSet } from "../../devkit/build.js";
import { deployToFolder } from "../../devkit/local-deployment.js";
import { ADMIN_ROLE, CUSTODIAN_ROLE, Category, SUPERVISOR_ROLE, deploySealshare, type World } from "./fixture.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;

/** `hardhat test --coverage` adds gas to every statement: the gas figures are skipped then. */
const INSTRUMENTED = process.env.HARDHAT_COVERAGE === "true";

/** ICustody.ShareInvalidReason, by name. */
const ShareInvalidReason = { None: 0n, GrantInvalid: 1n, NotDeposited: 2n, Shredded: 3n, NotInSet: 4n } as const;
const NOT_IN_SET = 255n;
const MAX_CUSTODIANS = 16;
/** The leaf of the shares root (ICustody header): chainId, custody, datasetId, version, setId, index, keccak256(share). */
const LEAF_TYPES = ["uint256", "address", "uint64", "uint32", "uint32", "uint8", "bytes32"];

/** The ledger world, custody deployed beside it, four custodians with share keys, sup3 (no role yet). */
async function deployCustodyWorld() {
  const w = await deploySealshare(connection);
  const signers = await ethers.getSigners();
  const [c2, c3, c4, sup3, custodianWithoutKey] = [10, 11, 12, 13, 14].map((i) => signers[i]!) as HardhatEthersSigner[];
  const { custody } = await deployCustody(w.admin, w.ledgerAddress);
  for (const c of [c2!, c3!, c4!, custodianWithoutKey!]) await (await w.ledger.connect(w.admin).grantRole(CUSTODIAN_ROLE, c.address)).wait();
  const shareKeys = new Map<string, bigint>();
  for (const c of [w.custodian, c2!, c3!, c4!]) {
    await publishCustodianKey(w.ledger, c, generateEncryptionKeyPair());
    shareKeys.set(c.address, await w.ledger.currentKeyId(c.address, CUSTODIAN_DEVICE_ID));
  }
  const keyIdOf = (c: HardhatEthersSigner): bigint => shareKeys.get(c.address)!;
  return { ...w, custody, c2: c2!, c3: c3!, c4: c4!, sup3: sup3!, custodianWithoutKey: custodianWithoutKey!, keyIdOf };
}

/** The custody world with set A (2-of-3) and set B (1-of-1) registered. */
async function withSets() {
  const w = await deployCustodyWorld();
  const setA = await registerCustodianSet(w.custody, w.admin, [w.custodian.address, w.c2.address, w.c3.address], 2);
  const setB = await registerCustodianSet(w.custody, w.admin, [w.c4.address], 1);
  return { ...w, setA, setB, setAMembers: [w.custodian, w.c2, w.c3] };
}

/** The sets world with dataset 1 version 1's shares deposited to set A under `root`. */
async function withDeposit() {
  const w = await withSets();
  const root = sharesRoot(w, 1n, 1, w.setA, ["share a0", "share a1", "share a2"]).root;
  await (await w.custody.connect(w.bank).depositShares(w.datasetId, 1, w.setA, root)).wait();
  return { ...w, root };
}

/** The provider's StandardMerkleTree over the shares of (`datasetId`, `version`) held by `setId`. */
function sharesRoot(w: World & { custody: SealshareCustody }, datasetId: bigint, version: number, setId: bigint, shares: string[]) {
  const custody = w.custody.target as string;
  const leaves = shares.map((s, index) => [w.chainId, custody, datasetId, version, setId, index, keccak256(toUtf8Bytes(s))]);
  return StandardMerkleTree.of(leaves, LEAF_TYPES);
}

async function timestampOf(tx: Promise<ContractTransactionResponse> | ContractTransactionResponse): Promise<number> {
  const receipt = await (await tx).wait();
  return (await ethers.provider.getBlock(receipt!.blockNumber))!.timestamp;
}

async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<bigint> {
  return (await (await tx).wait())!.gasUsed;
}

describe("SealshareCustody", function () {
  describe("deployment", function () {
    it("follows the ledger it was deployed with, with a shred quorum of 2 and no set", async function () {
      const { custody, ledgerAddress } = await networkHelpers.loadFixture(deployCustodyWorld);
      expect(await custody.ledger()).to.equal(ledgerAddress);
      expect(await custody.shredQuorum()).to.equal(2n);
      expect(await custody.lastSetId()).to.equal(0n);
      expect(await custody.CUSTODIAN_DEVICE_ID()).to.equal(id("sealshare-custodian"));
      expect(await custody.CUSTODIAN_DEVICE_ID()).to.equal(CUSTODIAN_DEVICE_ID);
      expect(await custody.MAX_CUSTODIANS()).to.equal(BigInt(MAX_CUSTODIANS));
      expect(await custody.NOT_IN_SET()).to.equal(NOT_IN_SET);
    });

    it("the Ignition module deploys custody beside the ledger, with the ledger's address", async function () {
      const [, governance, supervisor, custodian] = await ethers.getSigners();
      const deployed = await connection.ignition.deploy(SealshareModule, {
        parameters: { SealshareModule: { admin: governance!.address, supervisors: [supervisor!.address], custodian: custodian!.address } },
      });
      const custody = connectCustody(await deployed.custody.getAddress(), ethers.provider);
      expect(await custody.ledger()).to.equal(await deployed.ledger.getAddress());
    });

    it("deployToFolder deploys custody and writes its address to the deployment file, which reads back", async function () {
      const w = await networkHelpers.loadFixture(deployCustodyWorld);
      const dir = await mkdtemp(join(tmpdir(), "custody-deploy-"));
      try {
        const local = await deployToFolder(w.admin, { supervisors: [w.sup1.address], custodian: w.custodian.address }, dir);
        expect(await local.custody.ledger()).to.equal(local.deployment.ledger);
        expect(local.deployment.custody).to.equal(await local.custody.getAddress());
        const read = await readDeployment(local.deploymentPath);
        expect(read.custody).to.equal(local.deployment.custody);
        expect(read.ledger).to.equal(local.deployment.ledger);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it("a deployment file written before custody existed still reads (custody undefined); a bad custody address is refused", async function () {
      const dir = await mkdtemp(join(tmpdir(), "custody-deploy-"));
      try {
        const old = { chainId: "31337", ledger: "0x5FbDB2315678afecb367f032d93F642f64180aa3", deployBlock: 1, deployedAt: "2026-12-08T03:00:00.000Z" };
        await writeFile(join(dir, "old.json"), JSON.stringify(old));
        const read = await readDeployment(join(dir, "old.json"));
        expect(read).to.deep.equal(old);
        expect(read.custody).to.equal(undefined);
        await writeFile(join(dir, "bad.json"), JSON.stringify({ ...old, custody: "0x1234" }));
        const refused = await readDeployment(join(dir, "bad.json")).then(
          () => new Error("read"),
          (e: unknown) => e as Error,
        );
        expect(refused.message).to.match(/bad\.json is malformed \(custody\)$/);
        expect(JSON.parse(await readFile(join(dir, "old.json"), "utf8"))).to.deep.equal(old);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });

  describe("registerSet", function () {
    it("the admin registers a 2-of-3 set: custodians in share order, their share key ids, the threshold", async function () {
      const w = await networkHelpers.loadFixture(deployCustodyWorld);
      const members = [w.custodian, w.c2, w.c3];
      const tx = w.custody.connect(w.admin).registerSet(members.map((m) => m.address), 2);
      await expect(tx)
        .to.emit(w.custody, "CustodianSetRegistered")
        .withArgs(1, members.map((m) => m.address), members.map(w.keyIdOf), 2);
      const set = await w.custody.custodianSet(1);
      expect(set.custodians).to.deep.equal(members.map((m) => m.address));
      expect(set.keyIds).to.deep.equal(members.map(w.keyIdOf));
      expect(set.threshold).to.equal(2n);
      expect(set.active).to.equal(true);
      expect(await w.custody.lastSetId()).to.equal(1n);
    });

    it("1-of-1 is a set like any other, with the next id", async function () {
      const w = await networkHelpers.loadFixture(deployCustodyWorld);
      await w.custody.connect(w.admin).registerSet([w.c2.address], 1);
      await expect(w.custody.connect(w.admin).registerSet([w.c4.address], 1))
        .to.emit(w.custody, "CustodianSetRegistered")
        .withArgs(2, [w.c4.address], [w.keyIdOf(w.c4)], 1);
      expect((await w.custody.custodianSet(2)).custodians).to.deep.equal([w.c4.address]);
    });

    it("reverts CustodyUnauthorizedAccount for an account without the ledger's DEFAULT_ADMIN_ROLE", async function () {
      const w = await networkHelpers.loadFixture(deployCustodyWorld);
      await expect(w.custody.connect(w.sup1).registerSet([w.c2.address], 1))
        .to.be.revertedWithCustomError(w.custody, "CustodyUnauthorizedAccount")
        .withArgs(w.sup1.address, ADMIN_ROLE);
    });

    it("reverts CustodyInvalidSetSize for no custodian or more than 16", async function () {
      const w = await networkHelpers.loadFixture(deployCustodyWorld);
      await expect(w.custody.connect(w.admin).registerSet([], 1))
        .to.be.revertedWithCustomError(w.custody, "CustodyInvalidSetSize")
        .withArgs(0, MAX_CUSTODIANS);
      const seventeen = Array.from({ length: 17 }, (_, i) => ethers.getAddress(`0x${(i + 1).toString(16).padStart(40, "0")}`));
      await expect(w.custody.connect(w.admin).registerSet(seventeen, 2))
        .to.be.revertedWithCustomError(w.custody, "CustodyInvalidSetSize")
        .withArgs(17, MAX_CUSTODIANS);
    });

    it("reverts CustodyInvalidThreshold for a threshold of 0 or above n", async function () {
      const w = await networkHelpers.loadFixture(deployCustodyWorld);
      const three = [w.custodian.address, w.c2.address, w.c3.address];
      await expect(w.custody.connect(w.admin).registerSet(three, 0)).to.be.revertedWithCustomError(w.custody, "CustodyInvalidThreshold").withArgs(0, 3);
      await expect(w.custody.connect(w.admin).registerSet(three, 4)).to.be.revertedWithCustomError(w.custody, "CustodyInvalidThreshold").withArgs(4, 3);
    });

    it("reverts CustodyDuplicateCustodian when a custodian appears twice", async function () {
      const w = await networkHelpers.loadFixture(deployCustodyWorld);
      await expect(w.custody.connect(w.admin).registerSet([w.c2.address, w.c3.address, w.c2.address], 2))
        .to.be.revertedWithCustomError(w.custody, "CustodyDuplicateCustodian")
        .withArgs(w.c2.address);
    });

    it("reverts CustodyNotCustodian for an account without the ledger's CUSTODIAN_ROLE", async function () {
      const w = await networkHelpers.loadFixture(deployCustodyWorld);
      await expect(w.custody.connect(w.admin).registerSet([w.c2.address, w.bank.address], 1))
        .to.be.revertedWithCustomError(w.custody, "CustodyNotCustodian")
        .withArgs(w.bank.address);
    });

    it("reverts CustodyNoCustodianKey for a custodian with no live key under CUSTODIAN_DEVICE_ID", async function () {
      const w = await networkHelpers.loadFixture(deployCustodyWorld);
      // A key under another device id does not count.
      await w.publishKey(w.custodianWithoutKey, id("custodian/laptop"));
      await expect(w.custody.connect(w.admin).registerSet([w.custodianWithoutKey.address], 1))
        .to.be.revertedWithCustomError(w.custody, "CustodyNoCustodianKey")
        .withArgs(w.custodianWithoutKey.address);
      // Nor does a revoked one.
      await w.ledger.connect(w.c2).revokeEncryptionKey(CUSTODIAN_DEVICE_ID);
      await expect(w.custody.connect(w.admin).registerSet([w.c2.address], 1))
        .to.be.revertedWithCustomError(w.custody, "CustodyNoCustodianKey")
        .withArgs(w.c2.address);
    });

    it("custodianSet reverts CustodyUnknownSet for an id never registered", async function () {
      const w = await networkHelpers.loadFixture(withSets);
      await expect(w.custody.custodianSet(0)).to.be.revertedWithCustomError(w.custody, "CustodyUnknownSet").withArgs(0);
      await expect(w.custody.custodianSet(3)).to.be.revertedWithCustomError(w.custody, "CustodyUnknownSet").withArgs(3);
    });
  });

  describe("retireSet", function () {
    it("the admin retires a set: no new deposits, while the shares it holds still serve", async function () {
      const w = await networkHelpers.loadFixture(withDeposit);
      const { requestId } = await w.share();
      await expect(w.custody.connect(w.admin).retireSet(w.setA)).to.emit(w.custody, "CustodianSetRetired").withArgs(w.setA, w.admin.address);
      expect((await w.custody.custodianSet(w.setA)).active).to.equal(false);
      expect((await w.custody.shareGrant(requestId, w.c2.address)).valid).to.equal(true);
      await expect(w.custody.connect(w.bank).depositShares(w.fundsDatasetId, 1, w.setA, id("root")))
        .to.be.revertedWithCustomError(w.custody, "CustodySetRetired")
        .withArgs(w.setA);
    });

    it("reverts CustodySetRetired when retired already, CustodyUnknownSet for an unknown id, CustodyUnauthorizedAccount for a non-admin", async function () {
      const w = await networkHelpers.loadFixture(withSets);
      await w.custody.connect(w.admin).retireSet(w.setB);
      await expect(w.custody.connect(w.admin).retireSet(w.setB)).to.be.revertedWithCustomError(w.custody, "CustodySetRetired").withArgs(w.setB);
      await expect(w.custody.connect(w.admin).retireSet(9)).to.be.revertedWithCustomError(w.custody, "CustodyUnknownSet").withArgs(9);
      await expect(w.custody.connect(w.sup1).retireSet(w.setA))
        .to.be.revertedWithCustomError(w.custody, "CustodyUnauthorizedAccount")
        .withArgs(w.sup1.address, ADMIN_ROLE);
    });
  });

  describe("setCategoryMinThreshold", function () {
    it("a supervisor sets a category's minimum: a deposit to a set below it reverts CustodyThresholdBelowMinimum, at it succeeds", async function () {
      const w = await networkHelpers.loadFixture(withSets);
      await expect(w.custody.connect(w.sup1).setCategoryMinThreshold(Category.Deposit, 2))
        .to.emit(w.custody, "CustodyCategoryMinThresholdChanged")
        .withArgs(Category.Deposit, 0, 2, w.sup1.address);
      expect(await w.custody.categoryMinThreshold(Category.Deposit)).to.equal(2n);
      expect(await w.custody.categoryMinThreshold(Category.Fund)).to.equal(0n);
      await expect(w.custody.connect(w.bank).depositShares(w.datasetId, 1, w.setB, id("root")))
        .to.be.revertedWithCustomError(w.custody, "CustodyThresholdBelowMinimum")
        .withArgs(w.setB, 1, Category.Deposit, 2);
      await expect(w.custody.connect(w.bank).depositShares(w.datasetId, 1, w.setA, id("root"))).to.emit(w.custody, "SharesDeposited");
      // Dataset 2 is a Fund dataset: no minimum there, 1-of-1 is fine.
      await expect(w.custody.connect(w.bank).depositShares(w.fundsDatasetId, 1, w.setB, id("root"))).to.emit(w.custody, "SharesDeposited");
    });

    it("logs the old minimum when it changes again", async function () {
      const w = await networkHelpers.loadFixture(withSets);
      await w.custody.connect(w.sup1).setCategoryMinThreshold(Category.Stock, 3);
      await expect(w.custody.connect(w.sup2).setCategoryMinThreshold(Category.Stock, 0))
        .to.emit(w.custody, "CustodyCategoryMinThresholdChanged")
        .withArgs(Category.Stock, 3, 0, w.sup2.address);
    });

    it("reverts CustodyUnauthorizedAccount for a non-supervisor, CustodyInvalidCategory past Other, CustodyMinThresholdTooHigh above 16", async function () {
      const w = await networkHelpers.loadFixture(withSets);
      await expect(w.custody.connect(w.admin).setCategoryMinThreshold(Category.Deposit, 2))
        .to.be.revertedWithCustomError(w.custody, "CustodyUnauthorizedAccount")
        .withArgs(w.admin.address, SUPERVISOR_ROLE);
      await expect(w.custody.connect(w.sup1).setCategoryMinThreshold(7, 2)).to.be.revertedWithCustomError(w.custody, "CustodyInvalidCategory").withArgs(7);
      await expect(w.custody.categoryMinThreshold(7)).to.be.revertedWithCustomError(w.custody, "CustodyInvalidCategory").withArgs(7);
      await expect(w.custody.connect(w.sup1).setCategoryMinThreshold(Category.Other, 17))
        .to.be.revertedWithCustomError(w.custody, "CustodyMinThresholdTooHigh")
        .withArgs(17, MAX_CUSTODIANS);
      await expect(w.custody.connect(w.sup1).setCategoryMinThreshold(Category.Other, 16)).to.emit(w.custody, "CustodyCategoryMinThresholdChanged");
    });
  });

  describe("setShredQuorum", function () {
    it("the admin sets it, logging old and new; 0 and 33 revert CustodyInvalidShredQuorum; a non-admin reverts", async function () {
      const w = await networkHelpers.loadFixture(withSets);
      await expect(w.custody.connect(w.admin).setShredQuorum(3)).to.emit(w.custody, "CustodyShredQuorumChanged").withArgs(2, 3);
      expect(await w.custody.shredQuorum()).to.equal(3n);
      await expect(w.custody.connect(w.admin).setShredQuorum(0)).to.be.revertedWithCustomError(w.custody, "CustodyInvalidShredQuorum").withArgs(0, 32);
      await expect(w.custody.connect(w.admin).setShredQuorum(33)).to.be.revertedWithCustomError(w.custody, "CustodyInvalidShredQuorum").withArgs(33, 32);
      await expect(w.custody.connect(w.sup1).setShredQuorum(1))
        .to.be.revertedWithCustomError(w.custody, "CustodyUnauthorizedAccount")
        .withArgs(w.sup1.address, ADMIN_ROLE);
    });
  });

  describe("depositShares", function () {
    it("the provider commits to a version's shares held by a set", async function () {
      const w = await networkHelpers.loadFixture(withSets);
      expect(await w.custody.custodyOf(w.datasetId, 1)).to.deep.equal([0n, ZeroHash, 0n, false]);
      const { root } = sharesRoot(w, w.datasetId, 1, w.setA, ["a0", "a1", "a2"]);
      const tx = w.custody.connect(w.bank).depositShares(w.datasetId, 1, w.setA, root);
      await expect(tx).to.emit(w.custody, "SharesDeposited").withArgs(w.datasetId, 1, w.setA, root, 0);
      await expect(tx).not.to.emit(w.custody, "ShredOrdered");
      expect(await w.custody.custodyOf(w.datasetId, 1)).to.deep.equal([w.setA, root, BigInt(await timestampOf(tx)), false]);
    });

    it("a deposit to another set is a change of set: the old set's shares are ordered shredded, the new set serves", async function () {
      const w = await networkHelpers.loadFixture(withDeposit);
      const { root } = sharesRoot(w, w.datasetId, 1, w.setB, ["b0"]);
      const tx = w.custody.connect(w.bank).depositShares(w.datasetId, 1, w.setB, root);
      const at = await timestampOf(tx);
      await expect(tx).to.emit(w.custody, "ShredOrdered").withArgs(w.datasetId, 1, w.setA, w.bank.address, at);
      await expect(tx).to.emit(w.custody, "SharesDeposited").withArgs(w.datasetId, 1, w.setB, root, w.setA);
      expect(await w.custody.custodyOf(w.datasetId, 1)).to.deep.equal([w.setB, root, BigInt(at), false]);
      expect(await w.custody.shredOf(w.datasetId, 1, w.setA)).to.deep.equal([BigInt(at), 0n, 0b111n]);
      expect(await w.custody.shredOf(w.datasetId, 1, w.setB)).to.deep.equal([0n, 0n, 0n]);
      // A set holds a version's shares once: going back to A is refused, as is B again.
      await expect(w.custody.connect(w.bank).depositShares(w.datasetId, 1, w.setA, id("again")))
        .to.be.revertedWithCustomError(w.custody, "CustodySetAlreadyUsed")
        .withArgs(w.datasetId, 1, w.setA);
      await expect(w.custody.connect(w.bank).depositShares(w.datasetId, 1, w.setB, id("again")))
        .to.be.revertedWithCustomError(w.custody, "CustodySetAlreadyUsed")
        .withArgs(w.datasetId, 1, w.setB);
    });

    it("each version has its own custody: version 2 goes to another set without touching version 1", async function () {
      const w = await networkHelpers.loadFixture(withDeposit);
      await w.ledger.connect(w.bank).publishVersion(w.datasetId, await w.version("deposits v2", w.datasetId));
      await expect(w.custody.connect(w.bank).depositShares(w.datasetId, 2, w.setB, id("v2 root")))
        .to.emit(w.custody, "SharesDeposited")
        .withArgs(w.datasetId, 2, w.setB, id("v2 root"), 0);
      expect((await w.custody.custodyOf(w.datasetId, 1)).setId).to.equal(w.setA);
    });

    it("after a transfer the new provider deposits, and the old one reverts CustodyNotProvider", async function () {
      const w = await networkHelpers.loadFixture(withSets);
      await w.ledger.connect(w.bank).transferDataset(w.datasetId, w.lender.address);
      await expect(w.custody.connect(w.bank).depositShares(w.datasetId, 1, w.setA, id("root")))
        .to.be.revertedWithCustomError(w.custody, "CustodyNotProvider")
        .withArgs(w.datasetId, w.bank.address);
      await expect(w.custody.connect(w.lender).depositShares(w.datasetId, 1, w.setA, id("root"))).to.emit(w.custody, "SharesDeposited");
    });

    it("reverts CustodyNotProvider for anyone but the dataset's provider", async function () {
      const w = await networkHelpers.loadFixture(withSets);
      await expect(w.custody.connect(w.insurer).depositShares(w.datasetId, 1, w.setA, id("root")))
        .to.be.revertedWithCustomError(w.custody, "CustodyNotProvider")
        .withArgs(w.datasetId, w.insurer.address);
    });

    it("reverts with the ledger's DatasetsUnknown for an unknown dataset", async function () {
      const w = await networkHelpers.loadFixture(withSets);
      await expect(w.custody.connect(w.bank).depositShares(99, 1, w.setA, id("root")))
        .to.be.revertedWithCustomError(w.ledger, "DatasetsUnknown")
        .withArgs(99);
    });

    it("reverts CustodyUnknownVersion for version 0 and a version not published yet", async function () {
      const w = await networkHelpers.loadFixture(withSets);
      for (const v of [0, 2]) {
        await expect(w.custody.connect(w.bank).depositShares(w.datasetId, v, w.setA, id("root")))
          .to.be.revertedWithCustomError(w.custody, "CustodyUnknownVersion")
          .withArgs(w.datasetId, v);
      }
    });

    it("reverts CustodyInvalidSharesRoot for a zero root", async function () {
      const w = await networkHelpers.loadFixture(withSets);
      await expect(w.custody.connect(w.bank).depositShares(w.datasetId, 1, w.setA, ZeroHash)).to.be.revertedWithCustomError(w.custody, "CustodyInvalidSharesRoot");
    });

    it("reverts CustodyUnknownSet for a set never registered", async function () {
      const w = await networkHelpers.loadFixture(withSets);
      await expect(w.custody.connect(w.bank).depositShares(w.datasetId, 1, 7, id("root"))).to.be.revertedWithCustomError(w.custody, "CustodyUnknownSet").withArgs(7);
    });

    it("reverts CustodyCustodianKeyChanged when a custodian rotated or revoked its share key since the set was registered", async function () {
      const w = await networkHelpers.loadFixture(withSets);
      await publishCustodianKey(w.ledger, w.c2, generateEncryptionKeyPair());
      const rotated = await w.ledger.currentKeyId(w.c2.address, CUSTODIAN_DEVICE_ID);
      await expect(w.custody.connect(w.bank).depositShares(w.datasetId, 1, w.setA, id("root")))
        .to.be.revertedWithCustomError(w.custody, "CustodyCustodianKeyChanged")
        .withArgs(w.setA, w.c2.address, w.keyIdOf(w.c2), rotated);
      await w.ledger.connect(w.c4).revokeEncryptionKey(CUSTODIAN_DEVICE_ID);
      await expect(w.custody.connect(w.bank).depositShares(w.datasetId, 1, w.setB, id("root")))
        .to.be.revertedWithCustomError(w.custody, "CustodyCustodianKeyChanged")
        .withArgs(w.setB, w.c4.address, w.keyIdOf(w.c4), 0);
    });

    it("reverts CustodyVersionShredded once the version's shares were ordered shredded", async function () {
      const w = await networkHelpers.loadFixture(withDeposit);
      await w.custody.connect(w.bank).orderShred(w.datasetId, 1);
      await expect(w.custody.connect(w.bank).depositShares(w.datasetId, 1, w.setB, id("root")))
        .to.be.revertedWithCustomError(w.custody, "CustodyVersionShredded")
        .withArgs(w.datasetId, 1);
    });

    it("reverts CustodyLedgerPaused while the ledger is paused, and works again once it is lifted", async function () {
      const w = await networkHelpers.loadFixture(withSets);
      await w.ledger.connect(w.admin).pause();
      await expect(w.custody.connect(w.bank).depositShares(w.datasetId, 1, w.setA, id("root"))).to.be.revertedWithCustomError(w.custody, "CustodyLedgerPaused");
      await w.ledger.connect(w.admin).unpause();
      await expect(w.custody.connect(w.bank).depositShares(w.datasetId, 1, w.setA, id("root"))).to.emit(w.custody, "SharesDeposited");
    });
  });

  describe("orderShred", function () {
    it("the provider orders the serving set's shares destroyed at once; nothing serves the version any more", async function () {
      const w = await networkHelpers.loadFixture(withDeposit);
      const { requestId } = await w.share();
      const tx = w.custody.connect(w.bank).orderShred(w.datasetId, 1);
      const at = await timestampOf(tx);
      await expect(tx).to.emit(w.custody, "ShredOrdered").withArgs(w.datasetId, 1, w.setA, w.bank.address, at);
      expect((await w.custody.custodyOf(w.datasetId, 1)).shredded).to.equal(true);
      expect(await w.custody.shredOf(w.datasetId, 1, w.setA)).to.deep.equal([BigInt(at), 0n, 0b111n]);
      const g = await w.custody.shareGrant(requestId, w.c2.address);
      expect([g.valid, g.reason, g.shredded]).to.deep.equal([false, ShareInvalidReason.Shredded, true]);
    });

    it("reverts CustodyVersionShredded the second time, CustodyNotDeposited before any deposit, CustodyNotProvider for others", async function () {
      const w = await networkHelpers.loadFixture(withDeposit);
      await expect(w.custody.connect(w.insurer).orderShred(w.datasetId, 1))
        .to.be.revertedWithCustomError(w.custody, "CustodyNotProvider")
        .withArgs(w.datasetId, w.insurer.address);
      await expect(w.custody.connect(w.bank).orderShred(w.fundsDatasetId, 1))
        .to.be.revertedWithCustomError(w.custody, "CustodyNotDeposited")
        .withArgs(w.fundsDatasetId, 1);
      await w.custody.connect(w.bank).orderShred(w.datasetId, 1);
      await expect(w.custody.connect(w.bank).orderShred(w.datasetId, 1))
        .to.be.revertedWithCustomError(w.custody, "CustodyVersionShredded")
        .withArgs(w.datasetId, 1);
    });

    it("reverts CustodyLedgerPaused while the ledger is paused (a shred is irreversible)", async function () {
      const w = await networkHelpers.loadFixture(withDeposit);
      await w.ledger.connect(w.admin).pause();
      await expect(w.custody.connect(w.bank).orderShred(w.datasetId, 1)).to.be.revertedWithCustomError(w.custody, "CustodyLedgerPaused");
      expect((await w.custody.custodyOf(w.datasetId, 1)).shredded).to.equal(false);
    });
  });

  describe("voteShred", function () {
    it("two supervisors' votes (the default quorum) order the shred; the first alone does not", async function () {
      const w = await networkHelpers.loadFixture(withDeposit);
      const first = w.custody.connect(w.sup1).voteShred(w.datasetId, 1);
      await expect(first).to.emit(w.custody, "ShredVoted").withArgs(w.datasetId, 1, w.sup1.address, 1);
      await expect(first).not.to.emit(w.custody, "ShredOrdered");
      expect(await w.custody.shredVotes(w.datasetId, 1)).to.equal(1n);
      expect((await w.custody.custodyOf(w.datasetId, 1)).shredded).to.equal(false);
      const second = w.custody.connect(w.sup2).voteShred(w.datasetId, 1);
      const at = await timestampOf(second);
      await expect(second).to.emit(w.custody, "ShredVoted").withArgs(w.datasetId, 1, w.sup2.address, 2);
      await expect(second).to.emit(w.custody, "ShredOrdered").withArgs(w.datasetId, 1, w.setA, w.sup2.address, at);
      expect((await w.custody.custodyOf(w.datasetId, 1)).shredded).to.equal(true);
    });

    it("a vote of an account that lost SUPERVISOR_ROLE does not count; a new supervisor's does", async function () {
      const w = await networkHelpers.loadFixture(withDeposit);
      await w.custody.connect(w.sup1).voteShred(w.datasetId, 1);
      await w.ledger.connect(w.admin).revokeRole(SUPERVISOR_ROLE, w.sup1.address);
      expect(await w.custody.shredVotes(w.datasetId, 1)).to.equal(0n);
      const vote = w.custody.connect(w.sup2).voteShred(w.datasetId, 1);
      await expect(vote).to.emit(w.custody, "ShredVoted").withArgs(w.datasetId, 1, w.sup2.address, 1);
      await expect(vote).not.to.emit(w.custody, "ShredOrdered");
      expect((await w.custody.custodyOf(w.datasetId, 1)).shredded).to.equal(false);
      await w.ledger.connect(w.admin).grantRole(SUPERVISOR_ROLE, w.sup3.address);
      const third = w.custody.connect(w.sup3).voteShred(w.datasetId, 1);
      await expect(third).to.emit(w.custody, "ShredVoted").withArgs(w.datasetId, 1, w.sup3.address, 2);
      await expect(third)
        .to.emit(w.custody, "ShredOrdered")
        .withArgs(w.datasetId, 1, w.setA, w.sup3.address, await timestampOf(third));
    });

    it("with a quorum of 1 one vote orders the shred", async function () {
      const w = await networkHelpers.loadFixture(withDeposit);
      await w.custody.connect(w.admin).setShredQuorum(1);
      await expect(w.custody.connect(w.sup2).voteShred(w.datasetId, 1)).to.emit(w.custody, "ShredOrdered");
    });

    it("reverts CustodyAlreadyVoted for a second vote, CustodyUnauthorizedAccount for a non-supervisor", async function () {
      const w = await networkHelpers.loadFixture(withDeposit);
      await w.custody.connect(w.sup1).voteShred(w.datasetId, 1);
      await expect(w.custody.connect(w.sup1).voteShred(w.datasetId, 1))
        .to.be.revertedWithCustomError(w.custody, "CustodyAlreadyVoted")
        .withArgs(w.datasetId, 1, w.sup1.address);
      await expect(w.custody.connect(w.bank).voteShred(w.datasetId, 1))
        .to.be.revertedWithCustomError(w.custody, "CustodyUnauthorizedAccount")
        .withArgs(w.bank.address, SUPERVISOR_ROLE);
    });

    it("reverts CustodyNotDeposited before a deposit, CustodyVersionShredded after the shred, CustodyLedgerPaused while paused", async function () {
      const w = await networkHelpers.loadFixture(withDeposit);
      await expect(w.custody.connect(w.sup1).voteShred(w.fundsDatasetId, 1))
        .to.be.revertedWithCustomError(w.custody, "CustodyNotDeposited")
        .withArgs(w.fundsDatasetId, 1);
      await w.ledger.connect(w.admin).pause();
      await expect(w.custody.connect(w.sup1).voteShred(w.datasetId, 1)).to.be.revertedWithCustomError(w.custody, "CustodyLedgerPaused");
      await w.ledger.connect(w.admin).unpause();
      await w.custody.connect(w.bank).orderShred(w.datasetId, 1);
      await expect(w.custody.connect(w.sup1).voteShred(w.datasetId, 1))
        .to.be.revertedWithCustomError(w.custody, "CustodyVersionShredded")
        .withArgs(w.datasetId, 1);
    });
  });

  describe("confirmShred", function () {
    it("each custodian of the set confirms once; the views list who has not", async function () {
      const w = await networkHelpers.loadFixture(withDeposit);
      const at = await timestampOf(w.custody.connect(w.bank).orderShred(w.datasetId, 1));
      expect(await w.custody.unconfirmedShred(w.datasetId, 1, w.setA)).to.deep.equal(w.setAMembers.map((m) => m.address));
      await expect(w.custody.connect(w.c2).confirmShred(w.datasetId, 1, w.setA))
        .to.emit(w.custody, "ShredConfirmed")
        .withArgs(w.datasetId, 1, w.setA, w.c2.address, 1);
      expect(await w.custody.shredOf(w.datasetId, 1, w.setA)).to.deep.equal([BigInt(at), 0b010n, 0b101n]);
      expect(await w.custody.unconfirmedShred(w.datasetId, 1, w.setA)).to.deep.equal([w.custodian.address, w.c3.address]);
      await expect(w.custody.connect(w.c3).confirmShred(w.datasetId, 1, w.setA)).to.emit(w.custody, "ShredConfirmed").withArgs(w.datasetId, 1, w.setA, w.c3.address, 2);
      await expect(w.custody.connect(w.custodian).confirmShred(w.datasetId, 1, w.setA))
        .to.emit(w.custody, "ShredConfirmed")
        .withArgs(w.datasetId, 1, w.setA, w.custodian.address, 0);
      expect(await w.custody.shredOf(w.datasetId, 1, w.setA)).to.deep.equal([BigInt(at), 0b111n, 0n]);
      expect(await w.custody.unconfirmedShred(w.datasetId, 1, w.setA)).to.deep.equal([]);
    });

    it("the replaced set's custodians confirm after a change of set; the serving set has nothing to confirm", async function () {
      const w = await networkHelpers.loadFixture(withDeposit);
      await w.custody.connect(w.bank).depositShares(w.datasetId, 1, w.setB, id("b root"));
      await expect(w.custody.connect(w.c3).confirmShred(w.datasetId, 1, w.setA)).to.emit(w.custody, "ShredConfirmed").withArgs(w.datasetId, 1, w.setA, w.c3.address, 2);
      await expect(w.custody.connect(w.c4).confirmShred(w.datasetId, 1, w.setB))
        .to.be.revertedWithCustomError(w.custody, "CustodyShredNotOrdered")
        .withArgs(w.datasetId, 1, w.setB);
      expect(await w.custody.unconfirmedShred(w.datasetId, 1, w.setB)).to.deep.equal([]);
    });

    it("works while the ledger is paused (a fact about what happened)", async function () {
      const w = await networkHelpers.loadFixture(withDeposit);
      await w.custody.connect(w.bank).orderShred(w.datasetId, 1);
      await w.ledger.connect(w.admin).pause();
      await expect(w.custody.connect(w.c2).confirmShred(w.datasetId, 1, w.setA)).to.emit(w.custody, "ShredConfirmed");
    });

    it("reverts CustodyAlreadyConfirmed the second time, CustodyNotInSet for a non-member, CustodyShredNotOrdered before an order", async function () {
      const w = await networkHelpers.loadFixture(withDeposit);
      await expect(w.custody.connect(w.c2).confirmShred(w.datasetId, 1, w.setA))
        .to.be.revertedWithCustomError(w.custody, "CustodyShredNotOrdered")
        .withArgs(w.datasetId, 1, w.setA);
      await w.custody.connect(w.bank).orderShred(w.datasetId, 1);
      await w.custody.connect(w.c2).confirmShred(w.datasetId, 1, w.setA);
      await expect(w.custody.connect(w.c2).confirmShred(w.datasetId, 1, w.setA))
        .to.be.revertedWithCustomError(w.custody, "CustodyAlreadyConfirmed")
        .withArgs(w.datasetId, 1, w.setA, w.c2.address);
      await expect(w.custody.connect(w.c4).confirmShred(w.datasetId, 1, w.setA))
        .to.be.revertedWithCustomError(w.custody, "CustodyNotInSet")
        .withArgs(w.setA, w.c4.address);
    });
  });

  describe("shareGrant (what a custodian trusts)", function () {
    it("is valid for a custodian of the serving set of a live grant, with the ledger's grant and the set's facts", async function () {
      const w = await networkHelpers.loadFixture(withDeposit);
      const { requestId } = await w.share();
      const ledgerView = await w.ledger.isGrantValid(requestId);
      const g = await w.custody.shareGrant(requestId, w.c3.address);
      expect(g.valid).to.equal(true);
      expect(g.reason).to.equal(ShareInvalidReason.None);
      expect(g.grant).to.deep.equal(ledgerView);
      expect([g.setId, g.index, g.threshold, g.n, g.sharesRoot, g.shredded]).to.deep.equal([w.setA, 2n, 2n, 3n, w.root, false]);
    });

    it("a custodian's share verifies against the root it reads, bound to chain, contract, dataset, version, set and index", async function () {
      const w = await networkHelpers.loadFixture(withSets);
      const shares = ["share 0", "share 1", "share 2"];
      const tree = sharesRoot(w, w.datasetId, 1, w.setA, shares);
      await w.custody.connect(w.bank).depositShares(w.datasetId, 1, w.setA, tree.root);
      const { requestId } = await w.share();
      const g = await w.custody.shareGrant(requestId, w.c2.address);
      const leaf = [w.chainId, w.custody.target as string, g.grant.datasetId, g.grant.version, g.setId, g.index, keccak256(toUtf8Bytes(shares[1]!))];
      const proof = tree.getProof(Number(g.index));
      expect(StandardMerkleTree.verify(g.sharesRoot, LEAF_TYPES, leaf, proof)).to.equal(true);
      // The same share claimed under set B, or as index 0, does not verify.
      expect(StandardMerkleTree.verify(g.sharesRoot, LEAF_TYPES, [...leaf.slice(0, 4), w.setB, g.index, leaf[6]!], proof)).to.equal(false);
      expect(StandardMerkleTree.verify(g.sharesRoot, LEAF_TYPES, [...leaf.slice(0, 5), 0n, leaf[6]!], proof)).to.equal(false);
    });

    it("says NotInSet (index 255) for a custodian outside the serving set, also after a change of set for the old set's custodians", async function () {
      const w = await networkHelpers.loadFixture(withDeposit);
      const { requestId } = await w.share();
      let g = await w.custody.shareGrant(requestId, w.c4.address);
      expect([g.valid, g.reason, g.index, g.setId]).to.deep.equal([false, ShareInvalidReason.NotInSet, NOT_IN_SET, w.setA]);
      await w.custody.connect(w.bank).depositShares(w.datasetId, 1, w.setB, id("b root"));
      g = await w.custody.shareGrant(requestId, w.c2.address);
      expect([g.valid, g.reason, g.index, g.setId, g.shredded]).to.deep.equal([false, ShareInvalidReason.NotInSet, NOT_IN_SET, w.setB, false]);
      g = await w.custody.shareGrant(requestId, w.c4.address);
      expect([g.valid, g.reason, g.index, g.threshold, g.n, g.sharesRoot]).to.deep.equal([true, ShareInvalidReason.None, 0n, 1n, 1n, id("b root")]);
    });

    it("says NotDeposited when the granted version has no shares (another version's deposit does not count)", async function () {
      const w = await networkHelpers.loadFixture(withSets);
      await w.ledger.connect(w.bank).publishVersion(w.datasetId, await w.version("deposits v2", w.datasetId));
      const { requestId } = await w.share({}, { version: 1 });
      await w.custody.connect(w.bank).depositShares(w.datasetId, 2, w.setA, id("v2 root"));
      const g = await w.custody.shareGrant(requestId, w.c2.address);
      expect([g.valid, g.reason, g.setId, g.index, g.sharesRoot]).to.deep.equal([false, ShareInvalidReason.NotDeposited, 0n, NOT_IN_SET, ZeroHash]);
      expect(g.grant.valid).to.equal(true);
      expect(g.grant.version).to.equal(1n);
    });

    it("says GrantInvalid when the ledger says no (revoked grant, unknown request), with the ledger's own reason", async function () {
      const w = await networkHelpers.loadFixture(withDeposit);
      const { requestId } = await w.share();
      await w.ledger.connect(w.sup2).revokeGrant(requestId, 1);
      let g = await w.custody.shareGrant(requestId, w.c2.address);
      expect([g.valid, g.reason, g.grant.valid, g.grant.reason]).to.deep.equal([false, ShareInvalidReason.GrantInvalid, false, 3n /* Revoked */]);
      g = await w.custody.shareGrant(999, w.c2.address);
      expect([g.valid, g.reason, g.grant.reason, g.setId]).to.deep.equal([false, ShareInvalidReason.GrantInvalid, 1n /* NotGranted */, 0n]);
    });

    it("says Shredded after a supervisors' shred as well", async function () {
      const w = await networkHelpers.loadFixture(withDeposit);
      const { requestId } = await w.share();
      await w.custody.connect(w.sup1).voteShred(w.datasetId, 1);
      expect((await w.custody.shareGrant(requestId, w.custodian.address)).valid).to.equal(true);
      await w.custody.connect(w.sup2).voteShred(w.datasetId, 1);
      const g = await w.custody.shareGrant(requestId, w.custodian.address);
      expect([g.valid, g.reason, g.shredded, g.index]).to.deep.equal([false, ShareInvalidReason.Shredded, true, 0n]);
    });
  });

  // The figures as measured (+1 %), so that a deposit cannot silently get dearer. A deposit
  // writes two new slots (the root; the set id with the deposit time): 44,200 of its gas. The
  // rest is reading the ledger (pause, dataset) and, per custodian, checking that its share key
  // is still the one the set recorded (~6,900 gas each: a member slot and a ledger call).
  const PIN = { deposit2of3: 111_200n, deposit1of1: 97_300n, perCustodian: 7_000n, changeOfSet: 104_400n, orderShred: 64_500n, confirmShred: 32_800n };

  (INSTRUMENTED ? describe.skip : describe)("gas (receipt gasUsed, 21,000 base included)", function () {
    it("depositShares, orderShred and confirmShred stay at or under their pins; a change of set costs less than a deposit plus a shred order", async function () {
      const w = await networkHelpers.loadFixture(withSets);
      await w.share(); // a ledger in use
      const publish = await gasOf(w.ledger.connect(w.bank).publishVersion(w.datasetId, await w.version("deposits v2", w.datasetId)));
      await w.ledger.connect(w.bank).publishVersion(w.datasetId, await w.version("deposits v3", w.datasetId));
      const deposit2of3 = await gasOf(w.custody.connect(w.bank).depositShares(w.datasetId, 2, w.setA, id("v2 root")));
      const deposit1of1 = await gasOf(w.custody.connect(w.bank).depositShares(w.datasetId, 3, w.setB, id("v3 root")));
      const changeOfSet = await gasOf(w.custody.connect(w.bank).depositShares(w.datasetId, 3, w.setA, id("v3 root on A"))); // B -> A
      const orderShred = await gasOf(w.custody.connect(w.bank).orderShred(w.datasetId, 2));
      const confirmShred = await gasOf(w.custody.connect(w.c2).confirmShred(w.datasetId, 2, w.setA));
      const perCustodian = (deposit2of3 - deposit1of1) / 2n;
      const lines = [
        ["publishVersion (ledger, for comparison)", publish],
        ["depositShares, 2-of-3 set", deposit2of3],
        ["depositShares, 1-of-1 set", deposit1of1],
        ["  each custodian more", perCustodian],
        ["depositShares, change of set (to 3 custodians)", changeOfSet],
        ["orderShred (provider)", orderShred],
        ["confirmShred", confirmShred],
      ] as const;
      console.log(`\n  Custody gas\n${lines.map(([op, g]) => `  ${op.padEnd(46)} ${g.toLocaleString("en-US").padStart(9)}`).join("\n")}\n`);
      expect(deposit2of3).to.be.at.most(PIN.deposit2of3);
      expect(deposit1of1).to.be.at.most(PIN.deposit1of1);
      expect(perCustodian).to.be.at.most(PIN.perCustodian);
      expect(changeOfSet).to.be.at.most(PIN.changeOfSet);
      expect(orderShred).to.be.at.most(PIN.orderShred);
      expect(confirmShred).to.be.at.most(PIN.confirmShred);
      expect(changeOfSet).to.be.lessThan(deposit2of3 + orderShred);
    });
  });
});
