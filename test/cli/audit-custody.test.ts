/**
 * `sealshare audit` on a deployment with threshold custody (the real CLI on a real local chain,
 * the deployment file naming the custody contract): a 2-of-3 set (custodian, lender, mallory as
 * custodian accounts) holds the shares of a version; the Insurer asked for it; the custodian at
 * index 1 signed a share envelope whose share fails the shares root, and the Insurer kept it as
 * evidence; the provider ordered a shred that only the first custodian confirmed.
 *
 * - `audit verify --evidence <dir>` two days later: SHRED_NOT_CONFIRMED for each silent custodian
 *   (by address) and BAD_SHARE naming the custodian that signed the bad share; exit 1.
 * - `--shred-deadline 7d` without evidence: no violation, exit 0.
 * - `audit timeline dataset <id>` shows the deposit, the order and the confirmation in words.
 */
import { expect } from "chai";
import { mkdtemp } from "node:fs/promises";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { hexlify, id, randomBytes, Wallet } from "ethers";
import { connectCustody, CUSTODIAN_ROLE, type SealshareCustody } from "../../sdk/contracts.js";
import { generateEncryptionKeyPair } from "../../sdk/crypto/ecies.js";
import { consentTerms, DAY, giveConsent, mined, publishCustodianKey, publishDeviceKey, registerCustodianSet, registerMembers, registerPlaceholderDataset } from "../../devkit/build.js";
import { splitDataKey } from "../../sdk/threshold/split.js";
import { commitShares } from "../../sdk/threshold/commitment.js";
import { wrapShare } from "../../sdk/threshold/wrap.js";
import { custodianDomain } from "../../sdk/eip712.js";
import { signEnvelope } from "../../sdk/envelope.js";
import { shareEvidence } from "../../sdk/audit/share-evidence.js";
import { writeShareEvidence } from "../../sdk/audit/evidence-folder.js";
import type { Sealshare } from "../../sdk/contracts.js";
import { explain, startCliWorld, type CliWorld } from "./helpers.js";

