/**
 * Approvals given as EIP-712 signatures and relayed with the subject's signed consent and the
 * request in one transaction (`relayShare`, and many at once with `relayShares`, issue 13 item 3): the same events as the
 * transaction path, each approval naming its signer; the same rules, checked at execution
 * (role, conflict of interest, category floor, pause); and a signature that approves exactly
 * one share (consent, requester, dataset, terms, role, chain and ledger), once.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { Signature, type TypedDataDomain } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { SHARE_APPROVAL_TYPES, type ShareApprovalMessage } from "../../sdk/eip712.js";
import { RequestStatus } from "../../sdk/vocabulary.js";
import type { IAccess } from "../../types/ethers-contracts/Sealshare.js";
import {
  ADMIN_ROLE,
  Category,
  DAY,
  GrantKind,
  HOUR,
  POLICY,
  Purpose,
  SUPERVISOR_ROLE,
  TemporaryRule,
  deploySealshare,
  minimum,
  type ConsentTerms,
  type RequestParams,
  type World,
} from "./fixture.js";

const { networkHelpers, ethers } = await network.create();
const load = () => networkHelpers.loadFixture(deploySealshare);

interface ApprovalOptions {
  /** Who signs (default: the approver itself). */
  signer?: HardhatEthersSigner;
  /** The approver named in the approval (default: the signer). */
  approver?: string;
  asSupervisor?: boolean;
  deadline?: bigint;
  /** 65-byte signature instead of the 64-byte EIP-2098 form. */
  long?: boolean;
  domain?: TypedDataDomain;
  /** Sign for other terms than the ones relayed. */
  message?: Partial<ShareApprovalMessage>;
}

/** `signer`'s ShareApproval of the share (`terms`, `params`) requested by `requester`. */
async function approval(
  w: World,
  terms: ConsentTerms,
  params: RequestParams,
  signer: HardhatEthersSigner,
  o: ApprovalOptions = {},
  requester: HardhatEthersSigner = w.insurer,
): Promise<IAccess.SignedApprovalStruct> {
  const approver = o.approver ?? signer.address;
  const deadline = o.deadline ?? BigInt(await w.time.latest()) + BigInt(HOUR);
  const message: ShareApprovalMessage = {
    consentId: w.consentIdOf(terms),
    requester: requester.address,
    datasetId: BigInt(params.datasetId),
    purpose: Number(params.purpose),
    kind: Number(params.kind),
    duration: Number(params.duration),
    approver,
    asSupervisor: o.asSupervisor ?? false,
    deadline,
    ...o.message,
  };
  const raw = await signer.signTypedData(o.domain ?? w.domain, SHARE_APPROVAL_TYPES, message);
  const signature = o.long || approver !== signer.address ? raw : Signature.from(raw).compactSerialized;
  return { approver, asSupervisor: o.asSupervisor ?? false, deadline, signature };
}

interface Share {
  request: RequestParams;
  consent: ConsentTerms;
  consentSignature: string;
  approvals: IAccess.SignedApprovalStruct[];
}

/** `from` relays one share (relayShare). */
function relay(w: World, share: Share, from: HardhatEthersSigner = w.insurer) {
  return w.ledger.connect(from).relayShare(share.request, share.consent, share.consentSignature, share.approvals);
}

/** `from` relays many shares in one transaction (relayShares of encoded relayShare calls). */
function relayMany(w: World, shares: Share[], from: HardhatEthersSigner = w.insurer) {
  const calls = shares.map((s) => w.ledger.interface.encodeFunctionData("relayShare", [s.request, s.consent, s.consentSignature, s.approvals]));
  return w.ledger.connect(from).relayShares(calls);
}

