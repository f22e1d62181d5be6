import { expect } from "chai";
import { network } from "hardhat";
import { ZeroAddress, ZeroHash, id } from "ethers";
import { RequestStatus } from "../../sdk/vocabulary.js";
import {
  CONSENT_PATHS,
  Category,
  DAY,
  DEVICE,
  GrantKind,
  HOUR,
  MINUTE,
  NO_VERSION,
  POLICY,
  Purpose,
  SUPERVISOR_ROLE,
  ADMIN_ROLE,
  TemporaryRule,
  deploySealshare,
  minimum,
  minimumTuple,
  policyTuple,
  type ConsentTerms,
  type RequestParams,
  type World,
} from "./fixture.js";

const { networkHelpers } = await network.create();
const load = () => networkHelpers.loadFixture(deploySealshare);

/** Ana consents (by tx) and Insurer requests: a pending request. */
async function pending(w: World, consent: Partial<ConsentTerms> = {}, req: Partial<RequestParams> = {}) {
  const { terms, consentId } = await w.consent(consent);
  const requestId = await w.request(terms, req);
  return { terms, consentId, requestId };
}

describe("Access requests, approvals and grants", function () {
  for (const path of CONSENT_PATHS) {
    describe(`the story, with Ana's consent given ${path.name}`, function () {
      it("Insurer requests; Bank's approval grants a temporary grant capped by maxTemporary; a supervisor's makes it formal; the custodian records the release", async function () {
        const w = await load();
        const { ledger, ana, bank, insurer, sup1, custodian, datasetId, keys, v1 } = w;
        const terms = await w.consentTerms();
        const consentId = w.consentIdOf(terms);

        // "Latest" (version 0) is resolved when asked: the request names version 1.
        await expect(path.request(w, terms, w.requestParams()))
          .to.emit(ledger, "AccessRequested")
          .withArgs(1, datasetId, insurer.address, consentId, 1, Purpose.underwriting, GrantKind.Formal, 7 * DAY, keys.insurer.keyId)
          .and.not.to.emit(ledger, "AccessGranted");
        await w.expectConsentGiven(terms, path.relayer(w));
        expect(await ledger.requestOf(1)).to.deep.equal([
          insurer.address,
          datasetId,
          1n,
          consentId,
          BigInt(RequestStatus.Pending),
          BigInt(GrantKind.Formal),
          false,
          0n,
          0n,
        ]);
        await w.expectInvalid(1n, "NotGranted");

        let t = await w.nextBlockAt();
        const approveProvider = ledger.connect(bank).approveAsProvider(1);
        await expect(approveProvider).to.emit(ledger, "AccessApproved").withArgs(1, bank.address, false, 0);
        await expect(approveProvider)
          .to.emit(ledger, "AccessGranted")
          .withArgs(1, datasetId, insurer.address, GrantKind.Temporary, t + HOUR, 1, keys.insurer.keyId);
        const temporary = await w.expectValid(1n);
        expect(temporary.kind).to.equal(BigInt(GrantKind.Temporary));
        expect(temporary.expiresAt).to.equal(BigInt(t + HOUR));

        t = await w.nextBlockAt(5 * MINUTE);
        const approveSupervisor = ledger.connect(sup1).approveAsSupervisor(1);
        await expect(approveSupervisor).to.emit(ledger, "AccessApproved").withArgs(1, sup1.address, true, 1);
        await expect(approveSupervisor)
          .to.emit(ledger, "AccessGranted")
          .withArgs(1, datasetId, insurer.address, GrantKind.Formal, t + 7 * DAY, 1, keys.insurer.keyId);

        const g = await w.expectValid(1n);
        expect({
          valid: g.valid,
          reason: g.reason,
          kind: g.kind,
          expiresAt: g.expiresAt,
          datasetId: g.datasetId,
          version: g.version,
          requester: g.requester,
          keyId: g.keyId,
          publicKey: g.publicKey,
          keyCommitment: g.keyCommitment,
        }).to.deep.equal({
          valid: true,
          reason: 0n,
          kind: BigInt(GrantKind.Formal),
          expiresAt: BigInt(t + 7 * DAY),
          datasetId,
          version: 1n,
          requester: insurer.address,
          keyId: keys.insurer.keyId,
          publicKey: keys.insurer.hex,
          keyCommitment: v1.keyCommitment,
        });
        expect(await ledger.requestOf(1)).to.deep.equal([
          insurer.address,
          datasetId,
          1n,
          consentId,
          BigInt(RequestStatus.Formal),
          BigInt(GrantKind.Formal),
          true,
          1n,
          BigInt(t + 7 * DAY),
        ]);

        const envelopeHash = id("envelope for request 1");
        await expect(ledger.connect(custodian).recordRelease(1, GrantKind.Formal, envelopeHash))
          .to.emit(ledger, "KeyReleased")
          .withArgs(1, datasetId, insurer.address, GrantKind.Formal, envelopeHash);

        await expect(ledger.connect(insurer).recordUsage(1, 1, id("converted to CSV")))
          .to.emit(ledger, "UsageRecorded")
          .withArgs(1, insurer.address, 1, id("converted to CSV"));
        expect(await ledger.consentOf(consentId)).to.deep.equal([ana.address, terms.expiresAt, BigInt(GrantKind.Formal), false]);
      });
    });
  }

  describe("expiresAt = min(now + duration, consent expiry, now + policy maximum for the kind)", function () {
    it("is capped by the consent's expiry (consent for 2 days, request for 7)", async function () {
      const w = await load();
      const now = BigInt(await w.time.latest());
      const { requestId, terms } = await pending(w, { expiresAt: now + BigInt(2 * DAY) });
      const t = await w.nextBlockAt();
      await expect(w.ledger.connect(w.bank).approveAsProvider(requestId))
        .to.emit(w.ledger, "AccessGranted")
        .withArgs(requestId, w.datasetId, w.insurer.address, GrantKind.Temporary, t + HOUR, 1, w.keys.insurer.keyId);
      await expect(w.ledger.connect(w.sup1).approveAsSupervisor(requestId))
        .to.emit(w.ledger, "AccessGranted")
        .withArgs(requestId, w.datasetId, w.insurer.address, GrantKind.Formal, terms.expiresAt, 1, w.keys.insurer.keyId);
      expect((await w.expectValid(requestId)).expiresAt).to.equal(terms.expiresAt);
    });

    it("caps a temporary grant by the consent's expiry too", async function () {
      const w = await load();
      const now = BigInt(await w.time.latest());
      const { requestId, terms } = await pending(w, { expiresAt: now + BigInt(10 * MINUTE) });
      await expect(w.ledger.connect(w.bank).approveAsProvider(requestId))
        .to.emit(w.ledger, "AccessGranted")
        .withArgs(requestId, w.datasetId, w.insurer.address, GrantKind.Temporary, terms.expiresAt, 1, w.keys.insurer.keyId);
    });

    it("is capped by the policy's maxFormal", async function () {
      const w = await load();
      await w.ledger.connect(w.bank).setPolicy(w.datasetId, { ...POLICY, maxFormal: 3 * DAY });
      const { requestId } = await pending(w);
      await w.ledger.connect(w.bank).approveAsProvider(requestId);
      const t = await w.nextBlockAt();
      await expect(w.ledger.connect(w.sup1).approveAsSupervisor(requestId))
        .to.emit(w.ledger, "AccessGranted")
        .withArgs(requestId, w.datasetId, w.insurer.address, GrantKind.Formal, t + 3 * DAY, 1, w.keys.insurer.keyId);
    });

    it("is the wanted duration when that is the shortest", async function () {
      const w = await load();
      const { requestId } = await pending(w, {}, { duration: 20 * MINUTE });
      let t = await w.nextBlockAt();
      await expect(w.ledger.connect(w.bank).approveAsProvider(requestId))
        .to.emit(w.ledger, "AccessGranted")
        .withArgs(requestId, w.datasetId, w.insurer.address, GrantKind.Temporary, t + 20 * MINUTE, 1, w.keys.insurer.keyId);
      t = await w.nextBlockAt();
      await expect(w.ledger.connect(w.sup1).approveAsSupervisor(requestId))
        .to.emit(w.ledger, "AccessGranted")
        .withArgs(requestId, w.datasetId, w.insurer.address, GrantKind.Formal, t + 20 * MINUTE, 1, w.keys.insurer.keyId);
    });
  });

  describe("grant kinds and policies", function () {
    it("issues no temporary grant when the policy disables them (maxTemporary 0)", async function () {
      const w = await load();
      await w.ledger.connect(w.bank).setPolicy(w.datasetId, { ...POLICY, maxTemporary: 0 });
      const { requestId } = await pending(w);
      await expect(w.ledger.connect(w.bank).approveAsProvider(requestId))
        .to.emit(w.ledger, "AccessApproved")
        .withArgs(requestId, w.bank.address, false, 0)
        .and.not.to.emit(w.ledger, "AccessGranted");
      expect((await w.ledger.requestOf(requestId)).status).to.equal(BigInt(RequestStatus.Pending));
      await w.expectInvalid(requestId, "NotGranted");
      const grantedAt = await w.nextBlockAt();
      await expect(w.ledger.connect(w.sup1).approveAsSupervisor(requestId))
        .to.emit(w.ledger, "AccessGranted")
        .withArgs(requestId, w.datasetId, w.insurer.address, GrantKind.Formal, grantedAt + 7 * DAY, 1, w.keys.insurer.keyId);
    });

    it("a supervisor's approval does not upgrade a request that asked only for a temporary grant", async function () {
      const w = await load();
      const { requestId } = await pending(w, {}, { kind: GrantKind.Temporary });
      await w.ledger.connect(w.bank).approveAsProvider(requestId);
      await expect(w.ledger.connect(w.sup1).approveAsSupervisor(requestId))
        .to.emit(w.ledger, "AccessApproved")
        .withArgs(requestId, w.sup1.address, true, 1)
        .and.not.to.emit(w.ledger, "AccessGranted");
      expect((await w.expectValid(requestId)).kind).to.equal(BigInt(GrantKind.Temporary));
    });

    it("reverts when the consent allows only temporary grants and Formal is asked", async function () {
      const w = await load();
      const { terms, consentId } = await w.consent({ maxKind: GrantKind.Temporary });
      await expect(w.ledger.connect(w.insurer).requestAccess(w.requestParams(), terms))
        .to.be.revertedWithCustomError(w.ledger, "AccessConsentMismatch")
        .withArgs(consentId, "kind");
      await expect(w.ledger.connect(w.insurer).requestAccess(w.requestParams({ kind: GrantKind.Temporary }), terms))
        .to.emit(w.ledger, "AccessRequested")
        .withArgs(1, w.datasetId, w.insurer.address, consentId, 1, Purpose.underwriting, GrantKind.Temporary, 7 * DAY, w.keys.insurer.keyId);
    });

    it("a formal grant follows a temporary one that has already expired", async function () {
      const w = await load();
      const { requestId } = await pending(w);
      await w.ledger.connect(w.bank).approveAsProvider(requestId);
      await w.time.increase(2 * HOUR);
      await w.expectInvalid(requestId, "Expired");
      await w.ledger.connect(w.sup1).approveAsSupervisor(requestId);
      expect((await w.expectValid(requestId)).kind).to.equal(BigInt(GrantKind.Formal));
    });

    it("grants the version the request named, or the latest when it was asked", async function () {
      const w = await load();
      const v2 = await w.version("deposits v2", w.datasetId);
      await w.ledger.connect(w.bank).publishVersion(w.datasetId, v2);
      const { terms } = await w.consent({ requester: ZeroAddress });
      const pinned = await w.request(terms, { version: 1 });
      const latest = await w.request(terms, { version: 0 });
      for (const r of [pinned, latest]) {
        await w.ledger.connect(w.bank).approveAsProvider(r);
        await w.ledger.connect(w.sup1).approveAsSupervisor(r);
      }
      const g1 = await w.expectValid(pinned);
      expect([g1.version, g1.keyCommitment]).to.deep.equal([1n, w.v1.keyCommitment]);
      const g2 = await w.expectValid(latest);
      expect([g2.version, g2.keyCommitment]).to.deep.equal([2n, v2.keyCommitment]);
    });

    it("resolves \"latest\" at request time: a version published after the request is not the one granted", async function () {
      const w = await load();
      const { requestId, consentId } = await pending(w, {}, { version: 0 });
      expect((await w.ledger.requestOf(requestId)).version).to.equal(1n);
      const v2 = await w.version("deposits v2", w.datasetId);
      await w.ledger.connect(w.bank).publishVersion(w.datasetId, v2);
      // A request filed now for "latest" names version 2.
      const { terms } = await w.consent({ requester: ZeroAddress });
      await expect(w.ledger.connect(w.lender).requestAccess(w.requestParams({ deviceId: DEVICE.lender }), terms))
        .to.emit(w.ledger, "AccessRequested")
        .withArgs(2, w.datasetId, w.lender.address, w.consentIdOf(terms), 2, Purpose.underwriting, GrantKind.Formal, 7 * DAY, w.keys.lender.keyId);
      // The first request is granted what its approvers saw: version 1.
      await w.ledger.connect(w.bank).approveAsProvider(requestId);
      const t = await w.nextBlockAt();
      await expect(w.ledger.connect(w.sup1).approveAsSupervisor(requestId))
        .to.emit(w.ledger, "AccessGranted")
        .withArgs(requestId, w.datasetId, w.insurer.address, GrantKind.Formal, t + 7 * DAY, 1, w.keys.insurer.keyId);
      const g = await w.expectValid(requestId);
      expect([g.version, g.keyCommitment]).to.deep.equal([1n, w.v1.keyCommitment]);
      expect((await w.ledger.requestOf(requestId)).consentId).to.equal(consentId);
    });

    it("keeps the version of the temporary grant when it becomes formal after a new version", async function () {
      const w = await load();
      const { requestId } = await pending(w);
      await w.ledger.connect(w.bank).approveAsProvider(requestId);
      await w.ledger.connect(w.bank).publishVersion(w.datasetId, await w.version("v2", w.datasetId));
      const grantedAt = await w.nextBlockAt();
      await expect(w.ledger.connect(w.sup1).approveAsSupervisor(requestId))
        .to.emit(w.ledger, "AccessGranted")
        .withArgs(requestId, w.datasetId, w.insurer.address, GrantKind.Formal, grantedAt + 7 * DAY, 1, w.keys.insurer.keyId);
    });
  });

  describe("isGrantValid turns false", function () {
    it("when the grant expires (Expired)", async function () {
      const w = await load();
      const { requestId } = await w.share();
      const { expiresAt } = await w.expectValid(requestId);
      await w.time.increaseTo(expiresAt - 1n);
      await w.expectValid(requestId);
      await w.time.increaseTo(expiresAt);
      await w.expectInvalid(requestId, "Expired");
    });

    it("when Ana revokes the consent (ConsentRevoked)", async function () {
      const w = await load();
      const { requestId, consentId } = await w.share();
      await w.ledger.connect(w.ana).revokeConsent(consentId);
      await w.expectInvalid(requestId, "ConsentRevoked");
    });

    it("when Ana revokes the consent by a relayed signature (ConsentRevoked)", async function () {
      const w = await load();
      const { requestId, consentId } = await w.share();
      const deadline = BigInt(await w.time.latest()) + BigInt(HOUR);
      await w.ledger.connect(w.insurer).revokeConsentBySig(consentId, deadline, await w.signRevoke(consentId, deadline));
      await w.expectInvalid(requestId, "ConsentRevoked");
    });

    it("when the requester is suspended, and stays false after reinstatement (RequesterSuspended)", async function () {
      const w = await load();
      const { requestId } = await w.share();
      await w.ledger.connect(w.sup1).suspendMember(w.insurer.address, 3);
      await w.expectInvalid(requestId, "RequesterSuspended");
      await w.ledger.connect(w.sup2).reinstateMember(w.insurer.address);
      await w.expectInvalid(requestId, "RequesterSuspended");
    });

    it("when the provider revokes the grant (Revoked)", async function () {
      const w = await load();
      const { requestId } = await w.share();
      await expect(w.ledger.connect(w.bank).revokeGrant(requestId, 11))
        .to.emit(w.ledger, "GrantRevoked")
        .withArgs(requestId, w.bank.address, 11);
      await w.expectInvalid(requestId, "Revoked");
      expect((await w.ledger.requestOf(requestId)).status).to.equal(BigInt(RequestStatus.Revoked));
    });

    it("keeps the kind of the last grant in the view after revocation (Revoked)", async function () {
      const w = await load();
      const { requestId } = await w.share();
      await w.ledger.connect(w.sup1).revokeGrant(requestId, 5);
      const formal = await w.expectInvalid(requestId, "Revoked");
      expect([formal.kind, formal.version, formal.requester]).to.deep.equal([BigInt(GrantKind.Formal), 1n, w.insurer.address]);

      const { requestId: temporary } = await pending(w);
      await w.ledger.connect(w.bank).approveAsProvider(temporary);
      await w.ledger.connect(w.bank).revokeGrant(temporary, 5);
      expect((await w.expectInvalid(temporary, "Revoked")).kind).to.equal(BigInt(GrantKind.Temporary));

      const { requestId: rejected } = await pending(w);
      await w.ledger.connect(w.bank).rejectRequest(rejected, 5);
      expect((await w.expectInvalid(rejected, "NotGranted")).kind).to.equal(BigInt(GrantKind.None));
    });

    it("when a supervisor revokes the grant (Revoked)", async function () {
      const w = await load();
      const { requestId } = await w.share();
      await expect(w.ledger.connect(w.sup2).revokeGrant(requestId, 12))
        .to.emit(w.ledger, "GrantRevoked")
        .withArgs(requestId, w.sup2.address, 12);
      await w.expectInvalid(requestId, "Revoked");
    });

    it("when a temporary grant is revoked before it becomes formal (Revoked), and it cannot be upgraded after", async function () {
      const w = await load();
      const { requestId } = await pending(w);
      await w.ledger.connect(w.bank).approveAsProvider(requestId);
      await w.ledger.connect(w.sup2).revokeGrant(requestId, 1);
      await w.expectInvalid(requestId, "Revoked");
      await expect(w.ledger.connect(w.sup1).approveAsSupervisor(requestId))
        .to.be.revertedWithCustomError(w.ledger, "AccessWrongStatus")
        .withArgs(requestId, RequestStatus.Revoked);
    });

    it("when Insurer rotates the device key the request named (DeviceKeyChanged)", async function () {
      const w = await load();
      const { requestId } = await w.share();
      await w.publishKey(w.insurer, DEVICE.insurer);
      const g = await w.expectInvalid(requestId, "DeviceKeyChanged");
      expect(g.keyId).to.equal(w.keys.insurer.keyId);
    });

    it("when Insurer revokes the device key the request named (DeviceKeyChanged)", async function () {
      const w = await load();
      const { requestId } = await w.share();
      await w.ledger.connect(w.insurer).revokeEncryptionKey(DEVICE.insurer);
      await w.expectInvalid(requestId, "DeviceKeyChanged");
    });

    it("not when Insurer publishes a key for another device", async function () {
      const w = await load();
      const { requestId } = await w.share();
      await w.publishKey(w.insurer, id("insurer/phone"));
      expect((await w.expectValid(requestId)).publicKey).to.equal(w.keys.insurer.hex);
    });

    it("when Bank retires the dataset (DatasetRetired)", async function () {
      const w = await load();
      const { requestId } = await w.share();
      await w.ledger.connect(w.bank).retireDataset(w.datasetId);
      await w.expectInvalid(requestId, "DatasetRetired");
    });

    it("while the ledger is paused (Paused), and is valid again after unpause", async function () {
      const w = await load();
      const { requestId } = await w.share();
      await w.ledger.connect(w.admin).pause();
      await w.expectInvalid(requestId, "Paused");
      await w.ledger.connect(w.admin).unpause();
      await w.expectValid(requestId);
    });

    it("for a request that does not exist, is pending or was rejected (NotGranted)", async function () {
      const w = await load();
      await w.expectInvalid(99n, "NotGranted");
      const { requestId } = await pending(w);
      await w.expectInvalid(requestId, "NotGranted");
      await w.ledger.connect(w.bank).rejectRequest(requestId, 1);
      await w.expectInvalid(requestId, "NotGranted");
    });

    it("when the consent runs out, reported as such even though the grant it capped ran out too (ConsentExpired)", async function () {
      const w = await load();
      const now = BigInt(await w.time.latest());
      const { requestId, terms } = await pending(w, { expiresAt: now + BigInt(2 * DAY) });
      await w.ledger.connect(w.bank).approveAsProvider(requestId);
      await w.ledger.connect(w.sup1).approveAsSupervisor(requestId);
      expect((await w.expectValid(requestId)).expiresAt).to.equal(terms.expiresAt);
      await w.time.increaseTo(terms.expiresAt - 1n);
      await w.expectValid(requestId);
      await w.time.increaseTo(terms.expiresAt);
      // The grant can never outlive its consent; the more specific reason wins.
      await w.expectInvalid(requestId, "ConsentExpired");
    });

    it("reports the first reason in the order Paused, Revoked, NotGranted, ConsentRevoked, ConsentExpired, Expired, RequesterSuspended, DatasetRetired, DeviceKeyChanged", async function () {
      const w = await load();
      // A grant that will have every problem at once, and a pending request beside it.
      const { requestId, consentId } = await w.share({}, { duration: HOUR });
      const { requestId: pendingId } = await pending(w);
      await w.ledger.connect(w.insurer).revokeEncryptionKey(DEVICE.insurer);
      await w.expectInvalid(requestId, "DeviceKeyChanged");
      await w.ledger.connect(w.bank).retireDataset(w.datasetId);
      await w.expectInvalid(requestId, "DatasetRetired");
      await w.ledger.connect(w.sup1).suspendMember(w.insurer.address, 1);
      await w.expectInvalid(requestId, "RequesterSuspended");
      await w.time.increase(HOUR);
      await w.expectInvalid(requestId, "Expired");
      // (ConsentExpired before Expired: see the test above, a consent cannot run out alone.)
      await w.ledger.connect(w.ana).revokeConsent(consentId);
      await w.expectInvalid(requestId, "ConsentRevoked");
      await w.expectInvalid(pendingId, "NotGranted");
      await w.ledger.connect(w.sup2).revokeGrant(requestId, 1);
      await w.expectInvalid(requestId, "Revoked");
      await w.ledger.connect(w.admin).pause();
      await w.expectInvalid(requestId, "Paused");
      await w.expectInvalid(pendingId, "Paused");
    });

    it("reports Expired, not ConsentExpired, when only the grant ran out", async function () {
      const w = await load();
      const { requestId, consentId } = await w.share({}, { duration: HOUR });
      const { expiresAt } = await w.expectValid(requestId);
      await w.time.increaseTo(expiresAt);
      await w.expectInvalid(requestId, "Expired");
      expect((await w.ledger.consentOf(consentId)).expiresAt).to.be.greaterThan(expiresAt);
    });
  });

  describe("refusals at request time that only a recorded consent can meet (requestAccess)", function () {
    it("reverts when Lender requests without any consent (ConsentsUnknown)", async function () {
      const w = await load();
      const terms = await w.consentTerms({ requester: w.lender.address });
      await expect(w.ledger.connect(w.lender).requestAccess(w.requestParams({ deviceId: DEVICE.lender }), terms))
        .to.be.revertedWithCustomError(w.ledger, "ConsentsUnknown")
        .withArgs(w.consentIdOf(terms));
    });

    it("reverts when the consent has expired (ConsentsExpired)", async function () {
      const w = await load();
      const now = BigInt(await w.time.latest());
      const { terms, consentId } = await w.consent({ expiresAt: now + BigInt(DAY) });
      await w.time.increaseTo(terms.expiresAt);
      await expect(w.ledger.connect(w.insurer).requestAccess(w.requestParams(), terms))
        .to.be.revertedWithCustomError(w.ledger, "ConsentsExpired")
        .withArgs(consentId, terms.expiresAt);
    });

    it("reverts when the consent was revoked (ConsentsRevoked)", async function () {
      const w = await load();
      const { terms, consentId } = await w.consent();
      await w.ledger.connect(w.ana).revokeConsent(consentId);
      await expect(w.ledger.connect(w.insurer).requestAccess(w.requestParams(), terms))
        .to.be.revertedWithCustomError(w.ledger, "ConsentsRevoked")
        .withArgs(consentId);
    });

    it("reverts when the consent's terms were altered after recording (ConsentsUnknown for the altered id)", async function () {
      const w = await load();
      const { terms } = await w.consent({ maxKind: GrantKind.Temporary });
      const widened = { ...terms, maxKind: GrantKind.Formal };
      await expect(w.ledger.connect(w.insurer).requestAccess(w.requestParams(), widened))
        .to.be.revertedWithCustomError(w.ledger, "ConsentsUnknown")
        .withArgs(w.consentIdOf(widened));
    });
  });

  // The shared behaviour suite of the request step, over the three consent paths.
  for (const path of CONSENT_PATHS) {
    describe(`refusals at request time, with the consent given ${path.name}`, function () {
      it("reverts when Lender uses Ana's consent for Insurer (requester)", async function () {
        const w = await load();
        const terms = await w.consentTerms();
        await expect(path.request(w, terms, w.requestParams({ deviceId: DEVICE.lender }), w.lender))
          .to.be.revertedWithCustomError(w.ledger, "AccessConsentMismatch")
          .withArgs(w.consentIdOf(terms), "requester");
      });

      it("lets any member use a consent that names no requester", async function () {
        const w = await load();
        const terms = await w.consentTerms({ requester: ZeroAddress });
        await expect(path.request(w, terms, w.requestParams({ deviceId: DEVICE.lender }), w.lender))
          .to.emit(w.ledger, "AccessRequested")
          .withArgs(1, w.datasetId, w.lender.address, w.consentIdOf(terms), 1, Purpose.underwriting, GrantKind.Formal, 7 * DAY, w.keys.lender.keyId);
        await w.expectConsentGiven(terms, path.relayer(w, w.lender));
      });

      it("reverts when the consent is for another dataset (dataset)", async function () {
        const w = await load();
        const terms = await w.consentTerms({ datasetId: w.fundsDatasetId, category: Category.Fund });
        await expect(path.request(w, terms, w.requestParams()))
          .to.be.revertedWithCustomError(w.ledger, "AccessConsentMismatch")
          .withArgs(w.consentIdOf(terms), "dataset");
      });

      it("reverts when the consent is for another purpose (purpose)", async function () {
        const w = await load();
        const terms = await w.consentTerms({ purpose: Purpose.research });
        await expect(path.request(w, terms, w.requestParams()))
          .to.be.revertedWithCustomError(w.ledger, "AccessConsentMismatch")
          .withArgs(w.consentIdOf(terms), "purpose");
      });

      it("reverts when the consent covers a category Ana did not consent to (category)", async function () {
        const w = await load();
        const terms = await w.consentTerms({ datasetId: 0n, category: Category.Fund });
        await expect(path.request(w, terms, w.requestParams()))
          .to.be.revertedWithCustomError(w.ledger, "AccessConsentMismatch")
          .withArgs(w.consentIdOf(terms), "category");
      });

      it("accepts a whole-category consent for a dataset of that category", async function () {
        const w = await load();
        const terms = await w.consentTerms({ datasetId: 0n, category: Category.Fund });
        await expect(path.request(w, terms, w.requestParams({ datasetId: w.fundsDatasetId })))
          .to.emit(w.ledger, "AccessRequested")
          .withArgs(1, w.fundsDatasetId, w.insurer.address, w.consentIdOf(terms), 1, Purpose.underwriting, GrantKind.Formal, 7 * DAY, w.keys.insurer.keyId);
      });

      it("reverts when the consent allows only temporary grants and Formal is asked (kind)", async function () {
        const w = await load();
        const terms = await w.consentTerms({ maxKind: GrantKind.Temporary });
        await expect(path.request(w, terms, w.requestParams()))
          .to.be.revertedWithCustomError(w.ledger, "AccessConsentMismatch")
          .withArgs(w.consentIdOf(terms), "kind");
      });

      it("reverts when the consent was given by someone who is not the dataset's subject (subject)", async function () {
        const w = await load();
        const terms = await w.consentTerms({ subject: w.mallory.address, datasetId: 0n });
        await expect(path.request(w, terms, w.requestParams()))
          .to.be.revertedWithCustomError(w.ledger, "AccessConsentMismatch")
          .withArgs(w.consentIdOf(terms), "subject");
      });

      it("reverts when the requester is suspended (MembersNotActive)", async function () {
        const w = await load();
        await w.ledger.connect(w.sup1).suspendMember(w.insurer.address, 1);
        await expect(path.request(w, await w.consentTerms(), w.requestParams()))
          .to.be.revertedWithCustomError(w.ledger, "MembersNotActive")
          .withArgs(w.insurer.address);
      });

      it("reverts when the requester is not a member (MembersNotActive)", async function () {
        const w = await load();
        const terms = await w.consentTerms({ requester: ZeroAddress });
        await expect(path.request(w, terms, w.requestParams(), w.mallory))
          .to.be.revertedWithCustomError(w.ledger, "MembersNotActive")
          .withArgs(w.mallory.address);
      });

      it("reverts when the requester has no key for the device (KeysUnknownDevice)", async function () {
        const w = await load();
        const device = id("insurer/unknown-device");
        await expect(path.request(w, await w.consentTerms(), w.requestParams({ deviceId: device })))
          .to.be.revertedWithCustomError(w.ledger, "KeysUnknownDevice")
          .withArgs(w.insurer.address, device);
      });

      for (const [what, patch, error, args] of [
        ["no grant kind", { kind: GrantKind.None }, "AccessInvalidKind", [GrantKind.None]],
        ["an unknown grant kind", { kind: 3 }, "AccessInvalidKind", [3]],
        ["a zero duration", { duration: 0 }, "AccessZeroDuration", []],
      ] as const) {
        it(`reverts when the request asks for ${what} (${error})`, async function () {
          const w = await load();
          await expect(path.request(w, await w.consentTerms(), w.requestParams(patch)))
            .to.be.revertedWithCustomError(w.ledger, error)
            .withArgs(...args);
        });
      }

      it("reverts when the request names a version that does not exist (DatasetsUnknownVersion)", async function () {
        const w = await load();
        await expect(path.request(w, await w.consentTerms(), w.requestParams({ version: 5 })))
          .to.be.revertedWithCustomError(w.ledger, "DatasetsUnknownVersion")
          .withArgs(w.datasetId, 5);
      });

      it("reverts when the dataset does not exist (DatasetsUnknown)", async function () {
        const w = await load();
        // A category consent: a consent naming dataset 99 could not be recorded (no such subject).
        const terms = await w.consentTerms({ datasetId: 0n });
        await expect(path.request(w, terms, w.requestParams({ datasetId: 99 })))
          .to.be.revertedWithCustomError(w.ledger, "DatasetsUnknown")
          .withArgs(99);
      });

      it("reverts when the dataset is retired (DatasetsRetired)", async function () {
        const w = await load();
        await w.ledger.connect(w.bank).retireDataset(w.datasetId);
        await expect(path.request(w, await w.consentTerms(), w.requestParams()))
          .to.be.revertedWithCustomError(w.ledger, "DatasetsRetired")
          .withArgs(w.datasetId);
      });

      it("reverts while the ledger is paused (SealsharePaused)", async function () {
        const w = await load();
        await w.ledger.connect(w.admin).pause();
        await expect(path.request(w, await w.consentTerms(), w.requestParams()))
          .to.be.revertedWithCustomError(w.ledger, "SealsharePaused")
          .withArgs();
      });

      it("grants at request time when the policy needs no approval at all", async function () {
        const w = await load();
        await w.ledger.connect(w.bank).setPolicy(w.datasetId, { requireProvider: false, supervisorQuorum: 0, maxTemporary: 0, maxFormal: DAY });
        const tx = await path.request(w, await w.consentTerms(), w.requestParams());
        const t = (await w.ethers.provider.getBlock((await tx.wait())!.blockNumber))!.timestamp;
        await expect(tx)
          .to.emit(w.ledger, "AccessGranted")
          .withArgs(1, w.datasetId, w.insurer.address, GrantKind.Formal, t + DAY, 1, w.keys.insurer.keyId);
        await w.expectValid(1n);
      });

      it("files a pending request whose grant then follows the same approvals", async function () {
        const w = await load();
        await path.request(w, await w.consentTerms(), w.requestParams());
        await w.expectInvalid(1n, "NotGranted");
        await w.ledger.connect(w.bank).approveAsProvider(1);
        expect((await w.expectValid(1n)).kind).to.equal(BigInt(GrantKind.Temporary));
        await w.ledger.connect(w.sup2).approveAsSupervisor(1);
        expect((await w.expectValid(1n)).kind).to.equal(BigInt(GrantKind.Formal));
      });
    });
  }

  describe("refusals at approval time", function () {
    it("reverts when a non-supervisor approves as supervisor (AccessControlUnauthorizedAccount)", async function () {
      const w = await load();
      const { requestId } = await pending(w);
      for (const who of [w.bank, w.insurer, w.admin, w.custodian]) {
        await expect(w.ledger.connect(who).approveAsSupervisor(requestId))
          .to.be.revertedWithCustomError(w.ledger, "AccessControlUnauthorizedAccount")
          .withArgs(who.address, SUPERVISOR_ROLE);
      }
    });

    it("reverts when a supervisor whose role was revoked approves", async function () {
      const w = await load();
      const { requestId } = await pending(w);
      await w.ledger.connect(w.admin).revokeRole(SUPERVISOR_ROLE, w.sup1.address);
      await expect(w.ledger.connect(w.sup1).approveAsSupervisor(requestId))
        .to.be.revertedWithCustomError(w.ledger, "AccessControlUnauthorizedAccount")
        .withArgs(w.sup1.address, SUPERVISOR_ROLE);
    });

    it("reverts when someone other than the provider approves as provider", async function () {
      const w = await load();
      const { requestId } = await pending(w);
      await expect(w.ledger.connect(w.sup1).approveAsProvider(requestId))
        .to.be.revertedWithCustomError(w.ledger, "DatasetsNotProvider")
        .withArgs(w.datasetId, w.sup1.address);
    });

    it("reverts when the consent expired between request and an approval that would grant (ConsentsExpired)", async function () {
      const w = await load();
      const now = BigInt(await w.time.latest());
      const { requestId, consentId, terms } = await pending(w, { expiresAt: now + BigInt(DAY) });
      await w.time.increaseTo(terms.expiresAt);
      await expect(w.ledger.connect(w.bank).approveAsProvider(requestId))
        .to.be.revertedWithCustomError(w.ledger, "ConsentsExpired")
        .withArgs(consentId, terms.expiresAt);
    });

    it("reverts when the consent expired before the last approval (ConsentsExpired)", async function () {
      const w = await load();
      const now = BigInt(await w.time.latest());
      const { requestId, consentId, terms } = await pending(w, { expiresAt: now + BigInt(DAY) });
      await w.ledger.connect(w.bank).approveAsProvider(requestId);
      await w.time.increaseTo(terms.expiresAt + 1n);
      await expect(w.ledger.connect(w.sup1).approveAsSupervisor(requestId))
        .to.be.revertedWithCustomError(w.ledger, "ConsentsExpired")
        .withArgs(consentId, terms.expiresAt);
    });

    it("reverts when Ana revoked between request and an approval that would grant (ConsentsRevoked)", async function () {
      const w = await load();
      const { requestId, consentId } = await pending(w);
      await w.ledger.connect(w.ana).revokeConsent(consentId);
      await expect(w.ledger.connect(w.bank).approveAsProvider(requestId))
        .to.be.revertedWithCustomError(w.ledger, "ConsentsRevoked")
        .withArgs(consentId);
    });

    it("reverts when Ana revoked between the two approvals (ConsentsRevoked)", async function () {
      const w = await load();
      const { requestId, consentId } = await pending(w);
      await w.ledger.connect(w.bank).approveAsProvider(requestId);
      await w.ledger.connect(w.ana).revokeConsent(consentId);
      await w.expectInvalid(requestId, "ConsentRevoked");
      await expect(w.ledger.connect(w.sup1).approveAsSupervisor(requestId))
        .to.be.revertedWithCustomError(w.ledger, "ConsentsRevoked")
        .withArgs(consentId);
    });

    describe("no approval of a dead request (spec item 6): every approval checks the consent", function () {
      /** No temporary stage: the provider's approval grants nothing, the supervisor's grants Formal. */
      async function pendingWithoutTemporary(w: World, consent: Partial<ConsentTerms> = {}) {
        await w.ledger.connect(w.bank).setPolicy(w.datasetId, { ...POLICY, maxTemporary: 0 });
        return pending(w, consent);
      }

      it("reverts an approval that would grant nothing, and advanceRequest, when the consent expired (ConsentsExpired)", async function () {
        const w = await load();
        const now = BigInt(await w.time.latest());
        const { requestId, consentId, terms } = await pendingWithoutTemporary(w, { expiresAt: now + BigInt(DAY) });
        await w.time.increaseTo(terms.expiresAt);
        await expect(w.ledger.connect(w.bank).approveAsProvider(requestId))
          .to.be.revertedWithCustomError(w.ledger, "ConsentsExpired")
          .withArgs(consentId, terms.expiresAt);
        await expect(w.ledger.connect(w.sup1).approveAsSupervisor(requestId))
          .to.be.revertedWithCustomError(w.ledger, "ConsentsExpired")
          .withArgs(consentId, terms.expiresAt);
        await expect(w.ledger.connect(w.mallory).advanceRequest(requestId))
          .to.be.revertedWithCustomError(w.ledger, "ConsentsExpired")
          .withArgs(consentId, terms.expiresAt);
        expect((await w.ledger.requestOf(requestId)).slice(6, 8)).to.deep.equal([false, 0n]);
        await w.expectInvalid(requestId, "NotGranted");
      });

      it("reverts an approval that would grant nothing, and advanceRequest, when Ana revoked (ConsentsRevoked)", async function () {
        const w = await load();
        const { requestId, consentId } = await pendingWithoutTemporary(w);
        await w.ledger.connect(w.ana).revokeConsent(consentId);
        await expect(w.ledger.connect(w.sup1).approveAsSupervisor(requestId))
          .to.be.revertedWithCustomError(w.ledger, "ConsentsRevoked")
          .withArgs(consentId);
        await expect(w.ledger.connect(w.bank).approveAsProvider(requestId))
          .to.be.revertedWithCustomError(w.ledger, "ConsentsRevoked")
          .withArgs(consentId);
        await expect(w.ledger.connect(w.mallory).advanceRequest(requestId))
          .to.be.revertedWithCustomError(w.ledger, "ConsentsRevoked")
          .withArgs(consentId);
        expect((await w.ledger.requestOf(requestId)).slice(6, 8)).to.deep.equal([false, 0n]);
      });

      it("the requester was suspended: an approval that grants nothing is recorded, the granting one reverts (MembersNotActive)", async function () {
        const w = await load();
        const { requestId } = await pendingWithoutTemporary(w);
        await w.ledger.connect(w.sup2).suspendMember(w.insurer.address, 4);
        await expect(w.ledger.connect(w.bank).approveAsProvider(requestId))
          .to.emit(w.ledger, "AccessApproved")
          .withArgs(requestId, w.bank.address, false, 0)
          .and.not.to.emit(w.ledger, "AccessGranted");
        await expect(w.ledger.connect(w.sup1).approveAsSupervisor(requestId))
          .to.be.revertedWithCustomError(w.ledger, "MembersNotActive")
          .withArgs(w.insurer.address);
      });

      it("a temporary grant stays, and its upgrade reverts, when the consent expired meanwhile", async function () {
        const w = await load();
        const now = BigInt(await w.time.latest());
        const { requestId, consentId, terms } = await pending(w, { expiresAt: now + BigInt(DAY) });
        await w.ledger.connect(w.bank).approveAsProvider(requestId);
        await w.time.increaseTo(terms.expiresAt);
        await expect(w.ledger.connect(w.sup1).approveAsSupervisor(requestId))
          .to.be.revertedWithCustomError(w.ledger, "ConsentsExpired")
          .withArgs(consentId, terms.expiresAt);
        expect((await w.ledger.requestOf(requestId)).status).to.equal(BigInt(RequestStatus.Temporary));
        await w.expectInvalid(requestId, "ConsentExpired");
      });
    });

    it("reverts when the same supervisor approves twice: it counts once (AccessAlreadyApproved)", async function () {
      const w = await load();
      await w.ledger.connect(w.bank).setPolicy(w.datasetId, { ...POLICY, supervisorQuorum: 2 });
      const { requestId } = await pending(w);
      await w.ledger.connect(w.bank).approveAsProvider(requestId);
      await expect(w.ledger.connect(w.sup1).approveAsSupervisor(requestId))
        .to.emit(w.ledger, "AccessApproved")
        .withArgs(requestId, w.sup1.address, true, 1)
        .and.not.to.emit(w.ledger, "AccessGranted");
      await expect(w.ledger.connect(w.sup1).approveAsSupervisor(requestId))
        .to.be.revertedWithCustomError(w.ledger, "AccessAlreadyApproved")
        .withArgs(requestId, w.sup1.address);
      expect((await w.ledger.requestOf(requestId)).supervisorApprovals).to.equal(1n);
      expect((await w.expectValid(requestId)).kind).to.equal(BigInt(GrantKind.Temporary));
    });

    it("two distinct supervisors make a quorum of 2", async function () {
      const w = await load();
      await w.ledger.connect(w.bank).setPolicy(w.datasetId, { ...POLICY, supervisorQuorum: 2 });
      const { requestId } = await pending(w);
      await w.ledger.connect(w.bank).approveAsProvider(requestId);
      await w.ledger.connect(w.sup1).approveAsSupervisor(requestId);
      const t = await w.nextBlockAt();
      const tx = w.ledger.connect(w.sup2).approveAsSupervisor(requestId);
      await expect(tx).to.emit(w.ledger, "AccessApproved").withArgs(requestId, w.sup2.address, true, 2);
      await expect(tx)
        .to.emit(w.ledger, "AccessGranted")
        .withArgs(requestId, w.datasetId, w.insurer.address, GrantKind.Formal, t + 7 * DAY, 1, w.keys.insurer.keyId);
    });

    it("supervisor approvals before the provider's wait for it, then grant formal at once", async function () {
      const w = await load();
      const { requestId } = await pending(w);
      await expect(w.ledger.connect(w.sup1).approveAsSupervisor(requestId))
        .to.emit(w.ledger, "AccessApproved")
        .withArgs(requestId, w.sup1.address, true, 1)
        .and.not.to.emit(w.ledger, "AccessGranted");
      const grantedAt = await w.nextBlockAt();
      await expect(w.ledger.connect(w.bank).approveAsProvider(requestId))
        .to.emit(w.ledger, "AccessGranted")
        .withArgs(requestId, w.datasetId, w.insurer.address, GrantKind.Formal, grantedAt + 7 * DAY, 1, w.keys.insurer.keyId);
    });

    it("reverts when the provider approves twice (AccessAlreadyApproved)", async function () {
      const w = await load();
      const { requestId } = await pending(w);
      await w.ledger.connect(w.bank).approveAsProvider(requestId);
      await expect(w.ledger.connect(w.bank).approveAsProvider(requestId))
        .to.be.revertedWithCustomError(w.ledger, "AccessAlreadyApproved")
        .withArgs(requestId, w.bank.address);
    });

    it("reverts when a formal grant is approved again (AccessWrongStatus)", async function () {
      const w = await load();
      const { requestId } = await w.share();
      await expect(w.ledger.connect(w.sup2).approveAsSupervisor(requestId))
        .to.be.revertedWithCustomError(w.ledger, "AccessWrongStatus")
        .withArgs(requestId, RequestStatus.Formal);
      await expect(w.ledger.connect(w.bank).approveAsProvider(requestId))
        .to.be.revertedWithCustomError(w.ledger, "AccessWrongStatus")
        .withArgs(requestId, RequestStatus.Formal);
    });

    it("reverts when the request does not exist (AccessUnknownRequest)", async function () {
      const w = await load();
      await expect(w.ledger.connect(w.bank).approveAsProvider(99))
        .to.be.revertedWithCustomError(w.ledger, "AccessUnknownRequest")
        .withArgs(99);
      await expect(w.ledger.connect(w.sup1).approveAsSupervisor(99))
        .to.be.revertedWithCustomError(w.ledger, "AccessUnknownRequest")
        .withArgs(99);
      await expect(w.ledger.requestOf(99)).to.be.revertedWithCustomError(w.ledger, "AccessUnknownRequest").withArgs(99);
    });

    it("reverts when the provider is suspended (MembersNotActive)", async function () {
      const w = await load();
      const { requestId } = await pending(w);
      await w.ledger.connect(w.sup1).suspendMember(w.bank.address, 2);
      await expect(w.ledger.connect(w.bank).approveAsProvider(requestId))
        .to.be.revertedWithCustomError(w.ledger, "MembersNotActive")
        .withArgs(w.bank.address);
    });

    it("reverts when the requester was suspended after requesting (MembersNotActive)", async function () {
      const w = await load();
      const { requestId } = await pending(w);
      await w.ledger.connect(w.sup1).suspendMember(w.insurer.address, 2);
      await expect(w.ledger.connect(w.bank).approveAsProvider(requestId))
        .to.be.revertedWithCustomError(w.ledger, "MembersNotActive")
        .withArgs(w.insurer.address);
      // Reinstatement does not revive a request from before the suspension.
      await w.ledger.connect(w.sup1).reinstateMember(w.insurer.address);
      await expect(w.ledger.connect(w.bank).approveAsProvider(requestId))
        .to.be.revertedWithCustomError(w.ledger, "MembersNotActive")
        .withArgs(w.insurer.address);
    });

    it("reverts when the dataset was retired after the request (DatasetsRetired)", async function () {
      const w = await load();
      const { requestId } = await pending(w);
      await w.ledger.connect(w.bank).retireDataset(w.datasetId);
      await expect(w.ledger.connect(w.bank).approveAsProvider(requestId))
        .to.be.revertedWithCustomError(w.ledger, "DatasetsRetired")
        .withArgs(w.datasetId);
      await expect(w.ledger.connect(w.sup1).approveAsSupervisor(requestId))
        .to.be.revertedWithCustomError(w.ledger, "DatasetsRetired")
        .withArgs(w.datasetId);
    });
  });

  describe("stewardship transfer", function () {
    it("reverts when Bank approves after transferring stewardship, and the new provider approves", async function () {
      const w = await load();
      const { requestId } = await pending(w);
      await w.ledger.connect(w.sup1).registerMember(w.fundHouse.address, id("kyc-ref/fundhouse"), "");
      await w.ledger.connect(w.bank).transferDataset(w.datasetId, w.fundHouse.address);
      await expect(w.ledger.connect(w.bank).approveAsProvider(requestId))
        .to.be.revertedWithCustomError(w.ledger, "DatasetsNotProvider")
        .withArgs(w.datasetId, w.bank.address);
      const t = await w.nextBlockAt();
      const tx = w.ledger.connect(w.fundHouse).approveAsProvider(requestId);
      await expect(tx).to.emit(w.ledger, "AccessApproved").withArgs(requestId, w.fundHouse.address, false, 0);
      await expect(tx)
        .to.emit(w.ledger, "AccessGranted")
        .withArgs(requestId, w.datasetId, w.insurer.address, GrantKind.Temporary, t + HOUR, 1, w.keys.insurer.keyId);
    });

    it("Bank can no longer reject or revoke after the transfer (AccessNotApprover)", async function () {
      const w = await load();
      const { requestId } = await pending(w);
      const { requestId: granted } = await pending(w);
      await w.ledger.connect(w.bank).approveAsProvider(granted);
      await w.ledger.connect(w.bank).transferDataset(w.datasetId, w.lender.address);
      await expect(w.ledger.connect(w.bank).rejectRequest(requestId, 1))
        .to.be.revertedWithCustomError(w.ledger, "AccessNotApprover")
        .withArgs(requestId, w.bank.address);
      await expect(w.ledger.connect(w.bank).revokeGrant(granted, 1))
        .to.be.revertedWithCustomError(w.ledger, "AccessNotApprover")
        .withArgs(granted, w.bank.address);
    });
  });

  describe("quorum and category minimums", function () {
    it("a supervisor whose role is revoked stops counting at once, including an approval it already gave", async function () {
      const w = await load();
      const { requestId } = await pending(w);
      await expect(w.ledger.connect(w.sup1).approveAsSupervisor(requestId))
        .to.emit(w.ledger, "AccessApproved")
        .withArgs(requestId, w.sup1.address, true, 1)
        .and.not.to.emit(w.ledger, "AccessGranted"); // waits for the provider
      await w.ledger.connect(w.admin).revokeRole(SUPERVISOR_ROLE, w.sup1.address);
      expect((await w.ledger.requestOf(requestId)).supervisorApprovals).to.equal(0n);
      // The provider's approval would have made it formal; without sup1 it is only temporary.
      const t = await w.nextBlockAt();
      const tx = w.ledger.connect(w.bank).approveAsProvider(requestId);
      await expect(tx).to.emit(w.ledger, "AccessApproved").withArgs(requestId, w.bank.address, false, 0);
      await expect(tx)
        .to.emit(w.ledger, "AccessGranted")
        .withArgs(requestId, w.datasetId, w.insurer.address, GrantKind.Temporary, t + HOUR, 1, w.keys.insurer.keyId);
      // A current supervisor completes the quorum on its own.
      const t2 = await w.nextBlockAt();
      const upgrade = w.ledger.connect(w.sup2).approveAsSupervisor(requestId);
      await expect(upgrade).to.emit(w.ledger, "AccessApproved").withArgs(requestId, w.sup2.address, true, 1);
      await expect(upgrade)
        .to.emit(w.ledger, "AccessGranted")
        .withArgs(requestId, w.datasetId, w.insurer.address, GrantKind.Formal, t2 + 7 * DAY, 1, w.keys.insurer.keyId);
    });

    it("a supervisor that renounces its role stops counting too", async function () {
      const w = await load();
      await w.ledger.connect(w.bank).setPolicy(w.datasetId, { ...POLICY, supervisorQuorum: 2 });
      const { requestId } = await pending(w);
      await w.ledger.connect(w.bank).approveAsProvider(requestId);
      await w.ledger.connect(w.sup1).approveAsSupervisor(requestId);
      await w.ledger.connect(w.sup1).renounceRole(SUPERVISOR_ROLE, w.sup1.address);
      await expect(w.ledger.connect(w.sup2).approveAsSupervisor(requestId))
        .to.emit(w.ledger, "AccessApproved")
        .withArgs(requestId, w.sup2.address, true, 1)
        .and.not.to.emit(w.ledger, "AccessGranted");
      expect((await w.expectValid(requestId)).kind).to.equal(BigInt(GrantKind.Temporary));
    });

    it("a supervisor whose role is granted back counts again under the same bit, with its earlier approval", async function () {
      const w = await load();
      await w.ledger.connect(w.bank).setPolicy(w.datasetId, { ...POLICY, supervisorQuorum: 2 });
      const { requestId } = await pending(w);
      await w.ledger.connect(w.bank).approveAsProvider(requestId);
      await w.ledger.connect(w.sup1).approveAsSupervisor(requestId);
      await w.ledger.connect(w.admin).revokeRole(SUPERVISOR_ROLE, w.sup1.address);
      expect((await w.ledger.requestOf(requestId)).supervisorApprovals).to.equal(0n);
      await w.ledger.connect(w.admin).grantRole(SUPERVISOR_ROLE, w.sup1.address);
      expect((await w.ledger.requestOf(requestId)).supervisorApprovals).to.equal(1n);
      // Same bit: its approval is already in, so it cannot approve twice.
      await expect(w.ledger.connect(w.sup1).approveAsSupervisor(requestId))
        .to.be.revertedWithCustomError(w.ledger, "AccessAlreadyApproved")
        .withArgs(requestId, w.sup1.address);
      const t = await w.nextBlockAt();
      const tx = w.ledger.connect(w.sup2).approveAsSupervisor(requestId);
      await expect(tx).to.emit(w.ledger, "AccessApproved").withArgs(requestId, w.sup2.address, true, 2);
      await expect(tx)
        .to.emit(w.ledger, "AccessGranted")
        .withArgs(requestId, w.datasetId, w.insurer.address, GrantKind.Formal, t + 7 * DAY, 1, w.keys.insurer.keyId);
    });

    it("a supervisor re-granted after the others approved: anyone advances the request, which no approver could", async function () {
      const w = await load();
      await w.ledger.connect(w.bank).setPolicy(w.datasetId, { ...POLICY, supervisorQuorum: 2 });
      const { requestId } = await pending(w);
      await w.ledger.connect(w.bank).approveAsProvider(requestId); // temporary
      await w.ledger.connect(w.sup1).approveAsSupervisor(requestId);
      await w.ledger.connect(w.admin).revokeRole(SUPERVISOR_ROLE, w.sup1.address);
      await expect(w.ledger.connect(w.sup2).approveAsSupervisor(requestId))
        .to.emit(w.ledger, "AccessApproved")
        .withArgs(requestId, w.sup2.address, true, 1)
        .and.not.to.emit(w.ledger, "AccessGranted");
      await expect(w.ledger.connect(w.mallory).advanceRequest(requestId))
        .to.be.revertedWithCustomError(w.ledger, "AccessNothingToAdvance")
        .withArgs(requestId);
      // sup1's approval counts again, but every current supervisor has approved already.
      await w.ledger.connect(w.admin).grantRole(SUPERVISOR_ROLE, w.sup1.address);
      expect((await w.ledger.requestOf(requestId)).supervisorApprovals).to.equal(2n);
      for (const sup of [w.sup1, w.sup2]) {
        await expect(w.ledger.connect(sup).approveAsSupervisor(requestId)).to.be.revertedWithCustomError(w.ledger, "AccessAlreadyApproved");
      }
      const t = await w.nextBlockAt();
      await expect(w.ledger.connect(w.mallory).advanceRequest(requestId))
        .to.emit(w.ledger, "AccessGranted")
        .withArgs(requestId, w.datasetId, w.insurer.address, GrantKind.Formal, t + 7 * DAY, 1, w.keys.insurer.keyId);
      expect((await w.expectValid(requestId)).kind).to.equal(BigInt(GrantKind.Formal));
      // Formal is final: nothing more to advance.
      await expect(w.ledger.connect(w.mallory).advanceRequest(requestId))
        .to.be.revertedWithCustomError(w.ledger, "AccessWrongStatus")
        .withArgs(requestId, RequestStatus.Formal);
    });

    it("advanceRequest refuses an unknown request and one on a retired dataset, and applies every grant check", async function () {
      const w = await load();
      await expect(w.ledger.advanceRequest(99)).to.be.revertedWithCustomError(w.ledger, "AccessUnknownRequest").withArgs(99);
      const { requestId, consentId } = await pending(w);
      await w.ledger.connect(w.sup1).approveAsSupervisor(requestId); // waits for the provider
      await w.ledger.connect(w.sup1).setCategoryMinimum(Category.Deposit, minimum({ requireProvider: false, supervisorQuorum: 0 }));
      // The provider is no longer required by the category, but the dataset's own policy still asks for it.
      await expect(w.ledger.advanceRequest(requestId)).to.be.revertedWithCustomError(w.ledger, "AccessNothingToAdvance");
      await w.ledger.connect(w.bank).setPolicy(w.datasetId, { ...POLICY, requireProvider: false });
      await w.ledger.connect(w.ana).revokeConsent(consentId);
      await expect(w.ledger.advanceRequest(requestId)).to.be.revertedWithCustomError(w.ledger, "ConsentsRevoked").withArgs(consentId);
      await w.ledger.connect(w.bank).retireDataset(w.datasetId);
      await expect(w.ledger.advanceRequest(requestId)).to.be.revertedWithCustomError(w.ledger, "DatasetsRetired").withArgs(w.datasetId);
    });

    it("a category minimum above 32 supervisors is refused (no policy could meet it)", async function () {
      const w = await load();
      const tooMany = minimum({ requireProvider: false, supervisorQuorum: 33 });
      await expect(w.ledger.connect(w.sup1).setCategoryMinimum(Category.Deposit, tooMany))
        .to.be.revertedWithCustomError(w.ledger, "DatasetsCategoryQuorumTooHigh")
        .withArgs(Category.Deposit, 33, 32);
      await expect(w.ledger.connect(w.sup1).setCategoryMinimum(Category.Deposit, minimum({ requireProvider: false, supervisorQuorum: 32 }))).to.emit(
        w.ledger,
        "CategoryMinimumChanged",
      );
    });

    it("a grant already formal stays formal when an approving supervisor is revoked later", async function () {
      const w = await load();
      const { requestId } = await w.share();
      await w.ledger.connect(w.admin).revokeRole(SUPERVISOR_ROLE, w.sup1.address);
      expect((await w.expectValid(requestId)).kind).to.equal(BigInt(GrantKind.Formal));
      expect((await w.ledger.requestOf(requestId)).supervisorApprovals).to.equal(0n);
    });

    it("a minimum raised after registration applies to the existing dataset's quorum", async function () {
      const w = await load();
      await w.ledger.connect(w.sup1).setCategoryMinimum(Category.Deposit, minimum({ requireProvider: true, supervisorQuorum: 2 }));
      const { requestId } = await pending(w);
      await w.ledger.connect(w.bank).approveAsProvider(requestId);
      await expect(w.ledger.connect(w.sup1).approveAsSupervisor(requestId))
        .to.emit(w.ledger, "AccessApproved")
        .withArgs(requestId, w.sup1.address, true, 1)
        .and.not.to.emit(w.ledger, "AccessGranted");
      const grantedAt = await w.nextBlockAt();
      await expect(w.ledger.connect(w.sup2).approveAsSupervisor(requestId))
        .to.emit(w.ledger, "AccessGranted")
        .withArgs(requestId, w.datasetId, w.insurer.address, GrantKind.Formal, grantedAt + 7 * DAY, 1, w.keys.insurer.keyId);
    });

    it("a minimum requiring the provider applies to a dataset whose policy did not", async function () {
      const w = await load();
      await w.ledger.connect(w.bank).setPolicy(w.datasetId, { requireProvider: false, supervisorQuorum: 1, maxTemporary: 0, maxFormal: DAY });
      await w.ledger.connect(w.sup1).setCategoryMinimum(Category.Deposit, minimum({ requireProvider: true, supervisorQuorum: 0 }));
      const { requestId } = await pending(w);
      await expect(w.ledger.connect(w.sup1).approveAsSupervisor(requestId))
        .to.emit(w.ledger, "AccessApproved")
        .withArgs(requestId, w.sup1.address, true, 1)
        .and.not.to.emit(w.ledger, "AccessGranted");
      const t = await w.nextBlockAt();
      await expect(w.ledger.connect(w.bank).approveAsProvider(requestId))
        .to.emit(w.ledger, "AccessGranted")
        .withArgs(requestId, w.datasetId, w.insurer.address, GrantKind.Formal, t + DAY, 1, w.keys.insurer.keyId);
    });
  });

  describe("the category floor covers temporary grants (spec item 2)", function () {
    it("AfterQuorum (the default): a category with a quorum releases nothing before it, not even a temporary grant", async function () {
      const w = await load();
      // The floor is raised after Ana's deposits were registered: it applies at grant time.
      await w.ledger.connect(w.sup1).setCategoryMinimum(Category.Deposit, minimum({ supervisorQuorum: 1 }));
      const { requestId } = await pending(w);
      await expect(w.ledger.connect(w.bank).approveAsProvider(requestId))
        .to.emit(w.ledger, "AccessApproved")
        .withArgs(requestId, w.bank.address, false, 0)
        .and.not.to.emit(w.ledger, "AccessGranted");
      await w.expectInvalid(requestId, "NotGranted");
      const t = await w.nextBlockAt();
      await expect(w.ledger.connect(w.sup1).approveAsSupervisor(requestId))
        .to.emit(w.ledger, "AccessGranted")
        .withArgs(requestId, w.datasetId, w.insurer.address, GrantKind.Formal, t + 7 * DAY, 1, w.keys.insurer.keyId);
    });

    it("AfterQuorum: a request for a temporary grant only gets it once the category quorum approved", async function () {
      const w = await load();
      await w.ledger.connect(w.sup1).setCategoryMinimum(Category.Deposit, minimum({ supervisorQuorum: 1 }));
      const { requestId } = await pending(w, { maxKind: GrantKind.Temporary }, { kind: GrantKind.Temporary });
      await expect(w.ledger.connect(w.bank).approveAsProvider(requestId)).not.to.emit(w.ledger, "AccessGranted");
      const t = await w.nextBlockAt();
      await expect(w.ledger.connect(w.sup2).approveAsSupervisor(requestId))
        .to.emit(w.ledger, "AccessGranted")
        .withArgs(requestId, w.datasetId, w.insurer.address, GrantKind.Temporary, t + HOUR, 1, w.keys.insurer.keyId);
    });

    it("Early: a temporary grant after temporaryQuorum supervisors, the formal one after the full quorum", async function () {
      const w = await load();
      const floor = minimum({ supervisorQuorum: 2, temporary: TemporaryRule.Early, temporaryQuorum: 1 });
      await expect(w.ledger.connect(w.sup1).setCategoryMinimum(Category.Deposit, floor))
        .to.emit(w.ledger, "CategoryMinimumChanged")
        .withArgs(Category.Deposit, minimumTuple(), minimumTuple(floor));
      const { requestId } = await pending(w);
      await expect(w.ledger.connect(w.bank).approveAsProvider(requestId)).not.to.emit(w.ledger, "AccessGranted");
      let t = await w.nextBlockAt();
      await expect(w.ledger.connect(w.sup1).approveAsSupervisor(requestId))
        .to.emit(w.ledger, "AccessGranted")
        .withArgs(requestId, w.datasetId, w.insurer.address, GrantKind.Temporary, t + HOUR, 1, w.keys.insurer.keyId);
      t = await w.nextBlockAt();
      await expect(w.ledger.connect(w.sup2).approveAsSupervisor(requestId))
        .to.emit(w.ledger, "AccessGranted")
        .withArgs(requestId, w.datasetId, w.insurer.address, GrantKind.Formal, t + 7 * DAY, 1, w.keys.insurer.keyId);
    });

    it("Forbidden: no temporary grant at any stage; the formal one still follows its approvals", async function () {
      const w = await load();
      await w.ledger.connect(w.sup1).setCategoryMinimum(Category.Deposit, minimum({ temporary: TemporaryRule.Forbidden }));
      const { requestId } = await pending(w);
      await expect(w.ledger.connect(w.bank).approveAsProvider(requestId)).not.to.emit(w.ledger, "AccessGranted");
      const { requestId: temporaryOnly } = await pending(w, { maxKind: GrantKind.Temporary }, { kind: GrantKind.Temporary });
      await expect(w.ledger.connect(w.bank).approveAsProvider(temporaryOnly)).not.to.emit(w.ledger, "AccessGranted");
      await expect(w.ledger.connect(w.sup1).approveAsSupervisor(temporaryOnly)).not.to.emit(w.ledger, "AccessGranted");
      await expect(w.ledger.advanceRequest(temporaryOnly))
        .to.be.revertedWithCustomError(w.ledger, "AccessNothingToAdvance")
        .withArgs(temporaryOnly);
      const t = await w.nextBlockAt();
      await expect(w.ledger.connect(w.sup1).approveAsSupervisor(requestId))
        .to.emit(w.ledger, "AccessGranted")
        .withArgs(requestId, w.datasetId, w.insurer.address, GrantKind.Formal, t + 7 * DAY, 1, w.keys.insurer.keyId);
      // And a policy may no longer offer temporary grants in the category.
      await expect(w.ledger.connect(w.bank).setPolicy(w.datasetId, POLICY))
        .to.be.revertedWithCustomError(w.ledger, "DatasetsPolicyBelowMinimum")
        .withArgs(Category.Deposit, policyTuple(POLICY), minimumTuple({ temporary: TemporaryRule.Forbidden }));
    });

    it("caps a temporary grant by the category's maxTemporary set after registration", async function () {
      const w = await load();
      await w.ledger.connect(w.sup1).setCategoryMinimum(Category.Deposit, minimum({ maxTemporary: 10 * MINUTE }));
      const { requestId } = await pending(w);
      const t = await w.nextBlockAt();
      await expect(w.ledger.connect(w.bank).approveAsProvider(requestId))
        .to.emit(w.ledger, "AccessGranted")
        .withArgs(requestId, w.datasetId, w.insurer.address, GrantKind.Temporary, t + 10 * MINUTE, 1, w.keys.insurer.keyId);
    });

    it("a temporary grant still needs the provider when the category requires it", async function () {
      const w = await load();
      await w.ledger.connect(w.bank).setPolicy(w.datasetId, { ...POLICY, requireProvider: false, supervisorQuorum: 2 });
      await w.ledger.connect(w.sup1).setCategoryMinimum(
        Category.Deposit,
        minimum({ requireProvider: true, supervisorQuorum: 2, temporary: TemporaryRule.Early, temporaryQuorum: 1 }),
      );
      const { requestId } = await pending(w);
      await expect(w.ledger.connect(w.sup1).approveAsSupervisor(requestId)).not.to.emit(w.ledger, "AccessGranted");
      const t = await w.nextBlockAt();
      await expect(w.ledger.connect(w.bank).approveAsProvider(requestId))
        .to.emit(w.ledger, "AccessGranted")
        .withArgs(requestId, w.datasetId, w.insurer.address, GrantKind.Temporary, t + HOUR, 1, w.keys.insurer.keyId);
    });
  });

  describe("separation of duties (spec item 7)", function () {
    it("the admin sets a supervisor's affiliation (SupervisorAffiliationSet); nobody else can", async function () {
      const w = await load();
      expect(await w.ledger.supervisorAffiliation(w.sup1.address)).to.equal(ZeroAddress);
      await expect(w.ledger.connect(w.admin).setSupervisorAffiliation(w.sup1.address, w.insurer.address))
        .to.emit(w.ledger, "SupervisorAffiliationSet")
        .withArgs(w.sup1.address, w.insurer.address);
      expect(await w.ledger.supervisorAffiliation(w.sup1.address)).to.equal(w.insurer.address);
      await expect(w.ledger.connect(w.sup1).setSupervisorAffiliation(w.sup1.address, ZeroAddress))
        .to.be.revertedWithCustomError(w.ledger, "AccessControlUnauthorizedAccount")
        .withArgs(w.sup1.address, ADMIN_ROLE);
    });

    it("reverts when a supervisor approves a request it made itself (AccessConflictOfInterest)", async function () {
      const w = await load();
      // sup2 is also a member institution with a device key, and requests under Ana's consent.
      await w.ledger.connect(w.sup1).registerMember(w.sup2.address, id("kyc-ref/sup2"), "");
      await w.publishKey(w.sup2, DEVICE.lender);
      const { terms } = await w.consent({ requester: w.sup2.address });
      const requestId = await w.request(terms, { deviceId: DEVICE.lender }, w.sup2);
      await expect(w.ledger.connect(w.sup2).approveAsSupervisor(requestId))
        .to.be.revertedWithCustomError(w.ledger, "AccessConflictOfInterest")
        .withArgs(requestId, w.sup2.address);
      await expect(w.ledger.connect(w.sup1).approveAsSupervisor(requestId)).to.emit(w.ledger, "AccessApproved");
    });

    it("reverts when a supervisor approves a request for a dataset it provides (AccessConflictOfInterest)", async function () {
      const w = await load();
      await w.ledger.connect(w.sup1).registerMember(w.sup2.address, id("kyc-ref/sup2"), "");
      await w.ledger.connect(w.sup2).registerDataset(w.ana.address, Category.Bond, POLICY, ZeroHash, await w.version("sup2 bonds"));
      const { terms } = await w.consent({ datasetId: 3n, category: Category.Bond });
      const requestId = await w.request(terms, { datasetId: 3 });
      await expect(w.ledger.connect(w.sup2).approveAsSupervisor(requestId))
        .to.be.revertedWithCustomError(w.ledger, "AccessConflictOfInterest")
        .withArgs(requestId, w.sup2.address);
    });

    it("reverts when a supervisor is affiliated with the requester or the provider, not with anyone else", async function () {
      const w = await load();
      const { requestId } = await pending(w);
      for (const institution of [w.insurer, w.bank]) {
        await w.ledger.connect(w.admin).setSupervisorAffiliation(w.sup1.address, institution.address);
        await expect(w.ledger.connect(w.sup1).approveAsSupervisor(requestId))
          .to.be.revertedWithCustomError(w.ledger, "AccessConflictOfInterest")
          .withArgs(requestId, w.sup1.address);
      }
      await w.ledger.connect(w.admin).setSupervisorAffiliation(w.sup1.address, w.lender.address);
      await expect(w.ledger.connect(w.sup1).approveAsSupervisor(requestId))
        .to.emit(w.ledger, "AccessApproved")
        .withArgs(requestId, w.sup1.address, true, 1);
    });
  });

  describe("supervisor rotation beyond 32 (spec item 8)", function () {
    /** Funded signers holding SUPERVISOR_ROLE, so that with sup1 and sup2 every one of the 32 bits is taken. */
    async function fillSupervisors(w: World, n = 30) {
      const wallets = Array.from({ length: n }, () => w.ethers.Wallet.createRandom().connect(w.ethers.provider));
      for (const x of wallets) {
        await w.networkHelpers.setBalance(x.address, 10n ** 18n);
        await w.ledger.connect(w.admin).grantRole(SUPERVISOR_ROLE, x.address);
      }
      return wallets;
    }

    it("a new supervisor on a recycled bit does not inherit the approval its former holder gave", async function () {
      const w = await load();
      await w.ledger.connect(w.bank).setPolicy(w.datasetId, { ...POLICY, supervisorQuorum: 3 });
      const supervisors = await fillSupervisors(w);
      const former = supervisors[29]!; // holds the last bit
      const { requestId } = await pending(w);
      await w.ledger.connect(w.bank).approveAsProvider(requestId); // temporary
      await w.ledger.connect(former).approveAsSupervisor(requestId);
      await w.ledger.connect(w.sup2).approveAsSupervisor(requestId);
      expect((await w.ledger.requestOf(requestId)).supervisorApprovals).to.equal(2n);
      await w.ledger.connect(w.admin).revokeRole(SUPERVISOR_ROLE, former.address);
      // The 33rd supervisor ever takes the only free bit: the former holder's.
      const successor = w.ethers.Wallet.createRandom().connect(w.ethers.provider);
      await w.networkHelpers.setBalance(successor.address, 10n ** 18n);
      await expect(w.ledger.connect(w.admin).grantRole(SUPERVISOR_ROLE, successor.address))
        .to.emit(w.ledger, "RoleGranted")
        .withArgs(SUPERVISOR_ROLE, successor.address, w.admin.address);
      // The approval recorded under that bit is the former holder's: it counts for nobody;
      // sup2's, under a bit nobody recycled, still counts.
      expect((await w.ledger.requestOf(requestId)).supervisorApprovals).to.equal(1n);
      await expect(w.ledger.advanceRequest(requestId)).to.be.revertedWithCustomError(w.ledger, "AccessNothingToAdvance");
      // The successor approves in its own right (not AccessAlreadyApproved) and counts once.
      await expect(w.ledger.connect(successor).approveAsSupervisor(requestId))
        .to.emit(w.ledger, "AccessApproved")
        .withArgs(requestId, successor.address, true, 2)
        .and.not.to.emit(w.ledger, "AccessGranted");
      const t = await w.nextBlockAt();
      await expect(w.ledger.connect(w.sup1).approveAsSupervisor(requestId))
        .to.emit(w.ledger, "AccessGranted")
        .withArgs(requestId, w.datasetId, w.insurer.address, GrantKind.Formal, t + 7 * DAY, 1, w.keys.insurer.keyId);
    });

    it("a former supervisor re-granted after its bit was recycled gets another bit, without any approval of its own bit's new era", async function () {
      const w = await load();
      await w.ledger.connect(w.bank).setPolicy(w.datasetId, { ...POLICY, supervisorQuorum: 3 });
      const supervisors = await fillSupervisors(w);
      const [a, b] = [supervisors[0]!, supervisors[1]!];
      const { requestId } = await pending(w);
      await w.ledger.connect(a).approveAsSupervisor(requestId);
      await w.ledger.connect(b).approveAsSupervisor(requestId);
      // a leaves and a newcomer takes its bit; b leaves and a comes back on b's bit.
      await w.ledger.connect(w.admin).revokeRole(SUPERVISOR_ROLE, a.address);
      const newcomer = w.ethers.Wallet.createRandom().address;
      await w.ledger.connect(w.admin).grantRole(SUPERVISOR_ROLE, newcomer);
      await w.ledger.connect(w.admin).revokeRole(SUPERVISOR_ROLE, b.address);
      await expect(w.ledger.connect(w.admin).grantRole(SUPERVISOR_ROLE, a.address))
        .to.emit(w.ledger, "RoleGranted")
        .withArgs(SUPERVISOR_ROLE, a.address, w.admin.address);
      // Neither a's old approval (now the newcomer's bit) nor b's (now a's bit) counts.
      expect((await w.ledger.requestOf(requestId)).supervisorApprovals).to.equal(0n);
      await expect(w.ledger.connect(a).approveAsSupervisor(requestId))
        .to.emit(w.ledger, "AccessApproved")
        .withArgs(requestId, a.address, true, 1);
      // With every bit held again, one more supervisor is refused.
      await expect(w.ledger.connect(w.admin).grantRole(SUPERVISOR_ROLE, b.address))
        .to.be.revertedWithCustomError(w.ledger, "SealshareTooManySupervisors")
        .withArgs();
    });
  });

  describe("on-demand datasets", function () {
    it("reverts the provider's approval until a version is published (AccessNoVersion), then grants it", async function () {
      const w = await load();
      await w.ledger.connect(w.bank).registerDataset(w.ana.address, Category.Stock, POLICY, id("https://platform.example/ana"), NO_VERSION);
      const ds = 3n;
      const { terms } = await w.consent({ datasetId: ds, category: Category.Stock });
      await expect(w.ledger.connect(w.insurer).requestAccess(w.requestParams({ datasetId: ds, version: 1 }), terms))
        .to.be.revertedWithCustomError(w.ledger, "DatasetsUnknownVersion")
        .withArgs(ds, 1);
      // No version yet: the request keeps "latest" (0) until it is granted.
      await expect(w.ledger.connect(w.insurer).requestAccess(w.requestParams({ datasetId: ds }), terms))
        .to.emit(w.ledger, "AccessRequested")
        .withArgs(1, ds, w.insurer.address, w.consentIdOf(terms), 0, Purpose.underwriting, GrantKind.Formal, 7 * DAY, w.keys.insurer.keyId);
      const requestId = 1n;
      await expect(w.ledger.connect(w.bank).approveAsProvider(requestId))
        .to.be.revertedWithCustomError(w.ledger, "AccessNoVersion")
        .withArgs(ds);
      // A supervisor may approve meanwhile; nothing is granted without a version.
      await expect(w.ledger.connect(w.sup1).approveAsSupervisor(requestId))
        .to.emit(w.ledger, "AccessApproved")
        .withArgs(requestId, w.sup1.address, true, 1)
        .and.not.to.emit(w.ledger, "AccessGranted");
      const v = await w.version("extracted on demand", ds);
      await w.ledger.connect(w.bank).publishVersion(ds, v);
      const grantedAt = await w.nextBlockAt();
      await expect(w.ledger.connect(w.bank).approveAsProvider(requestId))
        .to.emit(w.ledger, "AccessGranted")
        .withArgs(requestId, ds, w.insurer.address, GrantKind.Formal, grantedAt + 7 * DAY, 1, w.keys.insurer.keyId);
      expect((await w.expectValid(requestId)).keyCommitment).to.equal(v.keyCommitment);
      expect((await w.ledger.requestOf(requestId)).version).to.equal(1n);
    });

    it("grants the version that is the latest when the grant is issued, for a request filed before any", async function () {
      const w = await load();
      await w.ledger.connect(w.bank).registerDataset(w.ana.address, Category.Stock, POLICY, id("https://platform.example/ana"), NO_VERSION);
      const ds = 3n;
      const { terms } = await w.consent({ datasetId: ds, category: Category.Stock });
      const requestId = await w.request(terms, { datasetId: ds });
      await w.expectInvalid(requestId, "NotGranted");
      expect((await w.ledger.isGrantValid(requestId)).version).to.equal(0n);
      await w.ledger.connect(w.bank).publishVersion(ds, await w.version("extracted 1", ds));
      const v2 = await w.version("extracted 2", ds);
      await w.ledger.connect(w.bank).publishVersion(ds, v2);
      const t = await w.nextBlockAt();
      await expect(w.ledger.connect(w.bank).approveAsProvider(requestId))
        .to.emit(w.ledger, "AccessGranted")
        .withArgs(requestId, ds, w.insurer.address, GrantKind.Temporary, t + HOUR, 2, w.keys.insurer.keyId);
      const g = await w.expectValid(requestId);
      expect([g.version, g.keyCommitment]).to.deep.equal([2n, v2.keyCommitment]);
    });

    it("a request for an on-demand dataset with no approval required is granted by the approval that follows the first version", async function () {
      const w = await load();
      const open = { requireProvider: false, supervisorQuorum: 0, maxTemporary: 0, maxFormal: DAY };
      await w.ledger.connect(w.bank).registerDataset(w.ana.address, Category.Stock, open, id("https://platform.example/ana"), NO_VERSION);
      const ds = 3n;
      const { terms } = await w.consent({ datasetId: ds, category: Category.Stock });
      await expect(w.ledger.connect(w.insurer).requestAccess(w.requestParams({ datasetId: ds }), terms))
        .to.emit(w.ledger, "AccessRequested")
        .withArgs(1, ds, w.insurer.address, w.consentIdOf(terms), 0, Purpose.underwriting, GrantKind.Formal, 7 * DAY, w.keys.insurer.keyId)
        .and.not.to.emit(w.ledger, "AccessGranted");
      await w.ledger.connect(w.bank).publishVersion(ds, await w.version("extracted", ds));
      const t = await w.nextBlockAt();
      await expect(w.ledger.connect(w.sup1).approveAsSupervisor(1))
        .to.emit(w.ledger, "AccessGranted")
        .withArgs(1, ds, w.insurer.address, GrantKind.Formal, t + DAY, 1, w.keys.insurer.keyId);
    });

    it("a supervisor who approved before the first version: once it is published, anyone advances the request", async function () {
      const w = await load();
      const open = { requireProvider: false, supervisorQuorum: 1, maxTemporary: 0, maxFormal: DAY };
      await w.ledger.connect(w.bank).registerDataset(w.ana.address, Category.Stock, open, id("https://platform.example/ana"), NO_VERSION);
      const ds = 3n;
      const { terms } = await w.consent({ datasetId: ds, category: Category.Stock });
      const requestId = await w.request(terms, { datasetId: ds });
      await expect(w.ledger.connect(w.sup1).approveAsSupervisor(requestId)).to.not.emit(w.ledger, "AccessGranted"); // no version yet
      await expect(w.ledger.connect(w.insurer).advanceRequest(requestId)).to.be.revertedWithCustomError(w.ledger, "AccessNothingToAdvance");
      await w.ledger.connect(w.bank).publishVersion(ds, await w.version("extracted on demand", ds));
      await expect(w.ledger.connect(w.sup1).approveAsSupervisor(requestId)).to.be.revertedWithCustomError(w.ledger, "AccessAlreadyApproved");
      const t = await w.nextBlockAt();
      await expect(w.ledger.connect(w.insurer).advanceRequest(requestId))
        .to.emit(w.ledger, "AccessGranted")
        .withArgs(requestId, ds, w.insurer.address, GrantKind.Formal, t + DAY, 1, w.keys.insurer.keyId);
    });
  });

  describe("rejection", function () {
    it("the provider rejects a pending request with a reason code", async function () {
      const w = await load();
      const { requestId } = await pending(w);
      await expect(w.ledger.connect(w.bank).rejectRequest(requestId, 451))
        .to.emit(w.ledger, "AccessRejected")
        .withArgs(requestId, w.bank.address, 451);
      expect((await w.ledger.requestOf(requestId)).status).to.equal(BigInt(RequestStatus.Rejected));
      await expect(w.ledger.connect(w.bank).approveAsProvider(requestId))
        .to.be.revertedWithCustomError(w.ledger, "AccessWrongStatus")
        .withArgs(requestId, RequestStatus.Rejected);
      await expect(w.ledger.connect(w.sup1).approveAsSupervisor(requestId))
        .to.be.revertedWithCustomError(w.ledger, "AccessWrongStatus")
        .withArgs(requestId, RequestStatus.Rejected);
    });

    it("a supervisor rejects a pending request", async function () {
      const w = await load();
      const { requestId } = await pending(w);
      await expect(w.ledger.connect(w.sup2).rejectRequest(requestId, 7))
        .to.emit(w.ledger, "AccessRejected")
        .withArgs(requestId, w.sup2.address, 7);
    });

    it("reverts when someone else rejects (AccessNotApprover)", async function () {
      const w = await load();
      const { requestId } = await pending(w);
      for (const who of [w.mallory, w.insurer, w.ana]) {
        await expect(w.ledger.connect(who).rejectRequest(requestId, 1))
          .to.be.revertedWithCustomError(w.ledger, "AccessNotApprover")
          .withArgs(requestId, who.address);
      }
    });

    it("reverts when the request is neither pending nor a live temporary grant (AccessWrongStatus)", async function () {
      const w = await load();
      await expect(w.ledger.connect(w.bank).rejectRequest(99, 1))
        .to.be.revertedWithCustomError(w.ledger, "AccessWrongStatus")
        .withArgs(99, RequestStatus.None);
      const { requestId } = await w.share();
      await expect(w.ledger.connect(w.sup1).rejectRequest(requestId, 1))
        .to.be.revertedWithCustomError(w.ledger, "AccessWrongStatus")
        .withArgs(requestId, RequestStatus.Formal);
      const { requestId: rejected } = await pending(w);
      await w.ledger.connect(w.sup1).rejectRequest(rejected, 1);
      await expect(w.ledger.connect(w.sup2).rejectRequest(rejected, 1))
        .to.be.revertedWithCustomError(w.ledger, "AccessWrongStatus")
        .withArgs(rejected, RequestStatus.Rejected);
    });

    it("a supervisor's reject of a live temporary grant revokes it: AccessRejected and GrantRevoked, same reason (spec item 3)", async function () {
      const w = await load();
      const { requestId } = await pending(w);
      await w.ledger.connect(w.bank).approveAsProvider(requestId);
      await w.expectValid(requestId);
      const tx = w.ledger.connect(w.sup2).rejectRequest(requestId, 12);
      await expect(tx).to.emit(w.ledger, "AccessRejected").withArgs(requestId, w.sup2.address, 12);
      await expect(tx).to.emit(w.ledger, "GrantRevoked").withArgs(requestId, w.sup2.address, 12);
      expect((await w.ledger.requestOf(requestId)).status).to.equal(BigInt(RequestStatus.Revoked));
      const g = await w.expectInvalid(requestId, "Revoked");
      expect(g.kind).to.equal(BigInt(GrantKind.Temporary));
      // Revoked is final: no approval brings it back.
      await expect(w.ledger.connect(w.sup1).approveAsSupervisor(requestId))
        .to.be.revertedWithCustomError(w.ledger, "AccessWrongStatus")
        .withArgs(requestId, RequestStatus.Revoked);
    });

    it("the provider's reject of a live temporary grant revokes it too", async function () {
      const w = await load();
      const { requestId } = await pending(w);
      await w.ledger.connect(w.bank).approveAsProvider(requestId);
      const tx = w.ledger.connect(w.bank).rejectRequest(requestId, 2);
      await expect(tx).to.emit(w.ledger, "AccessRejected").withArgs(requestId, w.bank.address, 2);
      await expect(tx).to.emit(w.ledger, "GrantRevoked").withArgs(requestId, w.bank.address, 2);
      await w.expectInvalid(requestId, "Revoked");
    });
  });

  describe("grant revocation", function () {
    it("reverts when someone other than the provider or a supervisor revokes (AccessNotApprover)", async function () {
      const w = await load();
      const { requestId } = await w.share();
      for (const who of [w.insurer, w.ana, w.custodian]) {
        await expect(w.ledger.connect(who).revokeGrant(requestId, 1))
          .to.be.revertedWithCustomError(w.ledger, "AccessNotApprover")
          .withArgs(requestId, who.address);
      }
    });

    it("reverts when there is no live grant to revoke (AccessWrongStatus)", async function () {
      const w = await load();
      const { requestId } = await pending(w);
      await expect(w.ledger.connect(w.bank).revokeGrant(requestId, 1))
        .to.be.revertedWithCustomError(w.ledger, "AccessWrongStatus")
        .withArgs(requestId, RequestStatus.Pending);
      const { requestId: granted } = await w.share();
      await w.ledger.connect(w.bank).revokeGrant(granted, 1);
      await expect(w.ledger.connect(w.sup1).revokeGrant(granted, 1))
        .to.be.revertedWithCustomError(w.ledger, "AccessWrongStatus")
        .withArgs(granted, RequestStatus.Revoked);
    });

    it("reverts when a suspended provider revokes (MembersNotActive)", async function () {
      const w = await load();
      const { requestId } = await w.share();
      await w.ledger.connect(w.sup1).suspendMember(w.bank.address, 1);
      await expect(w.ledger.connect(w.bank).revokeGrant(requestId, 1))
        .to.be.revertedWithCustomError(w.ledger, "MembersNotActive")
        .withArgs(w.bank.address);
    });
  });

  describe("usage", function () {
    it("the requester records usage of a granted request, also after revocation", async function () {
      const w = await load();
      const { requestId } = await w.share();
      await expect(w.ledger.connect(w.insurer).recordUsage(requestId, 2, id("underwriting decision #17")))
        .to.emit(w.ledger, "UsageRecorded")
        .withArgs(requestId, w.insurer.address, 2, id("underwriting decision #17"));
      await w.ledger.connect(w.sup1).revokeGrant(requestId, 1);
      await expect(w.ledger.connect(w.insurer).recordUsage(requestId, 9, id("deleted")))
        .to.emit(w.ledger, "UsageRecorded")
        .withArgs(requestId, w.insurer.address, 9, id("deleted"));
    });

    it("reverts when someone other than the requester records usage (AccessNotRequester)", async function () {
      const w = await load();
      const { requestId } = await w.share();
      await expect(w.ledger.connect(w.lender).recordUsage(requestId, 1, id("x")))
        .to.be.revertedWithCustomError(w.ledger, "AccessNotRequester")
        .withArgs(requestId, w.lender.address);
    });

    it("reverts when the request was never granted (AccessWrongStatus)", async function () {
      const w = await load();
      const { requestId } = await pending(w);
      await expect(w.ledger.connect(w.insurer).recordUsage(requestId, 1, id("x")))
        .to.be.revertedWithCustomError(w.ledger, "AccessWrongStatus")
        .withArgs(requestId, RequestStatus.Pending);
    });
  });

  describe("pause", function () {
    it("blocks requests, approvals and usage", async function () {
      const w = await load();
      const { terms, requestId } = await pending(w);
      const { requestId: granted } = await w.share();
      await w.ledger.connect(w.admin).pause();
      const fresh = await w.consentTerms();
      const signature = await w.signConsent(fresh);
      const calls = [
        () => w.ledger.connect(w.insurer).requestAccess(w.requestParams(), terms),
        () => w.ledger.connect(w.insurer).requestAccessWithConsent(w.requestParams(), fresh, signature),
        () => w.ledger.connect(w.bank).approveAsProvider(requestId),
        () => w.ledger.connect(w.sup1).approveAsSupervisor(requestId),
        () => w.ledger.connect(w.insurer).advanceRequest(requestId),
        () => w.ledger.connect(w.insurer).recordUsage(granted, 1, id("x")),
      ];
      for (const call of calls) await expect(call()).to.be.revertedWithCustomError(w.ledger, "SealsharePaused").withArgs();
      // Everything works again once the pause is lifted.
      await w.ledger.connect(w.admin).unpause();
      await expect(w.ledger.connect(w.insurer).requestAccessWithConsent(w.requestParams(), fresh, signature))
        .to.emit(w.ledger, "AccessRequested")
        .withArgs(3, w.datasetId, w.insurer.address, w.consentIdOf(fresh), 1, Purpose.underwriting, GrantKind.Formal, 7 * DAY, w.keys.insurer.keyId);
    });

    it("does not block rejections and revocations: they only reduce access (spec item 5)", async function () {
      const w = await load();
      const { requestId } = await pending(w);
      const { requestId: granted } = await w.share();
      await w.ledger.connect(w.admin).pause();
      await expect(w.ledger.connect(w.bank).rejectRequest(requestId, 1))
        .to.emit(w.ledger, "AccessRejected")
        .withArgs(requestId, w.bank.address, 1);
      await expect(w.ledger.connect(w.sup2).revokeGrant(granted, 2))
        .to.emit(w.ledger, "GrantRevoked")
        .withArgs(granted, w.sup2.address, 2);
      await w.ledger.connect(w.admin).unpause();
      await w.expectInvalid(granted, "Revoked");
      await w.expectInvalid(requestId, "NotGranted");
    });

    it("does not block the custodian's release receipts: they record what already happened", async function () {
      const w = await load();
      const { requestId } = await w.share();
      await w.ledger.connect(w.admin).pause();
      await expect(w.ledger.connect(w.custodian).recordRelease(requestId, GrantKind.Formal, id("envelope")))
        .to.emit(w.ledger, "KeyReleased")
        .withArgs(requestId, w.datasetId, w.insurer.address, GrantKind.Formal, id("envelope"));
      // ... while the custodian must not release anything new: the view says Paused.
      await w.expectInvalid(requestId, "Paused");
    });

    it("does not block Ana's revocation, and the grant stays void after unpause", async function () {
      const w = await load();
      const { requestId, consentId } = await w.share();
      await w.ledger.connect(w.admin).pause();
      await expect(w.ledger.connect(w.ana).revokeConsent(consentId))
        .to.emit(w.ledger, "ConsentRevoked")
        .withArgs(consentId, w.ana.address);
      await w.ledger.connect(w.admin).unpause();
      await w.expectInvalid(requestId, "ConsentRevoked");
    });
  });
});
