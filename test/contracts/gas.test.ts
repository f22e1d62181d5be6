/**
 * Gas of each operation and of a whole four-party share, from mined receipts (gasUsed, so the
 * 21,000 base cost and calldata are included). Targets (benchmark issue):
 *  - a whole share costs less than one EAS attestation with expiry (272,000 gas). The headline
 *    share is three transactions: Ana signs, Insurer relays her consent *with* its request
 *    (requestAccessWithConsent), Bank approves, a supervisor approves. The four-transaction
 *    variant (giveConsentBySig, then requestAccess) is reported for the record, not asserted;
 *  - sealing a batch of 100 releases costs at most 500 gas per release.
 * The table is printed for the record (docs/GAS.md explains it); `npm run bench` compares it
 * with live EAS and ERC-721 baselines.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { Signature, id, type ContractTransactionResponse } from "ethers";
import { SHARE_APPROVAL_TYPES } from "../../sdk/eip712.js";
import {
  Category,
  DEVICE,
  GrantKind,
  POLICY,
  ReceiptTree,
  batchId,
  deploySealshare,
  receiptLeafOf,
  requestIdOf,
  type World,
} from "./fixture.js";

const { networkHelpers } = await network.create();
const load = () => networkHelpers.loadFixture(deploySealshare);

/**
 * `hardhat test --coverage` instruments every statement, which adds gas to every call: the
 * figures (and the targets) mean nothing then, so the suite is skipped under coverage. Hardhat
 * exposes its global options to tests as HARDHAT_<OPTION> environment variables.
 */
const INSTRUMENTED = process.env.HARDHAT_COVERAGE === "true";

const EAS_ATTEST_WITH_EXPIRY = 272_000n;
const MAX_GAS_PER_BATCHED_RELEASE = 500n;

async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<bigint> {
  const receipt = await (await tx).wait();
  return receipt!.gasUsed;
}

/** The headline share, three transactions: Ana signs; Insurer relays it with its request; Bank and sup1 approve. */
async function measureShare(w: World) {
  const terms = await w.consentTerms();
  const signature = await w.signConsent(terms);
  const requestTx = await w.ledger.connect(w.insurer).requestAccessWithConsent(w.requestParams(), terms, signature);
  const requestWithConsent = (await requestTx.wait())!.gasUsed;
  const requestId = await requestIdOf(w.ledger, requestTx);
  const providerApproval = await gasOf(w.ledger.connect(w.bank).approveAsProvider(requestId));
  const supervisorApproval = await gasOf(w.ledger.connect(w.sup1).approveAsSupervisor(requestId));
  expect((await w.expectValid(requestId)).kind).to.equal(BigInt(GrantKind.Formal));
  return {
    requestId,
    requestWithConsent,
    providerApproval,
    supervisorApproval,
    total: requestWithConsent + providerApproval + supervisorApproval,
  };
}

/** The four-transaction variant: Insurer relays Ana's signed consent, then requests, then the two approvals. */
async function measureFourTransactionShare(w: World) {
  const terms = await w.consentTerms();
  const consentBySig = await gasOf(w.ledger.connect(w.insurer).giveConsentBySig(terms, await w.signConsent(terms)));
  const requestTx = await w.ledger.connect(w.insurer).requestAccess(w.requestParams(), terms);
  const request = (await requestTx.wait())!.gasUsed;
  const requestId = await requestIdOf(w.ledger, requestTx);
  const providerApproval = await gasOf(w.ledger.connect(w.bank).approveAsProvider(requestId));
  const supervisorApproval = await gasOf(w.ledger.connect(w.sup1).approveAsSupervisor(requestId));
  expect((await w.expectValid(requestId)).kind).to.equal(BigInt(GrantKind.Formal));
  return {
    requestId,
    consentBySig,
    request,
    providerApproval,
    supervisorApproval,
    total: consentBySig + request + providerApproval + supervisorApproval,
  };
}

const table = new Map<string, [bigint, string]>();
function row(op: string, gas: bigint, note = "") {
  table.set(op, [gas, note]);
}
/** Print order: the life of a share, then the extras. */
const ORDER = [
  "register member",
  "publish encryption key",
  "register dataset (+ first version)",
  "publish version",
  "consent by tx",
  "consent by sig (relayed)",
  "request (consent recorded)",
  "request with consent (relayed sig)",
  "provider approval",
  "granting approval",
  "whole share (3 tx)",
  "whole share, 4 tx",
  "whole share, no temporary stage",
  "reject request",
  "revoke consent",
  "revoke consent by sig (relayed)",
  "cancel a signature in flight",
  "revoke grant",
  "record usage",
  "receipt one-by-one (recordRelease)",
  "batch of 100 (sealReceiptBatch)",
];

