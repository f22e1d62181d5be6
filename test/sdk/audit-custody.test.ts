/**
 * The auditor's view of threshold custody (sdk/audit/custody-events.ts, verify-custody.ts,
 * share-evidence.ts), on the contract tests' world (an in-process Hardhat network) with the
 * custody contract beside the ledger and a 2-of-3 set (custodian, c2, c3) holding real Shamir
 * shares of dataset 1 v1 for a formal grant to the Insurer:
 *
 * - the timeline shows the set, the deposit, the shred order and each confirmation in words, in
 *   chain order with the ledger's events, and a dataset's history keeps its custody events;
 * - a shred not confirmed within the deadline (chain time) is SHRED_NOT_CONFIRMED naming each
 *   custodian that did not confirm, or confirmed late; none before the deadline;
 * - a share envelope c2 signed with a share that fails the shares root, kept by the requester,
 *   is BAD_SHARE naming c2; evidence of a good share, of an envelope another account signed, or
 *   with a key that does not open the share, is refused and accuses nobody.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { getAddress, hexlify, randomBytes, type Provider } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { deploySealshare } from "../contracts/fixture.js";
import { CUSTODIAN_ROLE, deployCustody, type SealshareCustody } from "../../sdk/contracts.js";
import { generateEncryptionKeyPair } from "../../sdk/crypto/ecies.js";
import { publishCustodianKey, registerCustodianSet } from "../../devkit/build.js";
import { splitDataKey } from "../../sdk/threshold/split.js";
import { commitShares, type ShareSlot, type SharesCommitment } from "../../sdk/threshold/commitment.js";
import { wrapShare } from "../../sdk/threshold/wrap.js";
import { custodianDomain } from "../../sdk/eip712.js";
import { signEnvelope, type Envelope } from "../../sdk/envelope.js";
import { readAuditTimeline } from "../../sdk/actions/read-audit-timeline.js";
import { verifyLedger } from "../../sdk/audit/verify.js";
import { badShareEvidence, envelopeShareKey, recordEnvelopes, shareEvidence, type ShareEvidence } from "../../sdk/audit/share-evidence.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;
const DAY = 86_400;

describe("SDK audit of threshold custody: timeline, shred confirmations, bad-share evidence", function () {
  let w: Awaited<ReturnType<typeof deploySealshare>>;
  let custody: SealshareCustody;
  let custodyAddress: string;
  let provider: Provider;
  let c2: HardhatEthersSigner;
  let c3: HardhatEthersSigner;
  let setId: number;
  let slot: ShareSlot;
  let shares: Uint8Array[];
  let commitment: SharesCommitment;
  let requestId: bigint;

  const verify = (o: Partial<Parameters<typeof verifyLedger>[0]> = {}) => verifyLedger({ ledger: w.ledger, provider, fromBlock: 0, custody: custodyAddress, ...o });
  const custodyViolations = (r: Awaited<ReturnType<typeof verifyLedger>>) => r.violations.filter((v) => v.check === "custody");

  /** The envelope `signer` signs for the Insurer's grant, carrying `share` as index `index`. */
  async function envelopeFrom(signer: HardhatEthersSigner, index: number, share: Uint8Array): Promise<Envelope> {
    const g = await w.ledger.isGrantValid(requestId);
    return signEnvelope(signer, custodianDomain(w.chainId, w.ledgerAddress), {
      requestId: requestId.toString(),
      datasetId: w.datasetId.toString(),
      version: 1,
      kind: Number(g.kind),
      expiresAt: Number(g.expiresAt),
      keyId: Number(w.keys.insurer.keyId),
      wrappedKey: hexlify(wrapShare(w.keys.insurer.publicKey, share)),
      share: { setId, index, threshold: 2, proof: commitment.shareProof(index) },
    });
  }

  before(async function () {
    w = await deploySealshare(connection);
    provider = ethers.provider;
    const signers = await ethers.getSigners();
    [c2, c3] = [signers[10]!, signers[11]!];
    ({ custody } = await deployCustody(w.admin, w.ledgerAddress));
    custodyAddress = await custody.getAddress();
    for (const c of [c2, c3]) await (await w.ledger.connect(w.admin).grantRole(CUSTODIAN_ROLE, c.address)).wait();
    for (const c of [w.custodian, c2, c3]) await publishCustodianKey(w.ledger, c, generateEncryptionKeyPair());
    setId = Number(await registerCustodianSet(custody, w.admin, [w.custodian.address, c2.address, c3.address], 2));
    slot = { chainId: w.chainId, custody: custodyAddress, datasetId: w.datasetId, version: 1, setId };
    shares = await splitDataKey(randomBytes(32), { n: 3, t: 2 });
    commitment = commitShares(slot, shares);
    await (await custody.connect(w.bank).depositShares(w.datasetId, 1, setId, commitment.root)).wait();
    ({ requestId } = await w.share());
  });

  describe("evidence of a bad share", function () {
    it("a share c2 signed that fails the shares root is BAD_SHARE naming c2; the requester builds the evidence from the envelopes it received", async function () {
      const lie = await envelopeFrom(c2, 1, randomBytes(33));
      const honest = await envelopeFrom(w.custodian, 0, shares[0]!);
      // The requester's custodian clients, recorded: it keeps what each answered.
      const served = [honest, lie];
      // Clients with private state, as CustodianClient has: every method still runs on the client itself.
      class Client {
        readonly #envelope: Envelope;
        constructor(envelope: Envelope) {
          this.#envelope = envelope;
        }
        info() {
          return this.#envelope.custodian;
        }
        async fetchEnvelope() {
          return { status: "ready" as const, envelope: this.#envelope };
        }
      }
      const rec = recordEnvelopes(served.map((envelope) => new Client(envelope)));
      for (const c of rec.clients) await c.fetchEnvelope();
      expect(rec.clients.map((c) => c.info())).to.deep.equal([w.custodian.address, c2.address]);
      expect(rec.envelopes).to.deep.equal(served);
      const evidence = badShareEvidence({
        envelopes: rec.envelopes,
        failures: [{ custodian: c2.address, error: { code: "THRESHOLD_BAD_SHARE" } }],
        domain: custodianDomain(w.chainId, w.ledgerAddress),
        devicePrivateKey: w.keys.insurer.privateKey,
        slot,
        sharesRoot: commitment.root,
      });
      expect(evidence).to.have.length(1);
      expect(evidence[0]!.envelope).to.deep.equal(lie);

      const r = await verify({ evidence: [{ where: "c2.json", evidence: evidence[0]! }] });
      expect(custodyViolations(r).map((v) => [v.code, v.custodian])).to.deep.equal([["BAD_SHARE", c2.address]]);
      expect(custodyViolations(r)[0]!.message).to.contain(c2.address).and.contain("c2.json");
      expect(r.refusedEvidence).to.deep.equal([]);
      expect(r.checked.evidence).to.equal(1);
      expect(r.ok).to.equal(false);
    });

    it("no evidence is built for a share that verifies; forced evidence of it is refused and accuses nobody", async function () {
      const honest = await envelopeFrom(c2, 1, shares[1]!);
      expect(shareEvidence({ envelope: honest, devicePrivateKey: w.keys.insurer.privateKey, slot, sharesRoot: commitment.root })).to.equal(undefined);
      const forced: ShareEvidence = { kind: "sealshare-share-evidence", version: 1, envelope: honest, shareKey: hexlify(envelopeShareKey(Buffer.from(honest.wrappedKey.slice(2), "hex"), w.keys.insurer.privateKey)) };
      const r = await verify({ evidence: [{ where: "good.json", evidence: forced }] });
      expect(custodyViolations(r)).to.deep.equal([]);
      expect(r.refusedEvidence).to.have.length(1);
      expect(r.refusedEvidence[0]!.reason).to.contain("verifies against the shares root");
    });

    it("an envelope signed by another account than the custodian at its index is refused (c3 cannot frame c2)", async function () {
      const framed = await envelopeFrom(c3, 1, randomBytes(33));
      const e = shareEvidence({ envelope: framed, devicePrivateKey: w.keys.insurer.privateKey, slot, sharesRoot: commitment.root })!;
      expect(e).to.not.equal(undefined);
      const r = await verify({ evidence: [{ where: "framed.json", evidence: e }] });
      expect(custodyViolations(r)).to.deep.equal([]);
      expect(r.refusedEvidence[0]!.reason).to.contain(`signed by ${c3.address}, not by ${c2.address}`);
    });

    it("a disclosed key that does not open the wrapped share is refused", async function () {
      const lie = await envelopeFrom(c2, 1, randomBytes(33));
      const e = shareEvidence({ envelope: lie, devicePrivateKey: w.keys.insurer.privateKey, slot, sharesRoot: commitment.root })!;
      const r = await verify({ evidence: [{ where: "wrong-key.json", evidence: { ...e, shareKey: hexlify(randomBytes(32)) } }] });
      expect(custodyViolations(r)).to.deep.equal([]);
      expect(r.refusedEvidence[0]!.reason).to.contain("does not open the wrapped share");
    });
  });

  describe("shred confirmations", function () {
    before(async function () {
      // One supervisor votes (the quorum is 2: nothing ordered yet); then the provider orders at once.
      await (await custody.connect(w.sup1).voteShred(w.datasetId, 1)).wait();
      await (await custody.connect(w.bank).orderShred(w.datasetId, 1)).wait();
      await (await custody.connect(w.custodian).confirmShred(w.datasetId, 1, setId)).wait();
    });

    it("before the deadline, a custodian that has not confirmed is a note, not a violation", async function () {
      const r = await verify();
      expect(r.checked.shredOrders).to.equal(1);
      expect(custodyViolations(r)).to.deep.equal([]);
      expect(r.notes.filter((n) => n.includes("has not confirmed yet"))).to.have.length(2);
    });

    it("after the deadline: the late confirmer and the silent one are SHRED_NOT_CONFIRMED, by address; the prompt one is not", async function () {
      await networkHelpers.time.increase(2 * DAY);
      await (await custody.connect(c2).confirmShred(w.datasetId, 1, setId)).wait();
      const r = await verify();
      const v = custodyViolations(r);
      expect(v.map((x) => [x.code, x.custodian])).to.deep.equal([
        ["SHRED_NOT_CONFIRMED", getAddress(c2.address)],
        ["SHRED_NOT_CONFIRMED", getAddress(c3.address)],
      ]);
      expect(v[0]!.message).to.contain("confirmed only at");
      expect(v[1]!.message).to.contain("has not confirmed");
      expect(r.ok).to.equal(false);
      // A longer deadline: c2 was in time, c3 is still pending.
      const lenient = await verify({ shredDeadline: 7 * DAY });
      expect(custodyViolations(lenient)).to.deep.equal([]);
      expect(lenient.notes.some((n) => n.includes(c3.address) && n.includes("not confirmed yet"))).to.equal(true);
    });

    it("the timeline tells the custody story in words, in chain order with the ledger's events, and a dataset keeps its custody events", async function () {
      const names = { [w.custodian.address]: "Custodian A", [c2.address]: "Custodian B", [c3.address]: "Custodian C", [w.bank.address]: "Bank", [w.sup1.address]: "Supervisor 1" };
      const { all, entries } = await readAuditTimeline({ ledger: w.ledger, fromBlock: 0, custody }, { names, datasetId: w.datasetId });
      const custodyRows = all.filter((e) => ["CustodianSetRegistered", "SharesDeposited", "ShredVoted", "ShredOrdered", "ShredConfirmed"].includes(e.event));
      expect(custodyRows.map((e) => e.summary)).to.deep.equal([
        `custodian set #${setId} registered: 2 of 3 (Custodian A, Custodian B, Custodian C)`,
        `dataset #${w.datasetId} v1: key shares deposited with custodian set #${setId}, shares root ${commitment.root.slice(0, 8)}…`,
        `supervisor Supervisor 1 voted to shred the key shares of dataset #${w.datasetId} v1 (1 vote(s))`,
        custodyRows[3]!.summary, // ShredOrdered carries its time; checked below
        `custodian Custodian A (share 0 of set #${setId}) confirmed it shredded its share of dataset #${w.datasetId} v1`,
        `custodian Custodian B (share 1 of set #${setId}) confirmed it shredded its share of dataset #${w.datasetId} v1`,
      ]);
      expect(custodyRows[3]!.summary).to.match(new RegExp(`^Bank ordered custodian set #${setId} to shred its key shares of dataset #${w.datasetId} v1 at \\d{4}-\\d\\d-\\d\\d`));
      const order = all.map((e) => [e.blockNumber, e.logIndex]);
      expect(order).to.deep.equal([...order].sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!));
      expect(all.every((e) => typeof e.timestamp === "number")).to.equal(true);
      // The dataset's history: its ledger events and its deposit, order and confirmations (not the set's registration).
      expect(entries.map((e) => e.event).filter((e) => !e.startsWith("Dataset") && !e.startsWith("Access") && !e.startsWith("Consent"))).to.deep.equal([
        "SharesDeposited",
        "ShredVoted",
        "ShredOrdered",
        "ShredConfirmed",
        "ShredConfirmed",
      ]);
      // Without the custody contract, the timeline is the ledger's alone.
      const ledgerOnly = await readAuditTimeline({ ledger: w.ledger, fromBlock: 0 });
      expect(ledgerOnly.all.some((e) => e.event === "SharesDeposited")).to.equal(false);
    });
  });
});
