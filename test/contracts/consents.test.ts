import { expect } from "chai";
import { network } from "hardhat";
import { TypedDataEncoder, ZeroAddress, ZeroHash, hexlify, id, randomBytes } from "ethers";
import { CONSENT_TYPES, REVOKE_CONSENT_TYPES } from "../../sdk/eip712.js";
import {
  CONSENT_PATHS,
  Category,
  DAY,
  GrantKind,
  HOUR,
  POLICY,
  Purpose,
  deploySealshare,
  type World,
} from "./fixture.js";

const { networkHelpers } = await network.create();
const load = () => networkHelpers.loadFixture(deploySealshare);

describe("Consents", function () {
  describe("the consent id", function () {
    it("is the EIP-712 digest of the terms under sdk/eip712's CONSENT_TYPES", async function () {
      const { ledger, consentTerms, consentIdOf } = await load();
      const terms = await consentTerms();
      expect(await ledger.consentId(terms)).to.equal(consentIdOf(terms));
      expect(await ledger.CONSENT_TYPEHASH()).to.equal(hashType(CONSENT_TYPES, "Consent"));
      expect(await ledger.REVOKE_CONSENT_TYPEHASH()).to.equal(hashType(REVOKE_CONSENT_TYPES, "RevokeConsent"));
    });

    it("is bound to this chain and this deployment (ERC-5267 domain)", async function () {
      const { ledger, ledgerAddress, chainId, domain } = await load();
      expect(domain).to.deep.equal({ name: "Sealshare", version: "1", chainId, verifyingContract: ledgerAddress });
      const [fields, name, version, cid, verifyingContract, salt, extensions] = await ledger.eip712Domain();
      expect([fields, name, version, cid, verifyingContract, salt, extensions]).to.deep.equal([
        "0x0f",
        "Sealshare",
        "1",
        chainId,
        ledgerAddress,
        ZeroHash,
        [],
      ]);
    });

    it("differs for every nonce, so the same terms can be consented to again", async function () {
      const { consentTerms, consentIdOf } = await load();
      const a = await consentTerms();
      const b = { ...a, nonce: hexlify(randomBytes(32)) };
      expect(consentIdOf(a)).to.not.equal(consentIdOf(b));
    });
  });

  // The same behaviour suite over the three entry paths (by transaction, by signature, by
  // signature with the request), so no path can drift from another.
  for (const path of CONSENT_PATHS) {
    describe(`giving consent ${path.name}`, function () {
      it("records the consent and emits ConsentGiven with who relayed it", async function () {
        const w = await load();
        const terms = await w.consentTerms();
        const cid = w.consentIdOf(terms);
        await expect(path.give(w, terms))
          .to.emit(w.ledger, "ConsentGiven")
          .withArgs(
            cid,
            w.ana.address,
            w.insurer.address,
            w.datasetId,
            Category.Deposit,
            Purpose.underwriting,
            GrantKind.Formal,
            terms.expiresAt,
            terms.receiptHash,
            path.relayer(w).address,
          );
        expect(await w.ledger.consentOf(cid)).to.deep.equal([w.ana.address, terms.expiresAt, BigInt(GrantKind.Formal), false]);
      });

      it("records a whole-category consent for any member", async function () {
        const w = await load();
        const terms = await w.consentTerms({ requester: ZeroAddress, datasetId: 0n, category: Category.Fund, maxKind: GrantKind.Temporary });
        await expect(path.give(w, terms))
          .to.emit(w.ledger, "ConsentGiven")
          .withArgs(
            w.consentIdOf(terms),
            w.ana.address,
            ZeroAddress,
            0,
            Category.Fund,
            Purpose.underwriting,
            GrantKind.Temporary,
            terms.expiresAt,
            terms.receiptHash,
            path.relayer(w).address,
          );
      });

      it("lets the requester named in the consent ask for access", async function () {
        const w = await load();
        const terms = await w.consentTerms();
        await expect(path.request(w, terms, w.requestParams()))
          .to.emit(w.ledger, "AccessRequested")
          .withArgs(1, w.datasetId, w.insurer.address, w.consentIdOf(terms), 1, Purpose.underwriting, GrantKind.Formal, 7 * DAY, w.keys.insurer.keyId);
        await w.expectConsentGiven(terms, path.relayer(w));
      });

      it("reverts when the same consent is recorded again (replay)", async function () {
        const w = await load();
        const terms = await w.consentTerms();
        await path.give(w, terms);
        await expect(path.give(w, terms))
          .to.be.revertedWithCustomError(w.ledger, "ConsentsAlreadyRecorded")
          .withArgs(w.consentIdOf(terms));
      });

      it("reverts when the deadline has passed", async function () {
        const w = await load();
        const terms = await w.consentTerms();
        await w.time.increaseTo(terms.deadline + 1n);
        await expect(path.give(w, terms))
          .to.be.revertedWithCustomError(w.ledger, "ConsentsSignatureExpired")
          .withArgs(terms.deadline);
      });

      it("is accepted in the deadline's very second", async function () {
        const w = await load();
        const terms = await w.consentTerms();
        await w.time.setNextBlockTimestamp(terms.deadline);
        await expect(path.give(w, terms))
          .to.emit(w.ledger, "ConsentGiven")
          .withArgs(...w.consentGivenArgs(terms, path.relayer(w)));
      });

      it("reverts when the consent would already be expired", async function () {
        const w = await load();
        const now = BigInt(await w.time.latest());
        const terms = await w.consentTerms({ expiresAt: now + 1n });
        await w.time.setNextBlockTimestamp(now + 1n);
        await expect(path.give(w, terms))
          .to.be.revertedWithCustomError(w.ledger, "ConsentsExpiryNotInFuture")
          .withArgs(now + 1n, now + 1n);
      });

      for (const [what, patch, error, args] of [
        ["allows no grant kind", { maxKind: GrantKind.None }, "ConsentsInvalidKind", [GrantKind.None]],
        ["allows an unknown grant kind", { maxKind: 3 }, "ConsentsInvalidKind", [3]],
        ["covers an unknown category", { datasetId: 0n, category: 7 }, "ConsentsInvalidCategory", [7]],
      ] as const) {
        it(`reverts when the consent ${what} (${error})`, async function () {
          const w = await load();
          const terms = await w.consentTerms(patch);
          await expect(path.give(w, terms))
            .to.be.revertedWithCustomError(w.ledger, error)
            .withArgs(...args);
        });
      }

      it("reverts when someone consents to a dataset whose subject is someone else (ConsentsNotDatasetSubject, spec item 9)", async function () {
        const w = await load();
        // Mallory "consents" to Ana's deposits: refused when recorded, whoever sends or relays it.
        const terms = await w.consentTerms({ subject: w.mallory.address });
        await expect(path.give(w, terms))
          .to.be.revertedWithCustomError(w.ledger, "ConsentsNotDatasetSubject")
          .withArgs(w.datasetId, w.mallory.address);
        // A dataset that does not exist has no subject: nobody can consent to it in advance.
        const unknown = await w.consentTerms({ datasetId: 99n });
        await expect(path.give(w, unknown))
          .to.be.revertedWithCustomError(w.ledger, "ConsentsNotDatasetSubject")
          .withArgs(99, w.ana.address);
        // Ana's own consent to her dataset is recorded; so is anyone's category consent (which
        // names no dataset; a request checks the dataset's subject against it).
        await expect(path.give(w, await w.consentTerms())).to.emit(w.ledger, "ConsentGiven");
        if (!path.oneTransaction) {
          await expect(path.give(w, await w.consentTerms({ subject: w.mallory.address, datasetId: 0n }))).to.emit(w.ledger, "ConsentGiven");
        }
      });

      it("reverts while the ledger is paused", async function () {
        const w = await load();
        const terms = await w.consentTerms();
        await w.ledger.connect(w.admin).pause();
        await expect(path.give(w, terms)).to.be.revertedWithCustomError(w.ledger, "SealsharePaused").withArgs();
      });

      it("reverts when the subject cancelled the id before it was recorded", async function () {
        const w = await load();
        const terms = await w.consentTerms();
        const cid = w.consentIdOf(terms);
        await expect(w.ledger.connect(w.ana).revokeConsent(cid))
          .to.emit(w.ledger, "ConsentSignatureCancelled")
          .withArgs(cid, w.ana.address)
          .and.not.to.emit(w.ledger, "ConsentRevoked");
        await expect(path.give(w, terms)).to.be.revertedWithCustomError(w.ledger, "ConsentsCancelled").withArgs(cid);
      });

      it("is not blocked by a third party 'cancelling' the id first", async function () {
        const w = await load();
        const terms = await w.consentTerms();
        const cid = w.consentIdOf(terms);
        await expect(w.ledger.connect(w.mallory).revokeConsent(cid))
          .to.emit(w.ledger, "ConsentSignatureCancelled")
          .withArgs(cid, w.mallory.address);
        await expect(path.give(w, terms))
          .to.emit(w.ledger, "ConsentGiven")
          .withArgs(...w.consentGivenArgs(terms, path.relayer(w)));
        expect(await w.ledger.consentOf(cid)).to.deep.equal([w.ana.address, terms.expiresAt, BigInt(GrantKind.Formal), false]);
      });

      it("can be revoked by the subject, after which it supports no request", async function () {
        const w = await load();
        const terms = await w.consentTerms();
        const cid = w.consentIdOf(terms);
        await path.give(w, terms);
        await expect(w.ledger.connect(w.ana).revokeConsent(cid)).to.emit(w.ledger, "ConsentRevoked").withArgs(cid, w.ana.address);
        expect((await w.ledger.consentOf(cid)).revoked).to.equal(true);
        await expect(w.ledger.connect(w.insurer).requestAccess(w.requestParams(), terms))
          .to.be.revertedWithCustomError(w.ledger, "ConsentsRevoked")
          .withArgs(cid);
      });

      it("can be revoked by the subject while the ledger is paused", async function () {
        const w = await load();
        const terms = await w.consentTerms();
        const cid = w.consentIdOf(terms);
        await path.give(w, terms);
        await w.ledger.connect(w.admin).pause();
        await expect(w.ledger.connect(w.ana).revokeConsent(cid)).to.emit(w.ledger, "ConsentRevoked").withArgs(cid, w.ana.address);
      });
    });
  }

  describe("by transaction only", function () {
    it("reverts when the sender is not the subject", async function () {
      const w = await load();
      const terms = await w.consentTerms();
      await expect(w.ledger.connect(w.insurer).giveConsent(terms))
        .to.be.revertedWithCustomError(w.ledger, "ConsentsNotSubject")
        .withArgs(w.consentIdOf(terms), w.insurer.address);
    });
  });

  describe("by signature only", function () {
    it("anyone may relay it, and pays the gas", async function () {
      const w = await load();
      const terms = await w.consentTerms();
      await expect(w.ledger.connect(w.mallory).giveConsentBySig(terms, await w.signConsent(terms)))
        .to.emit(w.ledger, "ConsentGiven")
        .withArgs(
          w.consentIdOf(terms),
          w.ana.address,
          w.insurer.address,
          w.datasetId,
          Category.Deposit,
          Purpose.underwriting,
          GrantKind.Formal,
          terms.expiresAt,
          terms.receiptHash,
          w.mallory.address,
        );
    });

    it("reverts when signed by someone other than the subject", async function () {
      const w = await load();
      const terms = await w.consentTerms();
      await expect(w.ledger.connect(w.insurer).giveConsentBySig(terms, await w.signConsent(terms, w.mallory)))
        .to.be.revertedWithCustomError(w.ledger, "ConsentsInvalidSignature")
        .withArgs(w.ana.address);
    });

    it("reverts when the relayer changed the signed terms", async function () {
      const w = await load();
      const terms = await w.consentTerms();
      const signature = await w.signConsent(terms);
      const tampered = { ...terms, expiresAt: terms.expiresAt + BigInt(365 * DAY) };
      await expect(w.ledger.connect(w.insurer).giveConsentBySig(tampered, signature))
        .to.be.revertedWithCustomError(w.ledger, "ConsentsInvalidSignature")
        .withArgs(w.ana.address);
    });

    it("reverts when signed for another chain id", async function () {
      const w = await load();
      const terms = await w.consentTerms();
      const signature = await w.signConsent(terms, w.ana, { ...w.domain, chainId: 1n });
      await expect(w.ledger.connect(w.insurer).giveConsentBySig(terms, signature))
        .to.be.revertedWithCustomError(w.ledger, "ConsentsInvalidSignature")
        .withArgs(w.ana.address);
    });

    it("reverts when signed for another deployment, where it is valid", async function () {
      const w = await load();
      const other = await w.ethers.deployContract("Sealshare", [w.admin.address, [], ZeroAddress]);
      const otherDomain = { ...w.domain, verifyingContract: await other.getAddress() };
      // A category consent: the other deployment holds no dataset 1 for a dataset consent to name.
      const terms = await w.consentTerms({ datasetId: 0n });
      const signature = await w.signConsent(terms, w.ana, otherDomain);
      await expect(w.ledger.connect(w.insurer).giveConsentBySig(terms, signature))
        .to.be.revertedWithCustomError(w.ledger, "ConsentsInvalidSignature")
        .withArgs(w.ana.address);
      await expect(other.connect(w.insurer).giveConsentBySig(terms, signature))
        .to.emit(other, "ConsentGiven")
        .withArgs(
          w.consentIdOf(terms, otherDomain),
          w.ana.address,
          w.insurer.address,
          0n,
          Category.Deposit,
          Purpose.underwriting,
          GrantKind.Formal,
          terms.expiresAt,
          terms.receiptHash,
          w.insurer.address,
        );
    });

    it("reverts when the signature is malformed", async function () {
      const w = await load();
      const terms = await w.consentTerms();
      for (const signature of ["0x", hexlify(randomBytes(65)), hexlify(randomBytes(64))]) {
        await expect(w.ledger.connect(w.insurer).giveConsentBySig(terms, signature))
          .to.be.revertedWithCustomError(w.ledger, "ConsentsInvalidSignature")
          .withArgs(w.ana.address);
      }
    });

    it("reverts when the subject is the zero address", async function () {
      const w = await load();
      const terms = await w.consentTerms({ subject: ZeroAddress });
      await expect(w.ledger.connect(w.insurer).giveConsentBySig(terms, await w.signConsent(terms)))
        .to.be.revertedWithCustomError(w.ledger, "ConsentsInvalidSignature")
        .withArgs(ZeroAddress);
    });
  });

  describe("with the request (requestAccessWithConsent) only", function () {
    it("reverts when signed by someone other than the subject", async function () {
      const w = await load();
      const terms = await w.consentTerms();
      const signature = await w.signConsent(terms, w.insurer);
      await expect(w.ledger.connect(w.insurer).requestAccessWithConsent(w.requestParams(), terms, signature))
        .to.be.revertedWithCustomError(w.ledger, "ConsentsInvalidSignature")
        .withArgs(w.ana.address);
    });

    it("reverts when the consent is already recorded: its holder uses requestAccess instead", async function () {
      const w = await load();
      const { terms, consentId } = await w.consent();
      await expect(w.ledger.connect(w.insurer).requestAccessWithConsent(w.requestParams(), terms, await w.signConsent(terms)))
        .to.be.revertedWithCustomError(w.ledger, "ConsentsAlreadyRecorded")
        .withArgs(consentId);
      await expect(w.ledger.connect(w.insurer).requestAccess(w.requestParams(), terms))
        .to.emit(w.ledger, "AccessRequested")
        .withArgs(1, w.datasetId, w.insurer.address, consentId, 1, Purpose.underwriting, GrantKind.Formal, 7 * DAY, w.keys.insurer.keyId);
    });

    it("is all or nothing: when the request is refused the consent is not recorded either", async function () {
      const w = await load();
      const terms = await w.consentTerms();
      const cid = w.consentIdOf(terms);
      const signature = await w.signConsent(terms);
      const unknownDevice = id("insurer/unknown-device");
      await expect(w.ledger.connect(w.insurer).requestAccessWithConsent(w.requestParams({ deviceId: unknownDevice }), terms, signature))
        .to.be.revertedWithCustomError(w.ledger, "KeysUnknownDevice")
        .withArgs(w.insurer.address, unknownDevice);
      expect(await w.ledger.consentOf(cid)).to.deep.equal([ZeroAddress, 0n, 0n, false]);
      // The same signature still works once the request is right.
      await expect(w.ledger.connect(w.insurer).requestAccessWithConsent(w.requestParams(), terms, signature))
        .to.emit(w.ledger, "ConsentGiven")
        .withArgs(...w.consentGivenArgs(terms, w.insurer));
    });
  });

  describe("a smart-account subject (ERC-1271)", function () {
    /** Ana's smart account (owned by her EOA) and a dataset Bank holds about that account. */
    async function smartAccount(w: World) {
      const wallet = await w.ethers.deployContract("MockERC1271Wallet", [w.ana.address]);
      const subject = await wallet.getAddress();
      await w.ledger.connect(w.bank).registerDataset(subject, Category.Insurance, POLICY, ZeroHash, await w.version("smart account"));
      const datasetId = 3n;
      const terms = await w.consentTerms({ subject, datasetId, category: Category.Insurance });
      return { wallet, subject, datasetId, terms, cid: w.consentIdOf(terms) };
    }

    it("records a consent signed by the account's owner (giveConsentBySig)", async function () {
      const w = await load();
      const { subject, terms, cid } = await smartAccount(w);
      await expect(w.ledger.connect(w.insurer).giveConsentBySig(terms, await w.signConsent(terms, w.ana)))
        .to.emit(w.ledger, "ConsentGiven")
        .withArgs(...w.consentGivenArgs(terms, w.insurer));
      expect(await w.ledger.consentOf(cid)).to.deep.equal([subject, terms.expiresAt, BigInt(GrantKind.Formal), false]);
    });

    it("shares with the consent relayed with the request (requestAccessWithConsent), up to a valid grant", async function () {
      const w = await load();
      const { datasetId, terms, cid } = await smartAccount(w);
      const params = w.requestParams({ datasetId });
      await expect(w.ledger.connect(w.insurer).requestAccessWithConsent(params, terms, await w.signConsent(terms, w.ana)))
        .to.emit(w.ledger, "AccessRequested")
        .withArgs(1, datasetId, w.insurer.address, cid, 1, Purpose.underwriting, GrantKind.Formal, 7 * DAY, w.keys.insurer.keyId);
      await w.ledger.connect(w.bank).approveAsProvider(1);
      await w.ledger.connect(w.sup1).approveAsSupervisor(1);
      expect((await w.expectValid(1n)).kind).to.equal(BigInt(GrantKind.Formal));
    });

    it("reverts when the signature is not the owner's", async function () {
      const w = await load();
      const { subject, datasetId, terms } = await smartAccount(w);
      const forged = await w.signConsent(terms, w.mallory);
      await expect(w.ledger.connect(w.insurer).giveConsentBySig(terms, forged))
        .to.be.revertedWithCustomError(w.ledger, "ConsentsInvalidSignature")
        .withArgs(subject);
      await expect(w.ledger.connect(w.insurer).requestAccessWithConsent(w.requestParams({ datasetId }), terms, forged))
        .to.be.revertedWithCustomError(w.ledger, "ConsentsInvalidSignature")
        .withArgs(subject);
    });

    it("reverts when the signature is malformed (the account's check reverts)", async function () {
      const w = await load();
      const { subject, terms } = await smartAccount(w);
      await expect(w.ledger.connect(w.insurer).giveConsentBySig(terms, hexlify(randomBytes(64))))
        .to.be.revertedWithCustomError(w.ledger, "ConsentsInvalidSignature")
        .withArgs(subject);
    });

    it("revokes by the owner's signature (revokeConsentBySig), and the grant turns invalid", async function () {
      const w = await load();
      const { subject, datasetId, terms, cid } = await smartAccount(w);
      await w.ledger.connect(w.insurer).requestAccessWithConsent(w.requestParams({ datasetId }), terms, await w.signConsent(terms, w.ana));
      await w.ledger.connect(w.bank).approveAsProvider(1);
      const deadline = BigInt(await w.time.latest()) + BigInt(HOUR);
      await expect(w.ledger.connect(w.insurer).revokeConsentBySig(cid, deadline, await w.signRevoke(cid, deadline, w.mallory)))
        .to.be.revertedWithCustomError(w.ledger, "ConsentsInvalidSignature")
        .withArgs(subject);
      await expect(w.ledger.connect(w.insurer).revokeConsentBySig(cid, deadline, await w.signRevoke(cid, deadline, w.ana)))
        .to.emit(w.ledger, "ConsentRevoked")
        .withArgs(cid, subject);
      await w.expectInvalid(1n, "ConsentRevoked");
    });
  });

  describe("revocation", function () {
    async function recorded(w: World) {
      const { terms, consentId } = await w.consent();
      return { terms, consentId };
    }

    it("revoking a recorded consent emits ConsentRevoked, not ConsentSignatureCancelled", async function () {
      const w = await load();
      const { terms, consentId } = await recorded(w);
      await expect(w.ledger.connect(w.ana).revokeConsent(consentId))
        .to.emit(w.ledger, "ConsentRevoked")
        .withArgs(consentId, w.ana.address)
        .and.not.to.emit(w.ledger, "ConsentSignatureCancelled");
      expect(await w.ledger.consentOf(consentId)).to.deep.equal([w.ana.address, terms.expiresAt, BigInt(GrantKind.Formal), true]);
    });

    it("cancelling an id nobody recorded yet emits ConsentSignatureCancelled, also while paused, and records nothing", async function () {
      const w = await load();
      const terms = await w.consentTerms();
      const cid = w.consentIdOf(terms);
      await w.ledger.connect(w.admin).pause();
      await expect(w.ledger.connect(w.ana).revokeConsent(cid))
        .to.emit(w.ledger, "ConsentSignatureCancelled")
        .withArgs(cid, w.ana.address)
        .and.not.to.emit(w.ledger, "ConsentRevoked");
      expect(await w.ledger.consentOf(cid)).to.deep.equal([ZeroAddress, 0n, 0n, false]);
      await w.ledger.connect(w.admin).unpause();
      await expect(w.ledger.connect(w.insurer).giveConsentBySig(terms, await w.signConsent(terms)))
        .to.be.revertedWithCustomError(w.ledger, "ConsentsCancelled")
        .withArgs(cid);
    });

    it("reverts when the consent is revoked twice", async function () {
      const w = await load();
      const { consentId } = await recorded(w);
      await w.ledger.connect(w.ana).revokeConsent(consentId);
      await expect(w.ledger.connect(w.ana).revokeConsent(consentId))
        .to.be.revertedWithCustomError(w.ledger, "ConsentsRevoked")
        .withArgs(consentId);
    });

    it("reverts when someone other than the subject revokes a recorded consent", async function () {
      const w = await load();
      const { consentId } = await recorded(w);
      await expect(w.ledger.connect(w.insurer).revokeConsent(consentId))
        .to.be.revertedWithCustomError(w.ledger, "ConsentsNotSubject")
        .withArgs(consentId, w.insurer.address);
    });

    describe("by EIP-712 signature (revokeConsentBySig)", function () {
      it("revokes when relayed by anyone", async function () {
        const w = await load();
        const { consentId } = await recorded(w);
        const deadline = BigInt(await w.time.latest()) + BigInt(HOUR);
        const signature = await w.signRevoke(consentId, deadline);
        await expect(w.ledger.connect(w.mallory).revokeConsentBySig(consentId, deadline, signature))
          .to.emit(w.ledger, "ConsentRevoked")
          .withArgs(consentId, w.ana.address);
        expect((await w.ledger.consentOf(consentId)).revoked).to.equal(true);
      });

      it("revokes while the ledger is paused", async function () {
        const w = await load();
        const { consentId } = await recorded(w);
        const deadline = BigInt(await w.time.latest()) + BigInt(HOUR);
        const signature = await w.signRevoke(consentId, deadline);
        await w.ledger.connect(w.admin).pause();
        await expect(w.ledger.connect(w.insurer).revokeConsentBySig(consentId, deadline, signature))
          .to.emit(w.ledger, "ConsentRevoked")
          .withArgs(consentId, w.ana.address);
      });

      it("reverts when replayed", async function () {
        const w = await load();
        const { consentId } = await recorded(w);
        const deadline = BigInt(await w.time.latest()) + BigInt(HOUR);
        const signature = await w.signRevoke(consentId, deadline);
        await w.ledger.connect(w.insurer).revokeConsentBySig(consentId, deadline, signature);
        await expect(w.ledger.connect(w.insurer).revokeConsentBySig(consentId, deadline, signature))
          .to.be.revertedWithCustomError(w.ledger, "ConsentsRevoked")
          .withArgs(consentId);
      });

      it("reverts after its deadline", async function () {
        const w = await load();
        const { consentId } = await recorded(w);
        const deadline = BigInt(await w.time.latest()) + BigInt(HOUR);
        const signature = await w.signRevoke(consentId, deadline);
        await w.time.increaseTo(deadline + 1n);
        await expect(w.ledger.connect(w.insurer).revokeConsentBySig(consentId, deadline, signature))
          .to.be.revertedWithCustomError(w.ledger, "ConsentsSignatureExpired")
          .withArgs(deadline);
      });

      it("reverts when signed by someone other than the subject", async function () {
        const w = await load();
        const { consentId } = await recorded(w);
        const deadline = BigInt(await w.time.latest()) + BigInt(HOUR);
        const signature = await w.signRevoke(consentId, deadline, w.insurer);
        await expect(w.ledger.connect(w.insurer).revokeConsentBySig(consentId, deadline, signature))
          .to.be.revertedWithCustomError(w.ledger, "ConsentsInvalidSignature")
          .withArgs(w.ana.address);
      });

      it("reverts when signed for another chain id", async function () {
        const w = await load();
        const { consentId } = await recorded(w);
        const deadline = BigInt(await w.time.latest()) + BigInt(HOUR);
        const signature = await w.signRevoke(consentId, deadline, w.ana, { ...w.domain, chainId: 1n });
        await expect(w.ledger.connect(w.insurer).revokeConsentBySig(consentId, deadline, signature))
          .to.be.revertedWithCustomError(w.ledger, "ConsentsInvalidSignature")
          .withArgs(w.ana.address);
      });

      it("reverts when the relayer extends the deadline", async function () {
        const w = await load();
        const { consentId } = await recorded(w);
        const deadline = BigInt(await w.time.latest()) + BigInt(HOUR);
        const signature = await w.signRevoke(consentId, deadline);
        await expect(w.ledger.connect(w.insurer).revokeConsentBySig(consentId, deadline + 1n, signature))
          .to.be.revertedWithCustomError(w.ledger, "ConsentsInvalidSignature")
          .withArgs(w.ana.address);
      });

      it("reverts when the consent was never recorded", async function () {
        const w = await load();
        const terms = await w.consentTerms();
        const consentId = w.consentIdOf(terms);
        const deadline = BigInt(await w.time.latest()) + BigInt(HOUR);
        const signature = await w.signRevoke(consentId, deadline);
        await expect(w.ledger.connect(w.insurer).revokeConsentBySig(consentId, deadline, signature))
          .to.be.revertedWithCustomError(w.ledger, "ConsentsUnknown")
          .withArgs(consentId);
      });
    });
  });
});

/** keccak256 of an EIP-712 type string, as the contract's *_TYPEHASH constants. */
function hashType(types: typeof CONSENT_TYPES, primary: string): string {
  return id(TypedDataEncoder.from(types).encodeType(primary));
}