describe("Gas", function () {
  before(function () {
    if (INSTRUMENTED) this.skip();
  });

  after(function () {
    if (table.size === 0) return;
    const ops = [...ORDER.filter((op) => table.has(op)), ...[...table.keys()].filter((op) => !ORDER.includes(op))];
    const width = Math.max(...ops.map((op) => op.length));
    const lines = ops.map((op) => {
      const [gas, note] = table.get(op)!;
      return `  ${op.padEnd(width)}  ${gas.toLocaleString("en-US").padStart(9)}${note ? `  ${note}` : ""}`;
    });
    console.log(`\n  Sealshare gas (receipt gasUsed, 21,000 base included)\n${lines.join("\n")}\n`);
  });

  it("a whole four-party share (consent relayed with the request + 2 approvals) costs less than one EAS attestation with expiry (272,000)", async function () {
    const w = await load();
    const first = await measureShare(w);
    const second = await measureShare(w);
    row("request with consent (relayed sig)", second.requestWithConsent, `(first request ever: ${first.requestWithConsent.toLocaleString("en-US")})`);
    row("provider approval", second.providerApproval, "(grants Temporary)");
    row("granting approval", second.supervisorApproval, "(supervisor; upgrades to Formal)");
    row("whole share (3 tx)", second.total, `(first on a fresh ledger: ${first.total.toLocaleString("en-US")}; target < 272,000)`);
    // The target is for a ledger in use (the second share). The first costs about the same: the
    // request counter lives in the Globals slot, already non-zero (key ids) when it goes 0 -> 1.
    // Shares differ by a few dozen gas from calldata (random consent nonce and signature bytes).
    expect(second.total, "a whole share (request with consent + 2 approvals)").to.be.lessThan(EAS_ATTEST_WITH_EXPIRY);
  });

  it("the four-transaction share: consent by sig, then request (for the record)", async function () {
    const w = await load();
    await measureShare(w); // a ledger in use
    const s = await measureFourTransactionShare(w);
    row("consent by sig (relayed)", s.consentBySig);
    row("request (consent recorded)", s.request);
    row("whole share, 4 tx", s.total, "(giveConsentBySig + requestAccess + 2 approvals; not asserted)");
  });

  it("a share without a temporary stage (for the record)", async function () {
    const w = await load();
    await w.ledger.connect(w.bank).setPolicy(w.datasetId, { ...POLICY, maxTemporary: 0 });
    await measureShare(w);
    const s = await measureShare(w);
    row("whole share, no temporary stage", s.total, `(provider approval ${s.providerApproval.toLocaleString("en-US")})`);
  });

  it("the other operations (for the record)", async function () {
    const w = await load();
    await measureShare(w); // warm the counters, as on a ledger in use
    row("register member", await gasOf(w.ledger.connect(w.sup1).registerMember(w.fundHouse.address, id("kyc"), "https://fundhouse.example/m.json")));
    row("publish encryption key", await gasOf(w.ledger.connect(w.fundHouse).publishEncryptionKey(...w.keyArgs(w.fundHouse, DEVICE.fundHouse))));
    row("register dataset (+ first version)", await gasOf(w.ledger.connect(w.bank).registerDataset(w.ana.address, Category.Bond, POLICY, id("src"), await w.version("bonds"))));
    row("publish version", await gasOf(w.ledger.connect(w.bank).publishVersion(w.datasetId, await w.version("deposits v2", w.datasetId))));
    const terms = await w.consentTerms();
    row("consent by tx", await gasOf(w.ledger.connect(w.ana).giveConsent(terms)));
    const { requestId, consentId } = await w.share();
    row("revoke consent", await gasOf(w.ledger.connect(w.ana).revokeConsent(consentId)));
    const bySig = await w.share();
    const deadline = BigInt(await w.time.latest()) + 3_600n;
    row(
      "revoke consent by sig (relayed)",
      await gasOf(w.ledger.connect(w.insurer).revokeConsentBySig(bySig.consentId, deadline, await w.signRevoke(bySig.consentId, deadline))),
    );
    row("cancel a signature in flight", await gasOf(w.ledger.connect(w.ana).revokeConsent(w.consentIdOf(await w.consentTerms()))));
    const { terms: toReject } = await w.consent();
    row("reject request", await gasOf(w.ledger.connect(w.bank).rejectRequest(await w.request(toReject), 1)));
    const other = await w.share();
    row("revoke grant", await gasOf(w.ledger.connect(w.sup2).revokeGrant(other.requestId, 1)));
    row("record usage", await gasOf(w.ledger.connect(w.insurer).recordUsage(requestId, 1, id("csv"))));
    row("receipt one-by-one (recordRelease)", await gasOf(w.ledger.connect(w.custodian).recordRelease(requestId, GrantKind.Formal, id("envelope"))));
  });

  it("a batch of 100 releases costs at most 500 gas per release", async function () {
    const w = await load();
    const now = await w.time.latest();
    const leaves = Array.from({ length: 100 }, (_, i) =>
      receiptLeafOf({ requestId: BigInt(i + 1), kind: GrantKind.Formal, envelopeHash: id(`envelope ${i}`), releasedAt: now + i }),
    );
    const tree = new ReceiptTree(leaves);
    const gas = await gasOf(w.ledger.connect(w.custodian).sealReceiptBatch(batchId(), tree.root, 100));
    row("batch of 100 (sealReceiptBatch)", gas, `(${(gas / 100n).toString()} per release; target <= 500)`);
    expect(gas / 100n).to.be.at.most(MAX_GAS_PER_BATCHED_RELEASE);
    expect(gas).to.be.at.most(MAX_GAS_PER_BATCHED_RELEASE * 100n);
  });
});

