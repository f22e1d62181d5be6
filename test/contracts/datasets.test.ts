import { expect } from "chai";
import { network } from "hardhat";
import { ZeroHash, id } from "ethers";
import { verifyKeyCommitment } from "../../sdk/stream/commitment.js";
import {
  Category,
  DAY,
  HOUR,
  NO_VERSION,
  POLICY,
  SUPERVISOR_ROLE,
  TemporaryRule,
  deploySealshare,
  dekOf,
  minimum,
  minimumTuple,
  policyTuple,
  versionParams,
} from "./fixture.js";

const { networkHelpers } = await network.create();
const load = () => networkHelpers.loadFixture(deploySealshare);

const NO_MINIMUM = minimumTuple();

describe("Datasets", function () {
  describe("registration", function () {
    it("a provider registers a dataset about a subject with its first version", async function () {
      const { ledger, version, bank, ana } = await load();
      const v = await version("ana deposits 2025");
      const sourceRef = id("core-banking/ana");
      const tx = ledger.connect(bank).registerDataset(ana.address, Category.Deposit, POLICY, sourceRef, v);
      await expect(tx)
        .to.emit(ledger, "DatasetRegistered")
        .withArgs(3, bank.address, ana.address, Category.Deposit, policyTuple(POLICY), sourceRef);
      await expect(tx)
        .to.emit(ledger, "DatasetVersionPublished")
        .withArgs(3, 1, bank.address, v.merkleRoot, v.keyCommitment, v.size, v.formatId, v.storageURI);
      expect(await ledger.dataset(3)).to.deep.equal([
        bank.address,
        ana.address,
        BigInt(Category.Deposit),
        false,
        1n,
        policyTuple(POLICY),
      ]);
      const { merkleRoot: root, keyCommitment: commitment, size, publishedAt } = await ledger.datasetVersion(3, 1);
      expect([root, commitment, size]).to.deep.equal([v.merkleRoot, v.keyCommitment, v.size]);
      expect(publishedAt).to.be.greaterThan(0n);
    });

    it("registers an on-demand dataset with no version yet", async function () {
      const { ledger, bank, ana } = await load();
      const sourceRef = id("https://data-platform.example/ana/stocks");
      const tx = ledger.connect(bank).registerDataset(ana.address, Category.Stock, POLICY, sourceRef, NO_VERSION);
      await expect(tx)
        .to.emit(ledger, "DatasetRegistered")
        .withArgs(3, bank.address, ana.address, Category.Stock, policyTuple(POLICY), sourceRef);
      await expect(tx).not.to.emit(ledger, "DatasetVersionPublished");
      expect((await ledger.dataset(3)).latestVersion).to.equal(0n);
      await expect(ledger.datasetVersion(3, 1)).to.be.revertedWithCustomError(ledger, "DatasetsUnknownVersion").withArgs(3, 1);
    });

    it("reverts when the caller is not a member", async function () {
      const { ledger, version, mallory, ana } = await load();
      await expect(ledger.connect(mallory).registerDataset(ana.address, Category.Deposit, POLICY, ZeroHash, await version()))
        .to.be.revertedWithCustomError(ledger, "MembersNotActive")
        .withArgs(mallory.address);
    });

    it("reverts when the provider is suspended", async function () {
      const { ledger, version, sup1, bank, ana } = await load();
      await ledger.connect(sup1).suspendMember(bank.address, 7);
      await expect(ledger.connect(bank).registerDataset(ana.address, Category.Deposit, POLICY, ZeroHash, await version()))
        .to.be.revertedWithCustomError(ledger, "MembersNotActive")
        .withArgs(bank.address);
    });

    it("reverts when the subject is the zero address", async function () {
      const { ledger, version, bank } = await load();
      await expect(
        ledger.connect(bank).registerDataset(ZeroHash.slice(0, 42), Category.Deposit, POLICY, ZeroHash, await version()),
      )
        .to.be.revertedWithCustomError(ledger, "DatasetsInvalidSubject")
        .withArgs();
    });

    it("reverts when the category is unknown", async function () {
      const { ledger, version, bank, ana } = await load();
      await expect(ledger.connect(bank).registerDataset(ana.address, 7, POLICY, ZeroHash, await version()))
        .to.be.revertedWithCustomError(ledger, "DatasetsInvalidCategory")
        .withArgs(7);
    });

    it("reverts when the policy allows no formal grant (maxFormal 0)", async function () {
      const { ledger, version, bank, ana } = await load();
      const policy = { ...POLICY, maxTemporary: 0, maxFormal: 0 };
      await expect(ledger.connect(bank).registerDataset(ana.address, Category.Deposit, policy, ZeroHash, await version()))
        .to.be.revertedWithCustomError(ledger, "DatasetsNoFormalMaximum")
        .withArgs();
    });

    it("reverts when the policy asks for more supervisors than can exist", async function () {
      const { ledger, version, bank, ana } = await load();
      const policy = { ...POLICY, supervisorQuorum: 33 };
      await expect(ledger.connect(bank).registerDataset(ana.address, Category.Deposit, policy, ZeroHash, await version()))
        .to.be.revertedWithCustomError(ledger, "DatasetsQuorumTooHigh")
        .withArgs(33, 32);
    });

    const badVersions: [string, Partial<ReturnType<typeof versionParams>>][] = [
      ["no key commitment", { keyCommitment: ZeroHash }],
      ["a zero size", { size: 0n }],
    ];
    for (const [what, patch] of badVersions) {
      it(`reverts when the first version has ${what}`, async function () {
        const { ledger, version, bank, ana } = await load();
        await expect(
          ledger.connect(bank).registerDataset(ana.address, Category.Deposit, POLICY, ZeroHash, { ...(await version()), ...patch }),
        )
          .to.be.revertedWithCustomError(ledger, "DatasetsInvalidVersion")
          .withArgs(3);
      });
    }

    it("reverts while paused", async function () {
      const { ledger, version, admin, bank, ana } = await load();
      await ledger.connect(admin).pause();
      await expect(
        ledger.connect(bank).registerDataset(ana.address, Category.Deposit, POLICY, ZeroHash, await version()),
      )
        .to.be.revertedWithCustomError(ledger, "SealsharePaused")
        .withArgs();
    });

    it("reverts when reading an unknown dataset", async function () {
      const { ledger } = await load();
      await expect(ledger.dataset(99)).to.be.revertedWithCustomError(ledger, "DatasetsUnknown").withArgs(99);
    });
  });

  describe("a version binds its slot (spec item 1)", function () {
    it("nextDatasetId() is the id the next registration gets", async function () {
      const { ledger, version, bank, ana } = await load();
      expect(await ledger.nextDatasetId()).to.equal(3n);
      await ledger.connect(bank).registerDataset(ana.address, Category.Stock, POLICY, ZeroHash, await version("stocks"));
      expect(await ledger.nextDatasetId()).to.equal(4n);
    });

    it("reverts a registration that copies another dataset's version, slot and all (DatasetsVersionSlotMismatch)", async function () {
      const { ledger, lender, ana, v1 } = await load();
      // Lender copies Ana's deposits' version 1 (commitment, root, hashes) to register its own.
      await expect(ledger.connect(lender).registerDataset(ana.address, Category.Deposit, POLICY, ZeroHash, v1))
        .to.be.revertedWithCustomError(ledger, "DatasetsVersionSlotMismatch")
        .withArgs(3, 1, 1, 1);
    });

    it("a copied commitment declared for the copier's own slot is accepted on chain, but does not verify for that slot", async function () {
      const { ledger, lender, ana, v1, chainId, ledgerAddress } = await load();
      const copy = { ...v1, datasetId: 3n, version: 1 };
      await expect(ledger.connect(lender).registerDataset(ana.address, Category.Deposit, POLICY, ZeroHash, copy))
        .to.emit(ledger, "DatasetVersionPublished")
        .withArgs(3, 1, lender.address, copy.merkleRoot, copy.keyCommitment, copy.size, copy.formatId, copy.storageURI);
      // The commitment binds (chain, ledger, dataset 1, version 1): for dataset 3 it matches no key,
      // not even the victim's own (what the custodian checks before releasing anything).
      const dek = dekOf("deposits v1");
      const binding = { chainId, ledger: ledgerAddress, datasetId: 3n, version: 1, merkleRoot: copy.merkleRoot };
      expect(verifyKeyCommitment(dek, binding, copy.keyCommitment)).to.equal(false);
      expect(verifyKeyCommitment(dek, { ...binding, datasetId: 1n }, copy.keyCommitment)).to.equal(true);
    });

    it("reverts a registration that lost the race for its id; recomputed, it goes through (DatasetsVersionSlotMismatch)", async function () {
      const { ledger, version, bank, lender, ana } = await load();
      const mine = await version("mine");
      const theirs = await version("theirs"); // computed for the same id, 3
      await ledger.connect(lender).registerDataset(ana.address, Category.Bond, POLICY, ZeroHash, theirs);
      await expect(ledger.connect(bank).registerDataset(ana.address, Category.Bond, POLICY, ZeroHash, mine))
        .to.be.revertedWithCustomError(ledger, "DatasetsVersionSlotMismatch")
        .withArgs(4, 1, 3, 1);
      const retried = await version("mine");
      expect(retried.datasetId).to.equal(4n);
      await expect(ledger.connect(bank).registerDataset(ana.address, Category.Bond, POLICY, ZeroHash, retried))
        .to.emit(ledger, "DatasetRegistered")
        .withArgs(4, bank.address, ana.address, Category.Bond, policyTuple(POLICY), ZeroHash);
    });

    it("reverts a first version numbered other than 1 (DatasetsVersionSlotMismatch)", async function () {
      const { ledger, version, bank, ana } = await load();
      const v = { ...(await version("v")), version: 2 };
      await expect(ledger.connect(bank).registerDataset(ana.address, Category.Bond, POLICY, ZeroHash, v))
        .to.be.revertedWithCustomError(ledger, "DatasetsVersionSlotMismatch")
        .withArgs(3, 1, 3, 2);
    });

    it("reverts a published version declared for another dataset or number (DatasetsVersionSlotMismatch)", async function () {
      const { ledger, version, bank, datasetId, fundsDatasetId } = await load();
      const forFunds = await version("v2", fundsDatasetId);
      await expect(ledger.connect(bank).publishVersion(datasetId, forFunds))
        .to.be.revertedWithCustomError(ledger, "DatasetsVersionSlotMismatch")
        .withArgs(datasetId, 2, fundsDatasetId, 2);
      const skipping = { ...(await version("v3", datasetId)), version: 3 };
      await expect(ledger.connect(bank).publishVersion(datasetId, skipping))
        .to.be.revertedWithCustomError(ledger, "DatasetsVersionSlotMismatch")
        .withArgs(datasetId, 2, datasetId, 3);
      const replayed = await version("v1 again", datasetId);
      await ledger.connect(bank).publishVersion(datasetId, replayed);
      await expect(ledger.connect(bank).publishVersion(datasetId, replayed))
        .to.be.revertedWithCustomError(ledger, "DatasetsVersionSlotMismatch")
        .withArgs(datasetId, 3, datasetId, 2);
    });

    it("reverts a version without a Merkle root, which the commitment binds (DatasetsInvalidVersion)", async function () {
      const { ledger, version, bank, ana, datasetId } = await load();
      await expect(ledger.connect(bank).registerDataset(ana.address, Category.Bond, POLICY, ZeroHash, { ...(await version()), merkleRoot: ZeroHash }))
        .to.be.revertedWithCustomError(ledger, "DatasetsInvalidVersion")
        .withArgs(3);
      await expect(ledger.connect(bank).publishVersion(datasetId, { ...(await version("v2", datasetId)), merkleRoot: ZeroHash }))
        .to.be.revertedWithCustomError(ledger, "DatasetsInvalidVersion")
        .withArgs(datasetId);
    });
  });

  describe("versions", function () {
    it("the provider appends a version (append-only history)", async function () {
      const { ledger, version, bank, datasetId, v1 } = await load();
      const v2 = await version("deposits v2 (rotated key)", datasetId);
      await expect(ledger.connect(bank).publishVersion(datasetId, v2))
        .to.emit(ledger, "DatasetVersionPublished")
        .withArgs(datasetId, 2, bank.address, v2.merkleRoot, v2.keyCommitment, v2.size, v2.formatId, v2.storageURI);
      expect((await ledger.dataset(datasetId)).latestVersion).to.equal(2n);
      expect((await ledger.datasetVersion(datasetId, 1)).keyCommitment).to.equal(v1.keyCommitment);
      expect((await ledger.datasetVersion(datasetId, 2)).keyCommitment).to.equal(v2.keyCommitment);
    });

    it("an on-demand dataset gets its first version from its adapter", async function () {
      const { ledger, version, bank, ana } = await load();
      await ledger.connect(bank).registerDataset(ana.address, Category.Stock, POLICY, id("source"), NO_VERSION);
      const v = await version("extracted", 3);
      await expect(ledger.connect(bank).publishVersion(3, v))
        .to.emit(ledger, "DatasetVersionPublished")
        .withArgs(3, 1, bank.address, v.merkleRoot, v.keyCommitment, v.size, v.formatId, v.storageURI);
    });

    it("reverts when someone other than the provider publishes", async function () {
      const { ledger, version, lender, datasetId } = await load();
      await expect(ledger.connect(lender).publishVersion(datasetId, await version("forged", datasetId)))
        .to.be.revertedWithCustomError(ledger, "DatasetsNotProvider")
        .withArgs(datasetId, lender.address);
    });

    it("reverts when the dataset is unknown", async function () {
      const { ledger, ledgerAddress, chainId, bank } = await load();
      await expect(ledger.connect(bank).publishVersion(99, versionParams("v1", { chainId, ledger: ledgerAddress, datasetId: 99, version: 1 })))
        .to.be.revertedWithCustomError(ledger, "DatasetsUnknown")
        .withArgs(99);
    });

    it("reverts when the version carries no size", async function () {
      const { ledger, version, bank, datasetId } = await load();
      await expect(ledger.connect(bank).publishVersion(datasetId, { ...(await version("v2", datasetId)), size: 0n }))
        .to.be.revertedWithCustomError(ledger, "DatasetsInvalidVersion")
        .withArgs(datasetId);
    });

    it("reverts when the provider has been suspended", async function () {
      const { ledger, version, sup1, bank, datasetId } = await load();
      await ledger.connect(sup1).suspendMember(bank.address, 1);
      await expect(ledger.connect(bank).publishVersion(datasetId, await version("v2", datasetId)))
        .to.be.revertedWithCustomError(ledger, "MembersNotActive")
        .withArgs(bank.address);
    });
  });

  describe("policy and category minimums", function () {
    it("the provider changes its policy", async function () {
      const { ledger, bank, datasetId } = await load();
      const policy = { requireProvider: true, supervisorQuorum: 2, maxTemporary: 0, maxFormal: 90 * DAY };
      await expect(ledger.connect(bank).setPolicy(datasetId, policy))
        .to.emit(ledger, "DatasetPolicyChanged")
        .withArgs(datasetId, policyTuple(POLICY), policyTuple(policy));
      expect((await ledger.dataset(datasetId)).policy).to.deep.equal(policyTuple(policy));
    });

    it("reverts when someone other than the provider changes the policy", async function () {
      const { ledger, sup1, datasetId } = await load();
      await expect(ledger.connect(sup1).setPolicy(datasetId, POLICY))
        .to.be.revertedWithCustomError(ledger, "DatasetsNotProvider")
        .withArgs(datasetId, sup1.address);
    });

    it("a supervisor sets a category minimum", async function () {
      const { ledger, sup1 } = await load();
      await expect(ledger.connect(sup1).setCategoryMinimum(Category.Insurance, minimum({ requireProvider: true, supervisorQuorum: 2 })))
        .to.emit(ledger, "CategoryMinimumChanged")
        .withArgs(Category.Insurance, NO_MINIMUM, minimumTuple({ requireProvider: true, supervisorQuorum: 2 }));
    });

    it("reverts when a non-supervisor sets a category minimum", async function () {
      const { ledger, bank } = await load();
      await expect(ledger.connect(bank).setCategoryMinimum(Category.Deposit, minimum({ requireProvider: false, supervisorQuorum: 0 })))
        .to.be.revertedWithCustomError(ledger, "AccessControlUnauthorizedAccount")
        .withArgs(bank.address, SUPERVISOR_ROLE);
    });

    it("reverts when the category minimum names an unknown category", async function () {
      const { ledger, sup1 } = await load();
      await expect(ledger.connect(sup1).setCategoryMinimum(9, minimum({ requireProvider: true, supervisorQuorum: 1 })))
        .to.be.revertedWithCustomError(ledger, "DatasetsInvalidCategory")
        .withArgs(9);
    });

    it("reverts when a new dataset's policy is below the category's supervisor quorum", async function () {
      const { ledger, version, sup1, bank, ana } = await load();
      await ledger.connect(sup1).setCategoryMinimum(Category.Insurance, minimum({ requireProvider: true, supervisorQuorum: 2 }));
      await expect(ledger.connect(bank).registerDataset(ana.address, Category.Insurance, POLICY, ZeroHash, await version()))
        .to.be.revertedWithCustomError(ledger, "DatasetsPolicyBelowMinimum")
        .withArgs(Category.Insurance, policyTuple(POLICY), minimumTuple({ requireProvider: true, supervisorQuorum: 2 }));
    });

    it("reverts when a new dataset's policy skips the provider approval the category requires", async function () {
      const { ledger, version, sup1, bank, ana } = await load();
      await ledger.connect(sup1).setCategoryMinimum(Category.Trust, minimum({ requireProvider: true, supervisorQuorum: 0 }));
      const policy = { ...POLICY, requireProvider: false };
      await expect(ledger.connect(bank).registerDataset(ana.address, Category.Trust, policy, ZeroHash, await version()))
        .to.be.revertedWithCustomError(ledger, "DatasetsPolicyBelowMinimum")
        .withArgs(Category.Trust, policyTuple(policy), minimumTuple({ requireProvider: true, supervisorQuorum: 0 }));
    });

    it("reverts when an existing dataset's new policy is below a minimum raised since", async function () {
      const { ledger, sup1, bank, datasetId } = await load();
      await ledger.connect(sup1).setCategoryMinimum(Category.Deposit, minimum({ requireProvider: true, supervisorQuorum: 2 }));
      const policy = { ...POLICY, maxFormal: 10 * DAY };
      await expect(ledger.connect(bank).setPolicy(datasetId, policy))
        .to.be.revertedWithCustomError(ledger, "DatasetsPolicyBelowMinimum")
        .withArgs(Category.Deposit, policyTuple(policy), minimumTuple({ requireProvider: true, supervisorQuorum: 2 }));
    });

    describe("temporary grants in policies and floors (spec item 2)", function () {
      const badPolicies: [string, object, string, number[]][] = [
        [
          "a temporary maximum above the formal one",
          { maxTemporary: 2 * HOUR, maxFormal: HOUR },
          "DatasetsTemporaryAboveFormal",
          [2 * HOUR, HOUR],
        ],
        ["a temporary maximum above the one-day ceiling", { maxTemporary: DAY + 1 }, "DatasetsTemporaryAboveCeiling", [DAY + 1, DAY]],
      ];
      for (const [what, patch, error, args] of badPolicies) {
        it(`reverts a policy with ${what} (${error})`, async function () {
          const { ledger, version, bank, ana, datasetId } = await load();
          const policy = { ...POLICY, ...patch };
          await expect(ledger.connect(bank).registerDataset(ana.address, Category.Bond, policy, ZeroHash, await version()))
            .to.be.revertedWithCustomError(ledger, error)
            .withArgs(...args);
          await expect(ledger.connect(bank).setPolicy(datasetId, policy))
            .to.be.revertedWithCustomError(ledger, error)
            .withArgs(...args);
        });
      }

      it("accepts a temporary maximum of exactly one day (MAX_TEMPORARY_SECONDS)", async function () {
        const { ledger, version, bank, ana } = await load();
        expect(await ledger.MAX_TEMPORARY_SECONDS()).to.equal(BigInt(DAY));
        const policy = { ...POLICY, maxTemporary: DAY };
        await expect(ledger.connect(bank).registerDataset(ana.address, Category.Bond, policy, ZeroHash, await version()))
          .to.emit(ledger, "DatasetRegistered")
          .withArgs(3, bank.address, ana.address, Category.Bond, policyTuple(policy), ZeroHash);
      });

      it("reverts a policy above the category's temporary cap, or offering temporary grants where the category forbids them", async function () {
        const { ledger, version, bank, sup1, ana } = await load();
        const capped = minimum({ maxTemporary: 30 * 60 });
        await ledger.connect(sup1).setCategoryMinimum(Category.Bond, capped);
        await expect(ledger.connect(bank).registerDataset(ana.address, Category.Bond, POLICY, ZeroHash, await version()))
          .to.be.revertedWithCustomError(ledger, "DatasetsPolicyBelowMinimum")
          .withArgs(Category.Bond, policyTuple(POLICY), minimumTuple(capped));
        const forbidden = minimum({ temporary: TemporaryRule.Forbidden });
        await ledger.connect(sup1).setCategoryMinimum(Category.Trust, forbidden);
        await expect(ledger.connect(bank).registerDataset(ana.address, Category.Trust, POLICY, ZeroHash, await version()))
          .to.be.revertedWithCustomError(ledger, "DatasetsPolicyBelowMinimum")
          .withArgs(Category.Trust, policyTuple(POLICY), minimumTuple(forbidden));
        const noTemporary = { ...POLICY, maxTemporary: 0 };
        await expect(ledger.connect(bank).registerDataset(ana.address, Category.Trust, noTemporary, ZeroHash, await version()))
          .to.emit(ledger, "DatasetRegistered");
      });

      // One error per inconsistent floor, each with the values that make it inconsistent.
      const badMinimums: [string, Parameters<typeof minimum>[0], string, unknown[]][] = [
        ["a quorum above 32 supervisors", { supervisorQuorum: 33 }, "DatasetsCategoryQuorumTooHigh", [Category.Bond, 33, 32]],
        ["an early quorum above the full one", { supervisorQuorum: 1, temporary: TemporaryRule.Early, temporaryQuorum: 2 }, "DatasetsCategoryEarlyQuorumAboveQuorum", [Category.Bond, 2, 1]],
        ["an early quorum without the Early rule", { supervisorQuorum: 2, temporaryQuorum: 1 }, "DatasetsCategoryEarlyQuorumWithoutEarly", [Category.Bond, 1, TemporaryRule.AfterQuorum]],
        ["an early quorum under Forbidden", { supervisorQuorum: 2, temporary: TemporaryRule.Forbidden, temporaryQuorum: 1 }, "DatasetsCategoryEarlyQuorumWithoutEarly", [Category.Bond, 1, TemporaryRule.Forbidden]],
        ["a temporary cap above the one-day ceiling", { maxTemporary: DAY + 1 }, "DatasetsCategoryTemporaryAboveCeiling", [Category.Bond, DAY + 1, DAY]],
        ["a temporary cap under Forbidden", { temporary: TemporaryRule.Forbidden, maxTemporary: HOUR }, "DatasetsCategoryTemporaryCapWhenForbidden", [Category.Bond, HOUR]],
      ];
      for (const [what, m, error, args] of badMinimums) {
        it(`reverts a category minimum with ${what} (${error})`, async function () {
          const { ledger, sup1 } = await load();
          await expect(ledger.connect(sup1).setCategoryMinimum(Category.Bond, minimum(m)))
            .to.be.revertedWithCustomError(ledger, error)
            .withArgs(...args);
        });
      }

      it("checks a category minimum's quorum before its early quorum (the first failure is the one reported)", async function () {
        const { ledger, sup1 } = await load();
        // Both the quorum (33 > 32) and the early quorum (without Early) are wrong: the quorum is named.
        await expect(ledger.connect(sup1).setCategoryMinimum(Category.Bond, minimum({ supervisorQuorum: 33, temporaryQuorum: 1 })))
          .to.be.revertedWithCustomError(ledger, "DatasetsCategoryQuorumTooHigh")
          .withArgs(Category.Bond, 33, 32);
      });

      it("accepts a category minimum at every limit (32 supervisors, early quorum = quorum, a one-day cap)", async function () {
        const { ledger, sup1 } = await load();
        const atLimits = { supervisorQuorum: 32, temporary: TemporaryRule.Early, temporaryQuorum: 32, maxTemporary: DAY };
        await expect(ledger.connect(sup1).setCategoryMinimum(Category.Bond, minimum(atLimits)))
          .to.emit(ledger, "CategoryMinimumChanged")
          .withArgs(Category.Bond, minimumTuple(), minimumTuple(atLimits));
      });

      it("reverts a category minimum with an unknown temporary rule", async function () {
        const { ledger, ethers, sup1 } = await load();
        // The ABI decoder refuses an enum value out of range before any code runs.
        await expect(ledger.connect(sup1).setCategoryMinimum(Category.Bond, minimum({ temporary: 3 }))).to.revert(ethers);
      });
    });

    it("accepts a policy exactly at the minimum", async function () {
      const { ledger, version, sup1, bank, ana } = await load();
      await ledger.connect(sup1).setCategoryMinimum(Category.Bond, minimum({ requireProvider: true, supervisorQuorum: 2 }));
      const policy = { requireProvider: true, supervisorQuorum: 2, maxTemporary: HOUR, maxFormal: DAY };
      await expect(ledger.connect(bank).registerDataset(ana.address, Category.Bond, policy, ZeroHash, await version()))
        .to.emit(ledger, "DatasetRegistered")
        .withArgs(3, bank.address, ana.address, Category.Bond, policyTuple(policy), ZeroHash);
    });
  });

  describe("stewardship transfer and retirement", function () {
    it("the provider transfers stewardship to another active member", async function () {
      const { ledger, version, sup1, bank, fundHouse, datasetId } = await load();
      await ledger.connect(sup1).registerMember(fundHouse.address, id("kyc-ref/fundhouse"), "");
      await expect(ledger.connect(bank).transferDataset(datasetId, fundHouse.address))
        .to.emit(ledger, "DatasetTransferred")
        .withArgs(datasetId, bank.address, fundHouse.address);
      expect((await ledger.dataset(datasetId)).provider).to.equal(fundHouse.address);
      // The new provider publishes; the old one no longer can.
      const v2 = await version("v2", datasetId);
      await expect(ledger.connect(fundHouse).publishVersion(datasetId, v2))
        .to.emit(ledger, "DatasetVersionPublished")
        .withArgs(datasetId, 2, fundHouse.address, v2.merkleRoot, v2.keyCommitment, v2.size, v2.formatId, v2.storageURI);
      await expect(ledger.connect(bank).publishVersion(datasetId, await version("v3", datasetId)))
        .to.be.revertedWithCustomError(ledger, "DatasetsNotProvider")
        .withArgs(datasetId, bank.address);
    });

    it("reverts when transferring to an account that is not an active member", async function () {
      const { ledger, bank, fundHouse, datasetId } = await load();
      await expect(ledger.connect(bank).transferDataset(datasetId, fundHouse.address))
        .to.be.revertedWithCustomError(ledger, "MembersNotActive")
        .withArgs(fundHouse.address);
    });

    it("reverts when someone other than the provider transfers", async function () {
      const { ledger, lender, datasetId } = await load();
      await expect(ledger.connect(lender).transferDataset(datasetId, lender.address))
        .to.be.revertedWithCustomError(ledger, "DatasetsNotProvider")
        .withArgs(datasetId, lender.address);
    });

    it("the provider retires a dataset, after which nothing more is published, set or transferred", async function () {
      const { ledger, version, bank, lender, datasetId } = await load();
      await expect(ledger.connect(bank).retireDataset(datasetId)).to.emit(ledger, "DatasetRetired").withArgs(datasetId, bank.address);
      expect((await ledger.dataset(datasetId)).retired).to.equal(true);
      await expect(ledger.connect(bank).publishVersion(datasetId, await version("v2", datasetId)))
        .to.be.revertedWithCustomError(ledger, "DatasetsRetired")
        .withArgs(datasetId);
      await expect(ledger.connect(bank).setPolicy(datasetId, POLICY))
        .to.be.revertedWithCustomError(ledger, "DatasetsRetired")
        .withArgs(datasetId);
      await expect(ledger.connect(bank).transferDataset(datasetId, lender.address))
        .to.be.revertedWithCustomError(ledger, "DatasetsRetired")
        .withArgs(datasetId);
      await expect(ledger.connect(bank).retireDataset(datasetId))
        .to.be.revertedWithCustomError(ledger, "DatasetsRetired")
        .withArgs(datasetId);
    });

    it("reverts when someone other than the provider retires", async function () {
      const { ledger, sup1, datasetId } = await load();
      await expect(ledger.connect(sup1).retireDataset(datasetId))
        .to.be.revertedWithCustomError(ledger, "DatasetsNotProvider")
        .withArgs(datasetId, sup1.address);
    });
  });
});