/** A share of Ana's dataset 1 for Insurer: consent terms signed by Ana, the request, and Bank's and sup1's approvals. */
async function signedShare(w: World, consent: Partial<ConsentTerms> = {}, req: Partial<RequestParams> = {}) {
  const terms = await w.consentTerms(consent);
  const params = w.requestParams(req);
  const consentSignature = await w.signConsent(terms);
  const byBank = await approval(w, terms, params, w.bank);
  const bySup1 = await approval(w, terms, params, w.sup1, { asSupervisor: true });
  const share = (approvals: IAccess.SignedApprovalStruct[] = [byBank, bySup1]): Share => ({
    request: params,
    consent: terms,
    consentSignature,
    approvals,
  });
  return { terms, params, consentId: w.consentIdOf(terms), consentSignature, byBank, bySup1, share };
}

describe("Signed approvals relayed in one transaction (relayShare, relayShares)", function () {
  it("Insurer relays Ana's signed consent, its request, Bank's and a supervisor's signed approvals: one transaction ends in a formal grant, every approval an event naming its signer", async function () {
    const w = await load();
    const { ledger, insurer, bank, sup1, datasetId, keys } = w;
    const s = await signedShare(w);
    const at = await w.nextBlockAt();
    const tx = relay(w, s.share());
    await expect(tx).to.emit(ledger, "ConsentGiven").withArgs(...w.consentGivenArgs(s.terms, insurer));
    await expect(tx)
      .to.emit(ledger, "AccessRequested")
      .withArgs(1, datasetId, insurer.address, s.consentId, 1, Purpose.underwriting, GrantKind.Formal, 7 * DAY, keys.insurer.keyId);
    await expect(tx).to.emit(ledger, "AccessApproved").withArgs(1, bank.address, false, 0);
    await expect(tx).to.emit(ledger, "AccessApproved").withArgs(1, sup1.address, true, 1);
    // One grant decision after every approval: straight to Formal, no temporary stage on the way.
    const receipt = await (await tx).wait();
    const grants = receipt!.logs.map((l) => ledger.interface.parseLog(l)).filter((e) => e?.name === "AccessGranted");
    expect(grants.map((e) => [...e!.args])).to.deep.equal([
      [1n, datasetId, insurer.address, BigInt(GrantKind.Formal), BigInt(at + 7 * DAY), 1n, keys.insurer.keyId],
    ]);
    const names = receipt!.logs.map((l) => ledger.interface.parseLog(l)?.name);
    expect(names).to.deep.equal(["ConsentGiven", "AccessRequested", "AccessApproved", "AccessApproved", "AccessGranted"]);
    const r = await ledger.requestOf(1);
    expect([r.status, r.providerApproved, r.supervisorApprovals]).to.deep.equal([BigInt(RequestStatus.Formal), true, 1n]);
    await w.expectValid(1n);
  });

  it("accepts 65-byte signatures as well as 64-byte EIP-2098 ones, in any order", async function () {
    const w = await load();
    const s = await signedShare(w);
    const byBankLong = await approval(w, s.terms, s.params, w.bank, { long: true });
    expect(byBankLong.signature.length).to.equal(2 + 130);
    expect(String(s.bySup1.signature).length).to.equal(2 + 128);
    await expect(relay(w, s.share([s.bySup1, byBankLong])))
      .to.emit(w.ledger, "AccessGranted");
    await w.expectValid(1n);
  });

  it("with the provider's approval only, grants what the transaction path would: a temporary grant capped by maxTemporary", async function () {
    const w = await load();
    const s = await signedShare(w);
    const at = await w.nextBlockAt();
    await expect(relay(w, s.share([s.byBank])))
      .to.emit(w.ledger, "AccessGranted")
      .withArgs(1, w.datasetId, w.insurer.address, GrantKind.Temporary, at + HOUR, 1, w.keys.insurer.keyId);
    // The supervisor may still approve by transaction: the path per approval keeps working.
    await expect(w.ledger.connect(w.sup1).approveAsSupervisor(1))
      .to.emit(w.ledger, "AccessGranted")
      .withArgs(1, w.datasetId, w.insurer.address, GrantKind.Formal, (await w.time.latest()) + 1 + 7 * DAY, 1, w.keys.insurer.keyId);
  });

  describe("refuses a signature that is not for this share", function () {
    it("past its deadline: AccessApprovalExpired(consentId, approver, deadline)", async function () {
      const w = await load();
      const s = await signedShare(w);
      const deadline = BigInt(await w.time.latest()) + 10n;
      const late = await approval(w, s.terms, s.params, w.bank, { deadline });
      await w.time.setNextBlockTimestamp(deadline + 1n);
      await expect(relay(w, s.share([late, s.bySup1])))
        .to.be.revertedWithCustomError(w.ledger, "AccessApprovalExpired")
        .withArgs(s.consentId, w.bank.address, deadline);
    });

    it("still usable in its deadline's own second", async function () {
      const w = await load();
      const s = await signedShare(w);
      const deadline = BigInt(await w.time.latest()) + 10n;
      const justInTime = await approval(w, s.terms, s.params, w.bank, { deadline });
      await w.time.setNextBlockTimestamp(deadline);
      await expect(relay(w, s.share([justInTime, s.bySup1]))).to.emit(w.ledger, "AccessGranted");
    });

    it("signed by someone else than the approver it names: AccessInvalidApprovalSignature(consentId, approver)", async function () {
      const w = await load();
      const s = await signedShare(w);
      const forged = await approval(w, s.terms, s.params, w.mallory, { approver: w.bank.address });
      await expect(relay(w, s.share([forged, s.bySup1])))
        .to.be.revertedWithCustomError(w.ledger, "AccessInvalidApprovalSignature")
        .withArgs(s.consentId, w.bank.address);
    });

    const OTHER_TERMS: [string, (w: World) => Promise<Partial<ShareApprovalMessage>>][] = [
      ["another consent", async (w) => ({ consentId: w.consentIdOf(await w.consentTerms()) })],
      ["another requester", async (w) => ({ requester: w.lender.address })],
      ["another dataset", async (w) => ({ datasetId: w.fundsDatasetId })],
      ["another purpose", async () => ({ purpose: Purpose.underwriting + 1 })],
      ["another kind", async () => ({ kind: GrantKind.Temporary })],
      ["another duration", async () => ({ duration: 8 * DAY })],
      ["the other role", async () => ({ asSupervisor: true })],
      ["a later deadline than relayed", async (w) => ({ deadline: BigInt(await w.time.latest()) + BigInt(2 * HOUR) })],
    ];
    for (const [what, change] of OTHER_TERMS) {
      it(`signed for ${what}: AccessInvalidApprovalSignature`, async function () {
        const w = await load();
        const s = await signedShare(w);
        const other = await approval(w, s.terms, s.params, w.bank, { message: await change(w) });
        // Relayed with the terms of this share (and the deadline this share's approval carries).
        const relayed = { ...other, deadline: (await approval(w, s.terms, s.params, w.bank)).deadline };
        await expect(relay(w, s.share([relayed, s.bySup1])))
          .to.be.revertedWithCustomError(w.ledger, "AccessInvalidApprovalSignature")
          .withArgs(s.consentId, w.bank.address);
      });
    }

    it("signed on another chain or for another ledger (EIP-712 domain): AccessInvalidApprovalSignature", async function () {
      const w = await load();
      const s = await signedShare(w);
      for (const domain of [
        { ...w.domain, chainId: BigInt(w.chainId) + 1n },
        { ...w.domain, verifyingContract: w.mallory.address },
      ]) {
        const elsewhere = await approval(w, s.terms, s.params, w.bank, { domain });
        await expect(relay(w, s.share([elsewhere, s.bySup1])))
          .to.be.revertedWithCustomError(w.ledger, "AccessInvalidApprovalSignature")
          .withArgs(s.consentId, w.bank.address);
      }
    });

    it("relayed by another requester than the one approved: AccessInvalidApprovalSignature", async function () {
      const w = await load();
      const s = await signedShare(w, { requester: "0x0000000000000000000000000000000000000000" });
      await expect(relay(w, { ...s.share(), request: w.requestParams({ deviceId: w.deviceOf(w.lender) }) }, w.lender))
        .to.be.revertedWithCustomError(w.ledger, "AccessInvalidApprovalSignature")
        .withArgs(s.consentId, w.bank.address);
    });

    it("a malformed signature (63 bytes, high s): AccessInvalidApprovalSignature", async function () {
      const w = await load();
      const s = await signedShare(w);
      const long = await approval(w, s.terms, s.params, w.bank, { long: true });
      const sig = Signature.from(String(long.signature));
      const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
      const highS = ethers.concat([sig.r, ethers.toBeHex(N - BigInt(sig.s), 32), sig.v === 27 ? "0x1c" : "0x1b"]);
      for (const signature of [String(long.signature).slice(0, -4), highS]) {
        await expect(relay(w, s.share([{ ...long, signature }, s.bySup1])))
          .to.be.revertedWithCustomError(w.ledger, "AccessInvalidApprovalSignature")
          .withArgs(s.consentId, w.bank.address);
      }
    });
  });

  describe("single use", function () {
    it("the same share relayed again: ConsentsAlreadyRecorded — the consent, hence its approvals, is used once", async function () {
      const w = await load();
      const s = await signedShare(w);
      await relay(w, s.share());
      await expect(relay(w, s.share()))
        .to.be.revertedWithCustomError(w.ledger, "ConsentsAlreadyRecorded")
        .withArgs(s.consentId);
    });

    it("a consent recorded before by another path cannot carry signed approvals: ConsentsAlreadyRecorded", async function () {
      const w = await load();
      const s = await signedShare(w);
      await w.ledger.connect(w.insurer).giveConsentBySig(s.terms, s.consentSignature);
      await expect(relay(w, s.share()))
        .to.be.revertedWithCustomError(w.ledger, "ConsentsAlreadyRecorded")
        .withArgs(s.consentId);
    });

    it("a consent the subject cancelled in flight voids its approvals: ConsentsCancelled", async function () {
      const w = await load();
      const s = await signedShare(w);
      await w.ledger.connect(w.ana).revokeConsent(s.consentId);
      await expect(relay(w, s.share()))
        .to.be.revertedWithCustomError(w.ledger, "ConsentsCancelled")
        .withArgs(s.consentId);
    });

    it("the same approval twice in one share: AccessAlreadyApproved(requestId, approver)", async function () {
      const w = await load();
      const s = await signedShare(w);
      await expect(relay(w, s.share([s.byBank, s.bySup1, s.bySup1])))
        .to.be.revertedWithCustomError(w.ledger, "AccessAlreadyApproved")
        .withArgs(1, w.sup1.address);
      await expect(relay(w, s.share([s.byBank, s.byBank])))
        .to.be.revertedWithCustomError(w.ledger, "AccessAlreadyApproved")
        .withArgs(1, w.bank.address);
    });

    it("approvals of one share relayed with another consent: AccessInvalidApprovalSignature", async function () {
      const w = await load();
      const first = await signedShare(w);
      const second = await signedShare(w);
      await expect(relay(w, second.share([first.byBank, first.bySup1])))
        .to.be.revertedWithCustomError(w.ledger, "AccessInvalidApprovalSignature")
        .withArgs(second.consentId, w.bank.address);
    });
  });

  describe("the signer must hold the role at execution, with the transaction path's rules", function () {
    it("a provider approval by someone not the dataset's provider: DatasetsNotProvider(datasetId, signer)", async function () {
      const w = await load();
      const s = await signedShare(w);
      const byLender = await approval(w, s.terms, s.params, w.lender);
      await expect(relay(w, s.share([byLender, s.bySup1])))
        .to.be.revertedWithCustomError(w.ledger, "DatasetsNotProvider")
        .withArgs(w.datasetId, w.lender.address);
    });

    it("a provider that transferred the dataset before the relay: DatasetsNotProvider", async function () {
      const w = await load();
      const s = await signedShare(w);
      await w.ledger.connect(w.sup1).registerMember(w.fundHouse.address, ethers.id("kyc/fund"), "https://fund.example");
      await w.ledger.connect(w.bank).transferDataset(w.datasetId, w.fundHouse.address);
      await expect(relay(w, s.share()))
        .to.be.revertedWithCustomError(w.ledger, "DatasetsNotProvider")
        .withArgs(w.datasetId, w.bank.address);
    });

    it("a suspended provider: MembersNotActive(provider)", async function () {
      const w = await load();
      const s = await signedShare(w);
      await w.ledger.connect(w.sup2).suspendMember(w.bank.address, 1);
      await expect(relay(w, s.share()))
        .to.be.revertedWithCustomError(w.ledger, "MembersNotActive")
        .withArgs(w.bank.address);
    });

    it("a supervisor approval by a non-supervisor, or one whose role was revoked since it signed: AccessControlUnauthorizedAccount", async function () {
      const w = await load();
      const s = await signedShare(w);
      const byMallory = await approval(w, s.terms, s.params, w.mallory, { asSupervisor: true });
      await expect(relay(w, s.share([s.byBank, byMallory])))
        .to.be.revertedWithCustomError(w.ledger, "AccessControlUnauthorizedAccount")
        .withArgs(w.mallory.address, SUPERVISOR_ROLE);
      await w.ledger.connect(w.admin).revokeRole(SUPERVISOR_ROLE, w.sup1.address);
      await expect(relay(w, s.share()))
        .to.be.revertedWithCustomError(w.ledger, "AccessControlUnauthorizedAccount")
        .withArgs(w.sup1.address, SUPERVISOR_ROLE);
    });

    it("a supervisor affiliated with the requester: AccessConflictOfInterest(requestId, supervisor)", async function () {
      const w = await load();
      const s = await signedShare(w);
      await w.ledger.connect(w.admin).setSupervisorAffiliation(w.sup1.address, w.insurer.address);
      await expect(relay(w, s.share()))
        .to.be.revertedWithCustomError(w.ledger, "AccessConflictOfInterest")
        .withArgs(1, w.sup1.address);
    });

    it("the category floor applies at the grant: under a two-supervisor floor one supervisor grants nothing, two grant Formal", async function () {
      const w = await load();
      await w.ledger.connect(w.sup1).setCategoryMinimum(Category.Deposit, minimum({ supervisorQuorum: 2, temporary: TemporaryRule.AfterQuorum }));
      const one = await signedShare(w);
      await expect(relay(w, one.share())).not.to.emit(w.ledger, "AccessGranted");
      expect((await w.ledger.requestOf(1)).status).to.equal(BigInt(RequestStatus.Pending));
      const two = await signedShare(w);
      const bySup2 = await approval(w, two.terms, two.params, w.sup2, { asSupervisor: true });
      await expect(relay(w, two.share([two.byBank, two.bySup1, bySup2])))
        .to.emit(w.ledger, "AccessApproved")
        .withArgs(2, w.sup2.address, true, 2)
        .and.to.emit(w.ledger, "AccessGranted");
      expect((await w.ledger.requestOf(2)).status).to.equal(BigInt(RequestStatus.Formal));
    });

    it("the dataset's own policy applies: a request the consent does not cover reverts as on the transaction path", async function () {
      const w = await load();
      const s = await signedShare(w, { maxKind: GrantKind.Temporary });
      await expect(relay(w, s.share()))
        .to.be.revertedWithCustomError(w.ledger, "AccessConsentMismatch")
        .withArgs(s.consentId, "kind");
    });
  });

  describe("ERC-1271 approvers", function () {
    async function walletSupervisor(w: World) {
      const wallet = await ethers.deployContract("MockERC1271Wallet", [w.sup2.address]);
      const address = await wallet.getAddress();
      await w.ledger.connect(w.admin).grantRole(SUPERVISOR_ROLE, address);
      return address;
    }

    it("a supervisor that is a contract approves with its owner's signature", async function () {
      const w = await load();
      const wallet = await walletSupervisor(w);
      const s = await signedShare(w);
      const byWallet = await approval(w, s.terms, s.params, w.sup2, { approver: wallet, asSupervisor: true });
      await expect(relay(w, s.share([s.byBank, byWallet])))
        .to.emit(w.ledger, "AccessApproved")
        .withArgs(1, wallet, true, 1)
        .and.to.emit(w.ledger, "AccessGranted");
    });

    it("a contract approver whose ERC-1271 check says no: AccessInvalidApprovalSignature(consentId, contract)", async function () {
      const w = await load();
      const wallet = await walletSupervisor(w);
      const s = await signedShare(w);
      const notTheOwner = await approval(w, s.terms, s.params, w.mallory, { approver: wallet, asSupervisor: true });
      await expect(relay(w, s.share([s.byBank, notTheOwner])))
        .to.be.revertedWithCustomError(w.ledger, "AccessInvalidApprovalSignature")
        .withArgs(s.consentId, wallet);
    });
  });

  it("refuses while paused: SealsharePaused", async function () {
    const w = await load();
    const s = await signedShare(w);
    await w.ledger.connect(w.admin).pause();
    await expect(relay(w, s.share())).to.be.revertedWithCustomError(w.ledger, "SealsharePaused");
  });

  describe("batches", function () {
    it("relays three shares in one transaction: three formal grants, in order", async function () {
      const w = await load();
      const shares = [await signedShare(w), await signedShare(w), await signedShare(w)];
      const tx = relayMany(w, shares.map((s) => s.share()));
      for (const [i, s] of shares.entries()) {
        await expect(tx)
          .to.emit(w.ledger, "AccessRequested")
          .withArgs(i + 1, w.datasetId, w.insurer.address, s.consentId, 1, Purpose.underwriting, GrantKind.Formal, 7 * DAY, w.keys.insurer.keyId);
        await expect(tx).to.emit(w.ledger, "AccessApproved").withArgs(i + 1, w.sup1.address, true, 1);
      }
      for (const id of [1n, 2n, 3n]) await w.expectValid(id);
    });

    it("all or nothing: one bad share reverts the batch and records nothing", async function () {
      const w = await load();
      const good = await signedShare(w);
      const bad = await signedShare(w);
      const late = await approval(w, bad.terms, bad.params, w.bank, { deadline: BigInt(await w.time.latest()) });
      await w.time.increase(10);
      await expect(relayMany(w, [good.share(), bad.share([late, bad.bySup1])]))
        .to.be.revertedWithCustomError(w.ledger, "AccessApprovalExpired");
      expect((await w.ledger.consentOf(good.consentId)).subject).to.equal("0x0000000000000000000000000000000000000000");
      await expect(w.ledger.requestOf(1)).to.be.revertedWithCustomError(w.ledger, "AccessUnknownRequest").withArgs(1);
    });
  });

  it("the admin role does not stand in for a signature: a relay by the admin is refused like anyone's", async function () {
    const w = await load();
    const s = await signedShare(w);
    expect(await w.ledger.hasRole(ADMIN_ROLE, w.admin.address)).to.equal(true);
    // The approvals name Insurer as the requester: signed for another requester than the relayer.
    await expect(relay(w, s.share(), w.admin))
      .to.be.revertedWithCustomError(w.ledger, "AccessInvalidApprovalSignature")
      .withArgs(s.consentId, w.bank.address);
  });
});

void POLICY;
