/**
 * End to end: the whole story (../shared/SCENARIOS.md) on a real node — `hardhat node` and
 * Anvil (SEALSHARE_TEST_NODES; both by default) — with the custodian running as its own process
 * exactly as `npm run demo` runs it, then a scan of every line the custodian logged for the keys,
 * signatures and plaintext the run handled.
 */
import { expect } from "chai";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hexlify, JsonRpcProvider, randomBytes, Wallet } from "ethers";
import { deployLedger } from "../../sdk/contracts.js";
import { writeDeployment } from "../../sdk/deployment-file.js";
import { startLocalChain, testNodes, type LocalChain } from "../../devkit/local-chain.js";
import { startCustodianProcess, type CustodianProcess } from "../../devkit/custodian-process.js";
import { playStory, type StoryResult } from "../../scripts/lib/story.js";

for (const node of testNodes()) describe(`end to end on ${node}: one consented, supervised share`, function () {
  this.timeout(180_000);
  let chain: LocalChain;
  let provider: JsonRpcProvider;
  let custodian: CustodianProcess;
  let workDir: string;
  let result: StoryResult;
  const custodianSecrets = { ecies: hexlify(randomBytes(32)), master: hexlify(randomBytes(32)) };
  const lines: string[] = [];

  before(async function () {
    workDir = await mkdtemp(join(tmpdir(), "sealshare-e2e-"));
    chain = await startLocalChain({ node, accounts: 8 });
    provider = new JsonRpcProvider(chain.url, undefined, { pollingInterval: 100, cacheTimeout: -1 });
    const [deployerKey, supKey, bankKey, insurerKey, lenderKey, anaKey, custodianKey] = chain.accounts as [string, string, string, string, string, string, string];
    const { deployment } = await deployLedger(new Wallet(deployerKey, provider), {
      supervisors: [new Wallet(supKey).address],
      custodian: new Wallet(custodianKey).address,
    });
    const deploymentPath = join(workDir, "deployment.json");
    await writeDeployment(deploymentPath, deployment);
    custodian = await startCustodianProcess({
      rpcUrl: chain.url,
      deploymentPath,
      dbPath: join(workDir, "custodian.db"),
      logPath: join(workDir, "custodian.log"),
      custodianKey,
      eciesKey: custodianSecrets.ecies,
      masterKey: custodianSecrets.master,
    });
    result = await playStory({
      provider,
      deployment,
      custodianUrl: custodian.url,
      keys: [deployerKey, supKey, bankKey, insurerKey, lenderKey, anaKey],
      workDir,
      recordBytes: 2_000_000,
      say: (line) => lines.push(line),
    });
    await custodian.stop();
  });

  after(async function () {
    await custodian?.stop();
    provider?.destroy();
    await chain?.stop();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it("passes every check of the story", function () {
    const failed = result.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
    expect(failed, lines.join("\n")).to.deep.equal([]);
    expect(result.checks.length).to.be.greaterThanOrEqual(15);
  });

  it("gives the insurer exactly the bytes the bank encrypted", function () {
    expect(result.decryptedSha256).to.equal(result.originalSha256);
  });

  it("converts the received records to CSV with one row per record", async function () {
    const csv = (await readFile(result.csvPath, "utf8")).trim().split("\n");
    expect(csv[0]).to.match(/^subject,seq,kind,date/);
    expect(csv.length).to.be.greaterThan(1000);
  });

  it("rebuilds the timeline from events: the category floor, consent, request, three approvals, one formal grant, one release, revocation", function () {
    const events = result.timeline.map((e) => e.event);
    for (const name of ["CategoryMinimumChanged", "ConsentGiven", "AccessRequested", "AccessApproved", "AccessGranted", "KeyReleased", "UsageRecorded", "ConsentRevoked"]) {
      expect(events, name).to.include(name);
    }
    // The floor (two supervisors, temporary grants only after the quorum): no temporary grant, so
    // one grant and one release, both after the third approval (provider, supervisor, supervisor).
    expect(events.filter((e) => e === "AccessApproved")).to.have.length(3);
    expect(events.filter((e) => e === "AccessGranted")).to.have.length(1);
    expect(events.filter((e) => e === "KeyReleased")).to.have.length(1);
    expect(events.lastIndexOf("AccessApproved")).to.be.lessThan(events.indexOf("AccessGranted"));
    expect(events.indexOf("KeyReleased")).to.be.greaterThan(events.indexOf("AccessGranted"));
  });

  it("leaves a ledger the auditor's verifyLedger finds no violation in", function () {
    expect(result.audit.violations, JSON.stringify(result.audit.violations)).to.deep.equal([]);
    expect(result.audit.checked.grants).to.equal(1);
    expect(result.audit.checked.releases).to.equal(1);
  });

  it("never logs a data key, private key, signature or plaintext", async function () {
    const log = await readFile(custodian.logPath, "utf8");
    expect(log.split("\n").length).to.be.greaterThan(5); // it did log the run
    const secrets = [...result.secrets, custodianSecrets.ecies, custodianSecrets.master, chain.accounts[6]!];
    for (const secret of secrets) {
      const needle = secret.startsWith("0x") ? secret.slice(2).toLowerCase() : secret;
      expect(log.toLowerCase().includes(needle.toLowerCase()), `log contains a secret (${secret.slice(0, 10)}…)`).to.equal(false);
    }
  });
});
