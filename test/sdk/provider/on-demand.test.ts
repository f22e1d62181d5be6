/**
 * On-demand datasets end to end, on a real `hardhat node` with the key custodian running as its
 * own process: the bank registers datasets with a source reference and no version; the subject
 * consents; a requester asks; the provider worker (sdk/provider/worker.ts) pulls the subject's
 * records from PostgreSQL (the real server at 127.0.0.1:5432; a folder stands in only if no
 * server answers) or a folder, publishes a version and deposits its key; approvals land; the
 * requester fetches the key and decrypts the data as CSV and NDJSON equal to the source records.
 *
 * Also: the worker serves only its own on-demand datasets; running it again over the same events
 * (same checkpoint, or none at all) publishes nothing new; a deposit interrupted after publishing
 * is finished by the next worker from the checkpoint; failures are typed and bounded; and the
 * CLI (`dataset register-on-demand`, `provider check`, `provider serve --once`, `dataset
 * decrypt --format csv`) does the same from the command line.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { hexlify, id, Wallet } from "ethers";
import pg from "pg";
import { LocalBlobStore } from "../../../sdk/blob/index.js";
import { CustodianClient } from "../../../sdk/custodian-client.js";
import { generateEncryptionKeyPair, type EncryptionKeyPair } from "../../../sdk/crypto/ecies.js";
import { parseRecords, type DataRecord } from "../../../sdk/convert/records.js";
import { fileText } from "../../../sdk/convert/records-file.js";
import {
  approveRequest,
  decryptDataset,
  fetchKey,
  getDataset,
  publishEncryptionKey,
  registerDataset,
  registerMember,
  registerOnDemandDataset,
  requestAccess,
  signConsent,
  type SealshareContext,
} from "../../../sdk/actions/index.js";
import { OnDemandWorker, type OnDemandWorkerOptions, type WorkerEvent } from "../../../sdk/provider/worker.js";
import { SourceRegistry, type SourcesFileSettings } from "../../../sdk/sources/registry.js";
import { writeDeviceKey } from "../../../cli/lib/keyfiles.js";
import { pgAdminUrl } from "../../helpers/pg.js";
import { explain, ROOT, startCliWorld, type CliWorld, type Role } from "../../cli/helpers.js";

const POLICY = { requireProvider: true, supervisorQuorum: 1, maxTemporary: 0, maxFormal: 30 * 86_400 };
/** No approval at all: the worker's advanceRequest after publishing is what grants. */
const OPEN_POLICY = { requireProvider: false, supervisorQuorum: 0, maxTemporary: 0, maxFormal: 7 * 86_400 };

/** Ana's deposits as the source holds them, and as the requester must receive them (normalized). */
const DEPOSIT_ROWS = [
  { account: "DE-001", currency: "EUR", balance: "1520.75", as_of: "2025-03-01T00:00:00.000Z", meta: { joint: false, branch: "Lakeside" } }, // jsonb's key order
  { account: "DE-002", currency: "USD", balance: "-12.50", as_of: "2025-03-02T09:30:00.000Z", meta: null },
  { account: "DE-003", currency: "EUR", balance: "0.00", as_of: "2025-03-03T12:00:00.000Z", meta: { note: 'say "hi", then go' } },
];
const INSURANCE_RECORDS = [
  { policy: "home", insurer: "Acme Mutual", premium: 420, since: "2019-05-01" },
  { policy: "life", insurer: "Acme Mutual", premium: 1200, beneficiaries: ["ben"] },
];

/** What a CSV cell holds for a JSON value (sdk/convert/records.ts csvCell, unquoted). */
function asCsvValues(r: DataRecord): DataRecord {
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === null || v === undefined ? "" : typeof v === "object" ? JSON.stringify(v) : String(v)]));
}

async function readRecordsOf(path: string, format: "csv" | "ndjson" | "json"): Promise<DataRecord[]> {
  const out: DataRecord[] = [];
  for await (const r of parseRecords(fileText(path), format)) out.push(r);
  return out;
}

