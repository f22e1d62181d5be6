/**
 * Fault tests with real processes: a `hardhat node` and the custodian as a child process
 * (service/main.ts), as in production.
 *
 *  (a) Reorgs: evm_snapshot, grants on a branch shorter than the confirmation depth, evm_revert,
 *      a longer other branch. The orphaned grants are never released, what was derived from
 *      them is rolled back, and the grants of the surviving branch are released and sealed.
 *  (b) Crashes: the custodian is SIGKILLed at random moments while grants (some revoked at once)
 *      pour in and the chain reorganizes (scripts/lib/faults-core.ts); in the end every valid
 *      grant has exactly one envelope and one receipt in a batch sealed on chain, and nothing
 *      else was released. Short form by default; SEALSHARE_FAULTS_LONG=1 for the long one.
 */
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getAddress, hexlify, randomBytes } from "ethers";
import { writeDeployment } from "../../sdk/deployment-file.js";
import { CustodianClient } from "../../sdk/custodian-client.js";
import { GrantKind } from "../../sdk/vocabulary.js";
import { startCustodianProcess, type CustodianProcess } from "../../devkit/custodian-process.js";
import { formatReport, runFaults } from "../../scripts/lib/faults-core.js";
import { openSqliteStore } from "../../service/store/sqlite.js";
import { createWorld, eventually, type World } from "../../devkit/world.js";
import { testNodes } from "../../devkit/local-chain.js";

const LONG = process.env.SEALSHARE_FAULTS_LONG === "1";

