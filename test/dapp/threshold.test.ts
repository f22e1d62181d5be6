/**
 * Threshold custody in a real browser (Debian's Chromium, driven by playwright-core): a 2-of-3
 * custodian set — three custodian processes, each its own account, ECIES key, SQLite file and port
 * (devkit/custodian-set.ts) — holds the shares of a dataset's key; one custodian is stopped; the
 * insurer's requester page fetches and decrypts through the SDK's threshold path (the dapp config
 * names the custody contract and every custodian's URL), shows each custodian's answer, and saves
 * exactly the bytes the bank encrypted. Then custodian 2 lies (devkit/lying-custodian.ts: a wrong,
 * well-formed share signed with its own key) while custodian 3 is still down: the page rebuilds
 * nothing and names custodian 2 for its bad share.
 *
 * What the case is not about (members, device key, the dataset, its shares, consent, request and
 * approvals) is set up through the SDK (lib/seed.ts, depositShares).
 */
import { expect } from "chai";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { Wallet } from "ethers";
import { depositShares } from "../../sdk/actions/deposit-shares.js";
import { registerDataset } from "../../sdk/actions/register-dataset.js";
import { listReleases } from "../../sdk/actions/list-releases.js";
import { connectLedger, deployCustody, type SealshareCustody } from "../../sdk/contracts.js";
import { CustodianClient } from "../../sdk/custodian-client.js";
import { writeDeployment } from "../../sdk/deployment-file.js";
import { deriveAccounts } from "../../devkit/local-chain.js";
import { startCustodianSet, type CustodianSet } from "../../devkit/custodian-set.js";
import { startLyingCustodian } from "../../devkit/lying-custodian.js";
import { custodianDomain } from "../../sdk/eip712.js";
import { eventually } from "../../devkit/world.js";
import { writeSampleRecords } from "../../devkit/sample-records.js";
import { waitForText } from "./lib/page-checks.js";
import { actAs, POLICY, registerDeviceKey, registerMembers, request } from "./lib/seed.js";
import { startWorld, type Role, type World } from "./lib/world.js";
import { ConfigError, parseConfig } from "../../dapp/src/lib/config.js";

describe("dapp config: threshold custody's fields", function () {
  const LEDGER = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
  const CUSTODY = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512";
  const base = { chainId: 31337, ledger: LEDGER, deployBlock: 1, custodianUrl: "/custodian/", blobUrl: "/blobs/{scheme}/{sha256}" };

  it("reads the custody contract and every custodian's URL (resolved against the app, no trailing slash)", function () {
    const c = parseConfig({ ...base, custody: CUSTODY.toLowerCase(), custodianUrls: ["http://127.0.0.1:8601/", "/c2"] }, "http://127.0.0.1:5173/");
    expect(c.custody).to.equal(CUSTODY);
    expect(c.custodianUrls).to.deep.equal(["http://127.0.0.1:8601", "http://127.0.0.1:5173/c2"]);
  });

  it("without them: no custody contract, and the one custodian is the only URL", function () {
    const c = parseConfig(base, "http://127.0.0.1:5173/");
    expect(c).to.not.have.property("custody");
    expect(c.custodianUrls).to.deep.equal(["http://127.0.0.1:5173/custodian"]);
  });

  it("names the field that is wrong", function () {
    expect(() => parseConfig({ ...base, custody: "0x12" })).to.throw(ConfigError, /^custody must be the custody contract address$/);
    expect(() => parseConfig({ ...base, custodianUrls: [] })).to.throw(ConfigError, /custodianUrls must be a list of 1 to 16 URLs/);
    expect(() => parseConfig({ ...base, custodianUrls: "http://a" })).to.throw(ConfigError, /custodianUrls must be a list/);
    expect(() => parseConfig({ ...base, custodianUrls: ["http://a", 7] })).to.throw(ConfigError, /custodianUrls\[1\] must be a URL/);
  });
});