describe("on-demand datasets: the provider worker end to end", function () {
  this.timeout(240_000);
  let w: CliWorld;
  let store: LocalBlobStore;
  let custodian: CustodianClient;
  let sourcesDir: string;
  let sourcesSettings: SourcesFileSettings;
  let pgClient: pg.Client | undefined;
  let table: string | undefined;
  const device: Partial<Record<Role, EncryptionKeyPair>> = {};
  const as = (r: Role): SealshareContext => ({ ledger: w.ledger, signer: new Wallet(w.keys[r], w.provider), fromBlock: w.deployment.deployBlock });
  const open: OnDemandWorker[] = [];
  const registries: SourceRegistry[] = [];
  const events: WorkerEvent[] = [];

  async function worker(over: Partial<OnDemandWorkerOptions> = {}): Promise<OnDemandWorker> {
    const sources = SourceRegistry.fromSettings(sourcesSettings);
    registries.push(sources);
    const wk = await OnDemandWorker.open({
      ctx: as("bank"),
      custodian,
      blobStore: store,
      sources,
      checkpointPath: join(w.dir, "bank.checkpoint.json"),
      onEvent: (e) => events.push(e),
      ...over,
    });
    open.push(wk);
    return wk;
  }

  /** Ana (or `subject`) consents to the insurer for `datasetId`; the insurer requests it, formally. */
  async function consentAndRequest(datasetId: bigint, subject: Role = "ana", requester: Role = "insurer"): Promise<bigint> {
    const signed = await signConsent(as(subject), { requester: w.addr[requester], datasetId, purpose: "underwriting" });
    const r = await requestAccess(as(requester), { datasetId, purpose: "underwriting", kind: "formal", duration: "7d", device: `${requester}/laptop-1`, consent: signed.terms, signature: signed.signature });
    expect(r.version).to.equal(0);
    return r.requestId;
  }

  before(async () => {
    w = await startCliWorld({ custodian: true });
    store = new LocalBlobStore(w.blobDir);
    custodian = new CustodianClient(w.custodian!.url, { chainId: w.deployment.chainId, ledger: w.deployment.ledger });
    for (const m of ["bank", "insurer", "lender"] as const) await registerMember(as("supervisor"), { member: w.addr[m], kycRef: `KYC-${m}`, metadataURI: "" });
    for (const m of ["insurer", "lender"] as const) {
      device[m] = generateEncryptionKeyPair();
      await publishEncryptionKey(as(m), { device: `${m}/laptop-1`, keyPair: device[m]! });
    }

    sourcesDir = join(w.dir, "exports");
    await mkdir(join(sourcesDir, "insurance"), { recursive: true });
    await writeFile(join(sourcesDir, "insurance", `${w.addr.ana.toLowerCase()}.json`), JSON.stringify(INSURANCE_RECORDS));

    // Deposits come from PostgreSQL: a table of this run, dropped in after().
    let deposits: SourcesFileSettings["sources"][string];
    const pgUrl = await pgAdminUrl();
    if (pgUrl) {
      table = `sealshare_od_${randomBytes(5).toString("hex")}`;
      pgClient = new pg.Client({ connectionString: pgUrl });
      await pgClient.connect();
      await pgClient.query(`CREATE TABLE ${table} (id serial PRIMARY KEY, owner text, account text, currency text, balance numeric(14,2), as_of timestamptz, meta jsonb)`);
      for (const r of DEPOSIT_ROWS) {
        await pgClient.query(`INSERT INTO ${table} (owner, account, currency, balance, as_of, meta) VALUES ($1, $2, $3, $4, $5, $6)`, [w.addr.ana, r.account, r.currency, r.balance, r.as_of, r.meta === null ? null : JSON.stringify(r.meta)]);
      }
      await pgClient.query(`INSERT INTO ${table} (owner, account, currency, balance) VALUES ($1, 'XX-999', 'EUR', 5)`, [w.addr.mallory]);
      deposits = { type: "postgres", connectionString: pgUrl, query: `SELECT account, currency, balance, as_of, meta FROM ${table} WHERE lower(owner) = $1 ORDER BY id` };
    } else {
      console.log("    ⚠ no PostgreSQL server at 127.0.0.1:5432: the deposits source is a folder in this run");
      await mkdir(join(sourcesDir, "deposits"));
      await writeFile(join(sourcesDir, "deposits", `${w.addr.ana.toLowerCase()}.ndjson`), DEPOSIT_ROWS.map((r) => JSON.stringify(r)).join("\n") + "\n");
      deposits = { type: "folder", dir: join(sourcesDir, "deposits") };
    }
    // A port nothing listens on: an API that is down.
    sourcesSettings = {
      sources: {
        "core-banking/deposits": deposits,
        "exports/insurance": { type: "folder", dir: join(sourcesDir, "insurance") },
        "platform/stocks": { type: "http", url: "http://127.0.0.1:9/v1/{subject}/stocks", retries: 0, timeoutMs: 2000 },
      },
    };
  });

  after(async () => {
    for (const wk of open) await wk.close();
    for (const r of registries) await r.close();
    if (pgClient) {
      if (table) await pgClient.query(`DROP TABLE IF EXISTS ${table}`);
      await pgClient.end();
    }
    await w?.stop();
  });

  let depositsId: bigint;
  let firstRequest: bigint;

  it("pulls the subject's records when a request arrives, publishes v1 and deposits its key; only for its own on-demand datasets", async () => {
    depositsId = (await registerOnDemandDataset(as("bank"), { subject: w.addr.ana, category: "deposit", policy: POLICY, sourceRef: "core-banking/deposits" })).datasetId;
    // Not the bank's: the lender's on-demand dataset with the same source reference, and the bank's ordinary dataset.
    const lenders = (await registerOnDemandDataset(as("lender"), { subject: w.addr.ana, category: "deposit", policy: POLICY, sourceRef: "core-banking/deposits" })).datasetId;
    await writeFile(join(w.dir, "plain.ndjson"), '{"a":1}\n');
    const ordinary = (await registerDataset(as("bank"), { subject: w.addr.ana, category: "fund", policy: POLICY, source: { plaintext: join(w.dir, "plain.ndjson") }, blobStore: store })).datasetId;

    firstRequest = await consentAndRequest(depositsId);
    const lendersRequest = await consentAndRequest(lenders);
    const signed = await signConsent(as("ana"), { requester: w.addr.insurer, datasetId: ordinary, purpose: "underwriting" });
    await requestAccess(as("insurer"), { datasetId: ordinary, purpose: "underwriting", kind: "formal", duration: "7d", device: "insurer/laptop-1", consent: signed.terms, signature: signed.signature });

    const wk = await worker();
    const report = await wk.runOnce();
    expect(report.seen).to.equal(1);
    expect(report.published).to.deep.equal([{ datasetId: depositsId, version: 1, records: DEPOSIT_ROWS.length, requestIds: [firstRequest] }]);
    expect(report.served).to.deep.equal([{ requestId: firstRequest, datasetId: depositsId, version: 1, extracted: true }]);
    expect(report.failed).to.deep.equal([]);
    expect(Object.keys(wk.state().requests)).to.deep.equal([firstRequest.toString()]);
    expect(wk.state().pending).to.deep.equal([]);
    expect(wk.state().requests[lendersRequest.toString()]).to.equal(undefined);

    const d = await getDataset(as("insurer"), { datasetId: depositsId });
    expect(d.latestVersion).to.equal(1);
    expect(d.versions[0]).to.include({ version: 1, format: "ndjson" });
    expect((await getDataset(as("insurer"), { datasetId: lenders })).latestVersion).to.equal(0);
    expect(events.some((e) => e.type === "deposited" && e.datasetId === depositsId.toString())).to.equal(true);
    await wk.close();
  });

  it("after the approvals, the requester receives the records as CSV and NDJSON, equal to the source's", async () => {
    await approveRequest(as("bank"), { requestId: firstRequest, as: "provider" });
    const granted = await approveRequest(as("supervisor"), { requestId: firstRequest, as: "supervisor" });
    expect(granted.granted).to.include({ kind: 2, version: 1 });

    const k = await fetchKey(as("insurer"), { custodian, requestId: firstRequest, devicePrivateKey: device.insurer!.privateKey, waitMs: 60_000 });
    expect([k.datasetId, k.version]).to.deep.equal([depositsId, 1]);
    const csvPath = join(w.dir, "deposits.csv");
    const csv = await decryptDataset(as("insurer"), { datasetId: k.datasetId, version: k.version, dek: k.dek, blobStore: store, output: csvPath, format: "csv" });
    expect(csv).to.include({ verified: true, format: "csv", records: DEPOSIT_ROWS.length });
    expect((await readFile(csvPath, "utf8")).split("\n")[0]).to.equal("account,currency,balance,as_of,meta");
    expect(await readRecordsOf(csvPath, "csv")).to.deep.equal(DEPOSIT_ROWS.map(asCsvValues));
    const ndPath = join(w.dir, "deposits.ndjson");
    await decryptDataset(as("insurer"), { datasetId: k.datasetId, version: k.version, dek: k.dek, blobStore: store, output: ndPath, format: "ndjson" });
    expect(await readRecordsOf(ndPath, "ndjson")).to.deep.equal(DEPOSIT_ROWS);
  });

  it("is idempotent across restarts: the same events again (same checkpoint, or none) publish nothing", async () => {
    const again = await worker();
    const r1 = await again.runOnce();
    expect([r1.seen, r1.published, r1.served]).to.deep.equal([0, [], []]);
    await again.close();

    // Without its checkpoint the worker rescans from the deployment block and recognises on
    // chain that v1 was published after the request: served, not extracted again.
    await rename(join(w.dir, "bank.checkpoint.json"), join(w.dir, "bank.checkpoint.old.json"));
    const fresh = await worker();
    const r2 = await fresh.runOnce();
    expect(r2.published).to.deep.equal([]);
    expect(r2.skipped).to.deep.equal([{ requestId: firstRequest, reason: "request is Formal" }]);
    await fresh.close();

    // A request filed once v1 exists is for v1 (the ledger resolves "latest" when a request is
    // filed): served by it, nothing extracted.
    const signed = await signConsent(as("ana"), { requester: w.addr.lender, datasetId: depositsId, purpose: "underwriting" });
    const later = await requestAccess(as("lender"), { datasetId: depositsId, purpose: "underwriting", kind: "formal", duration: "7d", device: "lender/laptop-1", consent: signed.terms, signature: signed.signature });
    expect(later.version).to.equal(1);
    const third = await worker();
    const r3 = await third.runOnce();
    expect(r3.published).to.deep.equal([]);
    expect(r3.served).to.deep.equal([{ requestId: later.requestId, datasetId: depositsId, version: 1, extracted: false }]);
    await third.close();
    expect((await getDataset(as("insurer"), { datasetId: depositsId })).latestVersion).to.equal(1);
  });

  it("finishes a version whose key deposit was interrupted (restart from the checkpoint), and has the ledger grant it", async () => {
    const insuranceId = (await registerOnDemandDataset(as("bank"), { subject: w.addr.ana, category: "insurance", policy: OPEN_POLICY, sourceRef: "exports/insurance" })).datasetId;
    const requestId = await consentAndRequest(insuranceId);

    // The custodian is unreachable for deposits: the version gets published, its key does not.
    const down: typeof fetch = (input, init) => (String(input).endsWith("/v1/keys") ? Promise.reject(new TypeError("fetch failed")) : fetch(input, init));
    const flaky = new CustodianClient(w.custodian!.url, { chainId: w.deployment.chainId, ledger: w.deployment.ledger, fetch: down });
    const first = await worker({ custodian: flaky });
    const r1 = await first.runOnce();
    expect(r1.published.map((p) => [p.datasetId, p.version])).to.deep.equal([[insuranceId, 1]]);
    expect(r1.served).to.deep.equal([]);
    expect(r1.retrying).to.deep.equal([{ requestId, attempts: 1, code: "CUSTODIAN_UNREACHABLE" }]);
    const pending = first.state().pending;
    expect(pending).to.have.length(1);
    expect(pending[0]).to.include({ datasetId: insuranceId.toString(), version: 1 });
    // What the checkpoint keeps of the key is wrapped to the custodian, never the key itself.
    expect(pending[0]!.wrappedKey.length).to.be.greaterThan(2 + 64 * 2);
    await first.close();

    // The next worker (a restart) deposits the wrapped key, serves the request and advances it:
    // under a policy that needs no approval, that is what grants it.
    const second = await worker();
    const r2 = await second.runOnce();
    expect(r2.published).to.deep.equal([]);
    expect(r2.served).to.deep.equal([{ requestId, datasetId: insuranceId, version: 1, extracted: true }]);
    expect(second.state().pending).to.deep.equal([]);
    expect(events).to.deep.include({ type: "granted", requestId: requestId.toString(), kind: 2, version: 1 });
    await second.close();

    const k = await fetchKey(as("insurer"), { custodian, requestId, devicePrivateKey: device.insurer!.privateKey, waitMs: 60_000 });
    const out = join(w.dir, "insurance.json");
    await decryptDataset(as("insurer"), { datasetId: insuranceId, version: k.version, dek: k.dek, blobStore: store, output: out, format: "json" });
    expect(await readRecordsOf(out, "json")).to.deep.equal(INSURANCE_RECORDS);
    expect((await getDataset(as("insurer"), { datasetId: insuranceId })).latestVersion).to.equal(1);
  });

  it("gives up at once when the source has nothing for the subject, retries a source that is down up to maxAttempts, skips an unconfigured source", async () => {
    const noFile = (await registerOnDemandDataset(as("bank"), { subject: w.addr.mallory, category: "insurance", policy: POLICY, sourceRef: "exports/insurance" })).datasetId;
    const down = (await registerOnDemandDataset(as("bank"), { subject: w.addr.ana, category: "stock", policy: POLICY, sourceRef: "platform/stocks" })).datasetId;
    const unknown = (await registerOnDemandDataset(as("bank"), { subject: w.addr.ana, category: "bond", policy: POLICY, sourceRef: "not/configured" })).datasetId;
    const rNoFile = await consentAndRequest(noFile, "mallory");
    const rDown = await consentAndRequest(down);
    const rUnknown = await consentAndRequest(unknown);

    const wk = await worker({ maxAttempts: 2 });
    const r1 = await wk.runOnce();
    expect(r1.failed.map((f) => [f.requestId, f.code])).to.deep.equal([[rNoFile, "SOURCE_NO_DATA"]]);
    expect(r1.retrying).to.deep.equal([{ requestId: rDown, attempts: 1, code: "SOURCE_UNAVAILABLE" }]);
    expect(r1.skipped).to.deep.equal([{ requestId: rUnknown, reason: `no source configured for source reference ${id("not/configured")}` }]);
    const r2 = await wk.runOnce();
    expect(r2.failed.map((f) => [f.requestId, f.code, f.attempts])).to.deep.equal([[rDown, "SOURCE_UNAVAILABLE", 2]]);
    const r3 = await wk.runOnce(); // nothing left to try
    expect([r3.failed, r3.retrying, r3.published]).to.deep.equal([[], [], []]);
    expect(wk.state().requests[rDown.toString()]).to.include({ state: "failed", attempts: 2 });
    for (const ds of [noFile, down, unknown]) expect((await getDataset(as("insurer"), { datasetId: ds })).latestVersion).to.equal(0);
    // A second worker on the same checkpoint is refused while this one holds it.
    try {
      await worker();
      expect.fail("a second worker opened the same checkpoint");
    } catch (err) {
      expect((err as { code?: string }).code).to.equal("WORKER_ALREADY_RUNNING");
    }
    await wk.close();
  });

  it("CLI: dataset register-on-demand, provider check, provider serve --once, dataset decrypt --request --format csv", async () => {
    const sourcesPath = join(w.dir, "sources.json");
    await writeFile(sourcesPath, JSON.stringify(sourcesSettings, null, 2));
    const reg = await w.cli(["dataset", "register-on-demand", "--subject", w.addr.ana, "--category", "deposit", "--quorum", "0", "--max-temporary", "1h", "--source-ref", "core-banking/deposits"], { as: "bank" });
    expect(reg.code, explain(reg)).to.equal(0);
    expect(reg.json).to.include({ version: 0, sourceRef: id("core-banking/deposits"), sourceRefText: "core-banking/deposits" });
    const datasetId = BigInt(reg.json.datasetId);

    const check = await w.cli(["provider", "check", "--sources", sourcesPath, "--subject", w.addr.ana, "--source-ref", "core-banking/deposits"]);
    expect(check.code, explain(check)).to.equal(0);
    expect(check.json.sources).to.deep.equal([
      { ref: "core-banking/deposits", sourceRef: id("core-banking/deposits"), kind: sourcesSettings.sources["core-banking/deposits"]!.type, name: check.json.sources[0].name, ok: true, records: 3, columns: ["account", "currency", "balance", "as_of", "meta"] },
    ]);
    expect(check.stdout).to.not.include("DE-001"); // counts and column names only, never values

    const requestId = await consentAndRequest(datasetId);
    const serve = await w.cli(["provider", "serve", "--once", "--sources", sourcesPath, "--checkpoint", join(w.dir, "cli.checkpoint.json")], { as: "bank" });
    expect(serve.code, explain(serve)).to.equal(0);
    expect(serve.json.published.filter((p: { datasetId: string }) => p.datasetId === datasetId.toString())).to.deep.equal([{ datasetId: datasetId.toString(), version: 1, records: 3, requestIds: [requestId.toString()] }]);
    expect(serve.stderr).to.include(`published v1 for request(s) #${requestId}`);
    const again = await w.cli(["provider", "serve", "--once", "--sources", sourcesPath, "--checkpoint", join(w.dir, "cli.checkpoint.json")], { as: "bank" });
    expect(again.json.published, explain(again)).to.deep.equal([]);

    // Temporary grant on the provider's approval (quorum 0 for formal would grant formal at once).
    await approveRequest(as("bank"), { requestId, as: "provider" });
    const deviceFile = join(w.dir, "insurer.device.json");
    await writeDeviceKey(deviceFile, { device: "insurer/laptop-1", deviceId: id("insurer/laptop-1"), publicKey: hexlify(device.insurer!.publicKey), privateKey: hexlify(device.insurer!.privateKey) });
    const out = join(w.dir, "cli-deposits.csv");
    const dec = await w.cli(["dataset", "decrypt", "--request", requestId.toString(), "--device-key", deviceFile, "--wait", "60s", "--format", "csv", "-o", out], { as: "insurer" });
    expect(dec.code, explain(dec)).to.equal(0);
    expect(dec.json).to.include({ datasetId: datasetId.toString(), version: 1, format: "csv", records: 3, verified: true });
    expect(await readRecordsOf(out, "csv")).to.deep.equal(DEPOSIT_ROWS.map(asCsvValues));
  });

  it("CLI: provider serve keeps watching, serves a request filed while it runs, and stops cleanly on SIGINT", async () => {
    const sourcesPath = join(w.dir, "sources.json");
    const datasetId = (await registerOnDemandDataset(as("bank"), { subject: w.addr.ana, category: "trust", policy: POLICY, sourceRef: "exports/insurance" })).datasetId;
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NODE_NO_WARNINGS: "1", SEALSHARE_CONFIG: w.configPath, SEALSHARE_PRIVATE_KEY: w.keys.bank };
    // The installed `sealshare` bin (tsx's loader in-process), so the signal reaches the CLI itself.
    const args = [join(ROOT, "bin", "sealshare.js"), "provider", "serve", "--sources", sourcesPath, "--checkpoint", join(w.dir, "watch.checkpoint.json"), "--poll", "1s", "--json"];
    const child = spawn(process.execPath, args, { cwd: w.dir, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    /** Resolves once stderr shows `text` (the worker's progress lines); fails if the process ends first. */
    const logged = (text: string) =>
      new Promise<void>((resolve, reject) => {
        const check = () => (stderr.includes(text) ? resolve() : undefined);
        child.stderr.on("data", (d: Buffer) => {
          stderr += d.toString();
          check();
        });
        void exited.then(() => reject(new Error(`provider serve exited before logging "${text}":\n${stderr}`)));
        check();
      });
    try {
      await logged("watching");
      const requestId = await consentAndRequest(datasetId);
      await logged(`request #${requestId}: served by dataset #${datasetId} v1`);
      child.kill("SIGINT");
      expect(await exited).to.equal(0);
      const result = JSON.parse(stdout);
      expect(result.published.filter((p: { datasetId: string }) => p.datasetId === datasetId.toString())).to.have.length(1);
      expect(result.rounds).to.be.greaterThan(1);
      expect(stderr).to.include("stopped");
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});