describe("faults (a): reorgs under a running custodian process", function () {
  this.timeout(240_000);
  let world: World;
  let tmp: string;
  let proc: CustodianProcess | undefined;

  before(async function () {
    world = await createWorld();
    tmp = mkdtempSync(join(tmpdir(), "sealshare-reorg-"));
  });
  afterEach(async function () {
    if (this.currentTest?.state === "failed" && proc) {
      const { readFile } = await import("node:fs/promises");
      const text = await readFile(proc.logPath, "utf8").catch(() => "");
      console.log(text.split("\n").filter((l) => /"level":"(warn|error)"|released|reorg|batch/.test(l)).slice(-25).join("\n"));
    }
  });
  after(async function () {
    await proc?.stop("SIGKILL");
    await world?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it("never releases a grant whose block is orphaned before the confirmation depth, and rolls back what it derived", async function () {
    const CONF = 3;
    const deploymentPath = join(tmp, "deployment.json");
    await writeDeployment(deploymentPath, world.deployment);
    const dbPath = join(tmp, "custodian.db");
    proc = await startCustodianProcess({
      rpcUrl: world.chain.url,
      deploymentPath,
      dbPath,
      logPath: join(tmp, "custodian.log"),
      custodianKey: world.chain.accounts[2]!,
      eciesKey: hexlify(world.secrets.eciesKey),
      masterKey: hexlify(world.secrets.masterKey),
      confirmations: CONF,
      pollMs: 100,
      receipts: "batch",
      timeoutMs: 180_000,
      env: { SEALSHARE_BATCH_MAX_AGE_MS: "500" },
    });
    const client = new CustodianClient(proc.url, { chainId: world.deployment.chainId, ledger: world.deployment.ledger });
    const { encryptionKey } = await client.info();
    const deposit = async () => {
      const ds = await world.registerDataset();
      await client.depositKey(world.accounts.bank, { datasetId: ds.datasetId, version: 1, dek: ds.dek, custodianKey: encryptionKey });
      return ds;
    };
    const orphanDs = await deposit();
    const keptDs = await deposit();
    // Give the custodian a stable base, then fork.
    for (let i = 0; i < CONF; i++) await world.provider.send("evm_mine", []);
    const snapshot = (await world.provider.send("evm_snapshot", [])) as string;
    const base = await world.provider.getBlockNumber();

    // Branch A: a formal grant on the orphan dataset, 4 blocks (consent, request, 2 approvals) = CONF + 1
    // would be final; so only request + provider approval here: the grant needs the supervisor.
    const { terms } = await world.consent(orphanDs.datasetId);
    const orphanReq = await world.request(terms, orphanDs.datasetId);
    await world.approveByProvider(orphanReq);
    await world.approveBySupervisor(orphanReq); // granted at base + 4
    // The custodian sees the grant (unfinalized): the request state exists, no release row.
    const db = await openSqliteStore(dbPath, { chainId: world.deployment.chainId, ledger: getAddress(world.deployment.ledger), startBlock: world.deployment.deployBlock });
    try {
      await eventually(async () => ((await db.request(orphanReq.toString()))?.kind === GrantKind.Formal ? true : undefined), "the orphan grant seen", 60_000);
      expect(await db.releases(orphanReq.toString())).to.deep.equal([]);
      const branchA = await world.provider.getBlockNumber();
      expect(branchA - base).to.equal(4);
      // Not yet final: branchA − CONF < grant block. Reorganize it away.
      expect(await world.provider.send("evm_revert", [snapshot])).to.equal(true);

      // Branch B: a grant on the kept dataset, and enough blocks to out-grow branch A.
      const kept = await world.grantedRequest(keptDs);
      while ((await world.provider.getBlockNumber()) < branchA + CONF + 2) await world.provider.send("evm_mine", []);
      expect(kept.requestId).to.equal(orphanReq); // same id, another grant: only the chain tells them apart

      const released = await eventually(
        async () => {
          const [row] = await db.releases(kept.requestId.toString());
          if (row?.status === "released" && row.receiptState === "confirmed") return row;
          await world.provider.send("evm_mine", []); // blocks keep coming, so the seal becomes final
          return undefined;
        },
        "the surviving grant released and sealed",
        120_000,
        300,
      );
      // The one envelope is for branch B's grant (its dataset), never branch A's.
      expect(released.envelope!.datasetId).to.equal(keptDs.datasetId.toString());
      expect(await db.releases(kept.requestId.toString())).to.have.length(1);
      const state = await db.request(kept.requestId.toString());
      expect(state?.datasetId).to.equal(keptDs.datasetId.toString()); // branch A's facts were rolled back
      const [proof] = await db.receiptProofs(kept.requestId.toString());
      expect(await world.ledger.verifyReceipt(proof!.batchId!, proof!.leaf!, proof!.proof!)).to.equal(true);
      // Headers kept by the follower are the canonical ones.
      for (const h of (await db.blocks()).slice(-5)) expect(h.hash).to.equal((await world.provider.getBlock(h.number))!.hash);
    } finally {
      await db.close();
    }
  });
});

// On every test node: on Anvil the reorgs are real (dropped, moved, replaced, rolled back; see
// scripts/lib/faults-core.ts), on Hardhat simulated with snapshots.
for (const node of testNodes()) describe(`faults (b): SIGKILL at random points, with ${node === "anvil" ? "real reorgs on anvil" : "reorgs on hardhat"}`, function () {
  this.timeout(LONG ? 3_600_000 : 600_000);

  // A grant revoked one block after it was granted (inside the confirmation window) must never be
  // released, even when the custodian restarts and ingests that window in several steps: the
  // worker re-checks each grant at the head as well as at the finalized block (release/worker.ts).
  it(`every valid grant ends with exactly one envelope and one sealed receipt; nothing else is released (${LONG ? "long" : "short"} form)`, async function () {
    const lines: string[] = [];
    const report = await runFaults({
      node,
      cycles: LONG ? 30 : 5,
      grants: LONG ? 300 : 40,
      reorgs: LONG ? 8 : node === "anvil" ? 4 : 2, // Anvil: one of each kind
      confirmations: 3,
      settleTimeoutMs: LONG ? 300_000 : 150_000,
      log: (l) => lines.push(l),
    });
    const line = formatReport(report);
    console.log(`      ${line}`);
    expect(report.problems, [...lines, ...report.problems].join("\n")).to.deep.equal([]);
    expect([report.unauthorized, report.lost, report.duplicated]).to.deep.equal([0, 0, 0]);
    // The auditor's check of the final chain with the custodian's proofs finds nothing wrong
    // (releases dated with the chain: never before their grant).
    expect(report.auditViolations).to.equal(0);
    expect(report.released).to.equal(report.valid);
    expect(report.valid).to.be.greaterThan(0);
    expect(report.kills).to.equal(report.cycles);
    expect(report.reorgs).to.be.greaterThan(0);
    expect(report.orphaned).to.be.greaterThan(0);
    expect(report.revoked).to.be.greaterThan(0);
    expect(line).to.match(new RegExp(`^faults: node=${node} cycles=\\d+ reorgs=\\d+ grants=\\d+ released=\\d+ unauthorized=0 lost=0 duplicated=0$`));
  });
});