describe("CLI audit of threshold custody: shred deadlines and bad-share evidence", function () {
  this.timeout(300_000);
  let w: CliWorld;
  let evidenceDir: string;
  let datasetId: bigint;

  before(async function () {
    w = await startCliWorld();
    const as = (role: keyof CliWorld["keys"]) => new Wallet(w.keys[role], w.provider);
    const ledger = (s: Wallet) => w.ledger.connect(s) as Sealshare;
    const custody: SealshareCustody = connectCustody(w.deployment.custody!, w.provider);
    const custodians = [as("custodian"), as("lender"), as("mallory")];
    for (const c of custodians.slice(1)) await mined(ledger(as("admin")).grantRole(CUSTODIAN_ROLE, c.address));
    for (const c of custodians) await publishCustodianKey(w.ledger, c, generateEncryptionKeyPair());
    const setId = Number(await registerCustodianSet(custody, as("admin"), custodians.map((c) => c.address), 2));

    await registerMembers(w.ledger, as("supervisor"), [w.addr.bank, w.addr.insurer]);
    const ds = await registerPlaceholderDataset(w.ledger, w.deployment, as("bank"), w.addr.ana, { requireProvider: false, supervisorQuorum: 0, maxTemporary: 3600, maxFormal: 30 * DAY });
    datasetId = ds.datasetId;
    const slot = { chainId: BigInt(w.deployment.chainId), custody: w.deployment.custody!, datasetId, version: 1, setId };
    const shares = await splitDataKey(ds.dek, { n: 3, t: 2 });
    const commitment = commitShares(slot, shares);
    await mined((custody.connect(as("bank")) as SealshareCustody).depositShares(datasetId, 1, setId, commitment.root));

    // The Insurer asks for the dataset, for its laptop's key.
    const device = id("insurer-laptop");
    const laptop = generateEncryptionKeyPair();
    await publishDeviceKey(w.ledger, as("insurer"), device, laptop);
    const now = BigInt((await w.provider.getBlock("latest"))!.timestamp);
    const terms = consentTerms({ subject: w.addr.ana, requester: w.addr.insurer, datasetId, now });
    await giveConsent(w.ledger, as("ana"), terms);
    const tx = await mined(ledger(as("insurer")).requestAccess({ datasetId, version: 0, purpose: terms.purpose, kind: 2, duration: 7 * DAY, deviceId: device }, terms));
    const requestId = w.ledger.interface.parseLog((await tx.wait())!.logs.find((l) => w.ledger.interface.parseLog(l)?.name === "AccessRequested")!)!.args.requestId as bigint;

    // The custodian at index 1 (lender's account) signs an envelope with a share that is not its own.
    const lie = await signEnvelope(as("lender"), custodianDomain(BigInt(w.deployment.chainId), w.deployment.ledger), {
      requestId: requestId.toString(),
      datasetId: datasetId.toString(),
      version: 1,
      kind: 2,
      expiresAt: Number(now) + 7 * DAY,
      keyId: Number(await w.ledger.currentKeyId(w.addr.insurer, device)),
      wrappedKey: hexlify(wrapShare(laptop.publicKey, randomBytes(33))),
      share: { setId, index: 1, threshold: 2, proof: commitment.shareProof(1) },
    });
    const evidence = shareEvidence({ envelope: lie, devicePrivateKey: laptop.privateKey, slot, sharesRoot: commitment.root });
    expect(evidence, "the bad share makes evidence").to.not.equal(undefined);
    evidenceDir = await mkdtemp(join(tmpdir(), "sealshare-evidence-"));
    await writeShareEvidence(evidenceDir, [evidence!]);

    // The provider orders the shred; only the first custodian confirms; two days pass.
    await mined((custody.connect(as("bank")) as SealshareCustody).orderShred(datasetId, 1));
    await mined((custody.connect(custodians[0]!) as SealshareCustody).confirmShred(datasetId, 1, setId));
    await w.increaseTime(2 * DAY);
  });

  after(async function () {
    await w?.stop();
  });

  it("audit verify --evidence: SHRED_NOT_CONFIRMED for each silent custodian and BAD_SHARE naming the custodian that signed the bad share; exit 1", async function () {
    const r = await w.cli(["audit", "verify", "--no-blobs", "--evidence", evidenceDir]);
    expect(r.code, explain(r)).to.equal(1);
    const custodyViolations = (r.json.violations as { check: string; code: string; custodian: string }[]).filter((v) => v.check === "custody").map((v) => [v.code, v.custodian]);
    expect(custodyViolations).to.deep.equal([
      ["SHRED_NOT_CONFIRMED", w.addr.lender],
      ["SHRED_NOT_CONFIRMED", w.addr.mallory],
      ["BAD_SHARE", w.addr.lender],
    ]);
    expect(r.json.refusedEvidence).to.deep.equal([]);
    expect(r.json.checked).to.include({ shredOrders: 1, evidence: 1 });

    const human = await w.cli(["audit", "verify", "--no-blobs", "--evidence", evidenceDir], { human: true });
    expect(human.code).to.equal(1);
    expect(human.stdout).to.contain("custody:     1 shred order(s), 1 piece(s) of share evidence checked");
    expect(human.stdout).to.contain(`VIOLATION [custody] BAD_SHARE: request #`).and.contain(w.addr.lender);
  });

  it("audit verify --shred-deadline 7d: the confirmations are not late yet, no violation, exit 0", async function () {
    const r = await w.cli(["audit", "verify", "--no-blobs", "--shred-deadline", "7d"]);
    expect(r.code, explain(r)).to.equal(0);
    expect(r.json.ok).to.equal(true);
    expect((r.json.notes as string[]).filter((n) => n.includes("has not confirmed yet"))).to.have.length(2);
  });

  it("audit timeline dataset: the custody story in words", async function () {
    const r = await w.cli(["audit", "timeline", "dataset", String(datasetId)], { human: true });
    expect(r.code, explain(r)).to.equal(0);
    expect(r.stdout).to.match(/dataset #\d+ v1: key shares deposited with custodian set #1/);
    expect(r.stdout).to.contain("bank ordered custodian set #1 to shred its key shares");
    expect(r.stdout).to.contain("custodian custodian (share 0 of set #1) confirmed it shredded its share");
  });
});