// ---------------------------------------------------------------------------------------------
// The one-transaction share (issue 13 item 3): provider and supervisor approvals as EIP-712
// signatures, relayed with the subject's signed consent and the request in one relayShare; and
// fifty such shares in one relayShares. The issue's targets are 0.5x and 0.3x one EAS attest
// (271,795: <= 135,900 and <= 81,500); they are NOT met by this storage layout (docs/GAS.md,
// "One-transaction share" has the arithmetic and the layout change that would meet them). The
// pins below hold the measured figures (+1 %) so that the path cannot silently get dearer.
// ---------------------------------------------------------------------------------------------

const ONE_TX_SHARE_PIN = 198_500n;
const BATCH50_PER_SHARE_PIN = 155_100n;

/** Bank's and sup1's signed approvals of the share (`terms`, `params`) Insurer requests. */
async function signedApprovals(w: World, terms: Awaited<ReturnType<World["consentTerms"]>>, params: ReturnType<World["requestParams"]>) {
  const deadline = BigInt(await w.time.latest()) + 3_600n;
  const base = {
    consentId: w.consentIdOf(terms),
    requester: w.insurer.address,
    datasetId: BigInt(params.datasetId),
    purpose: Number(params.purpose),
    kind: Number(params.kind),
    duration: Number(params.duration),
    deadline,
  };
  const sign = async (signer: typeof w.bank, asSupervisor: boolean) => ({
    approver: signer.address,
    asSupervisor,
    deadline,
    signature: Signature.from(await signer.signTypedData(w.domain, SHARE_APPROVAL_TYPES, { ...base, approver: signer.address, asSupervisor })).compactSerialized,
  });
  return [await sign(w.bank, false), await sign(w.sup1, true)];
}

/** The arguments of one relayShare: Ana's signed consent, Insurer's request, both approvals. */
async function relayArgs(w: World) {
  const terms = await w.consentTerms();
  const params = w.requestParams();
  return [params, terms, await w.signConsent(terms), await signedApprovals(w, terms, params)] as const;
}

(INSTRUMENTED ? describe.skip : describe)("Gas of the one-transaction share (signed approvals)", function () {
  const table = new Map<string, [bigint, string]>();
  after(function () {
    if (table.size === 0) return;
    const lines = [...table].map(([op, [gas, note]]) => `  ${op.padEnd(34)}  ${gas.toLocaleString("en-US").padStart(9)}  ${note}`);
    console.log(`\n  One-transaction share (receipt gasUsed, 21,000 base included)\n${lines.join("\n")}\n`);
  });

  it(`a whole four-party share in one relayShare stays at or under its pin (${ONE_TX_SHARE_PIN.toLocaleString("en-US")}; issue target 135,900 not met)`, async function () {
    const w = await load();
    await measureShare(w); // a ledger in use
    await gasOf(w.ledger.connect(w.insurer).relayShare(...(await relayArgs(w)))); // the verifier's first call
    const tx = await w.ledger.connect(w.insurer).relayShare(...(await relayArgs(w)));
    const gas = (await tx.wait())!.gasUsed;
    expect((await w.expectValid(await requestIdOf(w.ledger, tx))).kind).to.equal(BigInt(GrantKind.Formal));
    table.set("share in one tx (relayShare)", [gas, `(x${(Number(gas) / 271_795).toFixed(2)} EAS attest; target <= 135,900)`]);
    expect(gas).to.be.at.most(ONE_TX_SHARE_PIN);
  });

  it(`fifty shares in one relayShares stay at or under their pin per share (${BATCH50_PER_SHARE_PIN.toLocaleString("en-US")}; issue target 81,500 not met)`, async function () {
    const w = await load();
    await measureShare(w);
    const calls = [];
    for (let i = 0; i < 50; i++) calls.push(w.ledger.interface.encodeFunctionData("relayShare", [...(await relayArgs(w))]));
    const gas = await gasOf(w.ledger.connect(w.insurer).relayShares(calls));
    const perShare = gas / 50n;
    table.set("50 shares in one tx, per share", [perShare, `(x${(Number(perShare) / 271_795).toFixed(2)} EAS attest; target <= 81,500; whole tx ${gas.toLocaleString("en-US")})`]);
    expect(perShare).to.be.at.most(BATCH50_PER_SHARE_PIN);
  });
});