describe("dapp: threshold custody, a 2-of-3 set with one custodian down, in Chromium", function () {
  this.timeout(300_000);
  let world: World;
  let set: CustodianSet;
  let custody: SealshareCustody;
  let insurer: Role;
  let records: Buffer;
  let requestId: bigint;
  let keys: string[];

  before(async function () {
    this.timeout(300_000);
    world = await startWorld();
    const admin = new Wallet(world.chain.accounts[0]!, world.provider);
    const ledger = connectLedger(world.deployment.ledger, admin);
    ({ custody } = await deployCustody(admin, world.deployment.ledger));
    const dir = join(world.workDir, "custodian-set");
    await mkdir(dir, { recursive: true });
    const deploymentPath = join(dir, "deployment.json");
    await writeDeployment(deploymentPath, { ...world.deployment, custody: await custody.getAddress() });
    // Three accounts the world does not use (the node funds twenty).
    const custodianKeys = deriveAccounts(11).slice(8, 11);
    keys = custodianKeys;
    set = await startCustodianSet({
      rpcUrl: world.chain.url,
      deploymentPath,
      dir,
      ledger,
      custody,
      admin,
      custodianKeys,
      threshold: 2,
      receipts: "single",
      env: { SEALSHARE_CORS_ORIGINS: world.server.origin },
      timeoutMs: 180_000,
    });
    world.server.setConfig({ ...world.config, custody: await custody.getAddress(), custodianUrls: set.urls() });

    const file = join(world.workDir, "ana.ndjson");
    await writeSampleRecords(file, { subject: world.addresses.ana, bytes: 48_000 });
    records = await readFile(file);
    await registerMembers(world, ["bank", "insurer"]);
    await registerDeviceKey(world, "insurer", "underwriting-laptop");
    const bank = { ...actAs(world, "bank"), custody: custody.connect(world.wallet("bank")) as SealshareCustody };
    const ds = await registerDataset(bank, { subject: world.addresses.ana, category: "deposit", policy: POLICY, source: { plaintext: file }, blobStore: world.server.blobs });
    try {
      const clients = set.urls().map((u) => new CustodianClient(u, { chainId: world.deployment.chainId, ledger: world.deployment.ledger }));
      const dealt = await depositShares(bank, { datasetId: ds.datasetId, version: ds.version, setId: set.setId, dek: ds.dek, custodians: clients });
      expect(dealt.delivered.map((d) => d.index)).to.deep.equal([0, 1, 2]);
    } finally {
      ds.dek.fill(0);
    }
    // Custodian 3 goes down before the grant: the two others hold the threshold.
    await set.stop(2);
    requestId = await request(world, { requester: "insurer", subject: "ana", datasetId: ds.datasetId, device: "underwriting-laptop", approvals: ["provider", "supervisor"] });
    insurer = await world.role("insurer");
    await insurer.go("/requester");
    await insurer.connect();
  });

  after(async function () {
    await set?.stopAll();
    await world?.stop();
  });

  it("rebuilds the key from the two running custodians' shares, shows each custodian's answer, and saves the bank's bytes", async function () {
    const row = insurer.request(requestId);
    await row.getByLabel("Format").selectOption("original");
    const [file] = await Promise.all([insurer.page.waitForEvent("download", { timeout: 120_000 }), row.getByRole("button", { name: `Fetch and decrypt request ${requestId}` }).click()]);
    const result = row.getByTestId("fetch-result");
    await waitForText(result, /Decrypted/);
    expect(Buffer.compare(await readFile((await file.path())!), records)).to.equal(0);
    expect(await result.innerText()).to.match(/rebuilt from the shares of 2 custodians/);

    const progress = row.getByTestId("custodian-progress").locator("li");
    expect(await progress.count()).to.equal(3);
    const statuses = await progress.evaluateAll((items) => items.map((li) => li.getAttribute("data-status")));
    expect(statuses).to.deep.equal(["answered", "answered", "unreachable"]);
    expect(await progress.nth(2).innerText()).to.match(/^Custodian 3 \(127\.0\.0\.1:\d+\): unreachable$/);
    await insurer.shot("threshold-requester-fetch");

    // On chain: the two running custodians, and no one else, recorded releases of their shares
    // (a release per grant kind: the policy lets a temporary grant come before the formal one).
    const running = [set.members[0]!.address, set.members[1]!.address].sort();
    let senders: string[] = [];
    await eventually(async () => {
      const releases = await listReleases(actAs(world, "insurer"), { requestId });
      senders = await Promise.all(releases.map(async (r) => (await world.provider.getTransaction(r.txHash))!.from));
      // Both running custodians, each with all its receipts on chain (one per grant kind released).
      const count = (a: string) => senders.filter((s) => s === a).length;
      return [...new Set(senders)].length === 2 && count(running[0]!) === count(running[1]!) ? true : undefined;
    }, "releases by both running custodians", 60_000, 500).catch((err: Error) => {
      throw new Error(`${err.message} (senders: ${senders.join(", ")})`);
    });
    expect([...new Set(senders)].sort()).to.deep.equal(running);
    expect(senders.filter((a) => a === running[0]).length).to.equal(senders.filter((a) => a === running[1]).length);
    expect(insurer.errors).to.deep.equal([]);
  });

  it("names custodian 2 when it answers a wrong share while custodian 3 is down, and rebuilds nothing", async function () {
    const liar = set.members[1]!;
    const proxy = await startLyingCustodian({
      upstream: liar.url,
      custodian: new Wallet(keys[1]!),
      domain: custodianDomain(BigInt(world.deployment.chainId), world.deployment.ledger),
      ledger: connectLedger(world.deployment.ledger, world.provider),
    });
    try {
      world.server.setConfig({ ...world.config, custody: await custody.getAddress(), custodianUrls: [set.members[0]!.url, proxy.url, set.members[2]!.url] });
      const again = await world.role("insurer"); // a fresh tab reads the new config
      await again.go("/requester");
      await again.connect();
      const row = again.request(requestId);
      await row.getByRole("button", { name: `Fetch and decrypt request ${requestId}` }).click();
      const refused = row.getByTestId("fetch-result").locator('[data-code="THRESHOLD_NOT_ENOUGH"]');
      await refused.waitFor({ timeout: 60_000 });
      const text = await refused.innerText();
      expect(text).to.include(`custodian ${liar.address} (index 1) gave a bad share`);
      expect(text).to.include(set.members[2]!.address);
      expect(proxy.lies).to.be.greaterThan(0);
      const statuses = await row.getByTestId("custodian-progress").locator("li").evaluateAll((items) => items.map((li) => li.getAttribute("data-status")));
      expect(statuses).to.deep.equal(["answered", "answered", "unreachable"]);
      await again.shot("threshold-requester-liar-named");
      expect(again.errors).to.deep.equal([]);
    } finally {
      await proxy.close();
    }
  });
});
